/**
 * npm run bench -- --soak <duration>: mixed load on originstore alone from
 * 500 connections for the whole duration (GET 4 KiB, GET of a range,
 * JSON-RPC stat and listFile, a 4 KiB durable upload to a new name, in turn
 * on each connection; no HEAD, which autocannon cannot parse, see load.ts), while the server's VmRSS is sampled every second. It passes
 * with zero failed requests and flat memory; it is a bench mode, not a test.
 */
import { readRss } from './client.js';
import type { LoadSummary } from './load.js';
import { SMALL_BYTES, type Bench } from './setup.js';
import { runLoad } from './system.js';

export const SOAK_CONNECTIONS = 500;

export interface SoakResult {
  readonly seconds: number;
  readonly summary: LoadSummary;
  /** VmRSS in MB, one sample a second. */
  readonly rssMb: readonly number[];
}

export async function soak(b: Bench, seconds: number): Promise<SoakResult> {
  const auth = { 'X-Agile-Authorization': b.token };
  const egress = (name: string) => new URL(b.url('originstore', name)).pathname;
  const rssMb: number[] = [];
  const timer = setInterval(() => rssMb.push(readRss(b.server.pid) / 1e6), 1000);
  b.log(`soak: ${SOAK_CONNECTIONS} connections for ${seconds} s`);
  try {
    const summary = await runLoad(b.repo, {
      url: b.server.url,
      connections: SOAK_CONNECTIONS,
      durationSeconds: seconds,
      requests: [
        { method: 'GET', path: egress('small.bin') },
        { method: 'GET', path: egress('range.bin'), headers: { Range: 'bytes=1048576-1114111' } },
        { method: 'POST', path: '/jsonrpc', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'stat', params: [b.token, '/bench/small.bin', true] }) },
        { method: 'POST', path: '/jsonrpc', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'listFile', params: [b.token, '/bench', 100, 0, true] }) },
        { method: 'POST', path: '/post/raw', body: 'x'.repeat(SMALL_BYTES),
          headers: { ...auth, 'X-Agile-Directory': '/bench/small-up', 'X-Agile-Basename': 'soak-{n}.bin' } },
      ],
    });
    return { seconds, summary, rssMb };
  } finally {
    clearInterval(timer);
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[s.length >> 1]!;
}

/**
 * Flat: the median VmRSS of the last quarter is within 10% (or 10 MB) of the
 * second quarter's. The first quarter is the warm-up (JIT, caches, pools).
 */
export function memoryFlat(rssMb: readonly number[]): { early: number; late: number; peak: number; flat: boolean } {
  const q = Math.max(1, Math.floor(rssMb.length / 4));
  const early = median(rssMb.slice(q, 2 * q));
  const late = median(rssMb.slice(-q));
  return { early, late, peak: Math.max(...rssMb), flat: late <= Math.max(early * 1.1, early + 10) };
}

export function soakBlock(r: SoakResult, date: string): string {
  const s = r.summary;
  const failed = s.non2xx + s.errors + s.timeouts;
  const m = memoryFlat(r.rssMb);
  return `Last soak: ${date}, ${r.seconds} s, ${SOAK_CONNECTIONS} connections, mixed GET 4 KiB / GET Range 64 KiB / JSON-RPC \`stat\` and \`listFile\` / 4 KiB \`/post/raw\`.

| measurement | result |
| --- | --- |
| requests | ${s.requests} (${s.requestsPerSecond.toFixed(0)} req/s) |
| failed (non-2xx, errors, timeouts) | ${failed} (${s.non2xx}, ${s.errors}, ${s.timeouts}) — ${failed === 0 ? 'none' : '**not zero**'} |
| latency p50 / p99 | ${s.p50Ms} ms / ${s.p99Ms} ms |
| server VmRSS: second quarter / last quarter (medians) / peak | ${m.early.toFixed(0)} MB / ${m.late.toFixed(0)} MB / ${m.peak.toFixed(0)} MB — ${m.flat ? 'flat' : '**growing**'} |`;
}
