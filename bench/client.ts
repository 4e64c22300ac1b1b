/**
 * The bench's client side: one upload client and one download client used
 * for originstore and the ceilings alike, JSON-RPC calls, the ceilings as
 * child processes, and an RSS sampler. Bodies come from a generator of
 * 1 MiB chunks, so no upload is ever held in memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { createInterface } from 'node:readline';

export const CHUNK_BYTES = 1 << 20;
/** Random, so nothing on the way can compress it; one chunk, sent again and again. */
const PATTERN = randomBytes(CHUNK_BYTES);

function* body(sizeBytes: number): Generator<Buffer> {
  for (let left = sizeBytes; left > 0; left -= CHUNK_BYTES) yield left >= CHUNK_BYTES ? PATTERN : PATTERN.subarray(0, left);
}

export interface Timed {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly seconds: number;
}

/** POST `sizeBytes` to `url` with backpressure; timed until the answer has been read. */
export async function upload(url: string, headers: Record<string, string>, sizeBytes: number): Promise<Timed> {
  const started = performance.now();
  const req = request(url, { method: 'POST', agent: false, headers: { ...headers, 'Content-Length': String(sizeBytes) } });
  const answered = once(req, 'response') as Promise<[import('node:http').IncomingMessage]>;
  // A failed request also rejects the drain wait below, which reports it; this copy must not go unhandled.
  answered.catch(() => undefined);
  for (const chunk of body(sizeBytes)) {
    if (!req.write(chunk)) await once(req, 'drain');
  }
  req.end();
  const [res] = await answered;
  res.resume();
  await once(res, 'end');
  return { status: res.statusCode ?? 0, headers: res.headers, seconds: (performance.now() - started) / 1000 };
}

/** GET `url`, reading and discarding the body; fails unless it is `sizeBytes` long. */
export async function download(url: string, sizeBytes: number): Promise<Timed> {
  const started = performance.now();
  const req = request(url, { agent: false });
  req.end();
  const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
  let received = 0;
  res.on('data', (chunk: Buffer) => {
    received += chunk.length;
  });
  await once(res, 'end');
  const seconds = (performance.now() - started) / 1000;
  if (res.statusCode !== 200 || received !== sizeBytes) {
    throw new Error(`GET ${url}: HTTP ${res.statusCode}, ${received} of ${sizeBytes} bytes`);
  }
  return { status: res.statusCode, headers: res.headers, seconds };
}

export async function rpc(url: string, method: string, params: unknown[]): Promise<any> {
  const res = await fetch(`${url}/jsonrpc`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const answer = (await res.json()) as { result?: unknown; error?: unknown };
  if (answer.error !== undefined) throw new Error(`${method}: ${JSON.stringify(answer.error)}`);
  return answer.result;
}

export interface Ceiling {
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Start a ceiling script (bench/ceiling-*.ts) on `dataDir` and read its port from its first line. */
export async function startCeiling(script: string, dataDir: string, cwd: string, args: readonly string[] = []): Promise<Ceiling> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir, ...args], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'close');
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const lines = createInterface({ input: child.stdout! });
  const first = await Promise.race([
    once(lines, 'line').then(([line]) => String(line)),
    exited.then(() => undefined),
  ]);
  const port = first === undefined ? undefined : (JSON.parse(first) as { port?: number }).port;
  if (port === undefined) {
    await stop();
    throw new Error(`${script} did not start`);
  }
  lines.on('line', () => undefined);
  return { url: `http://127.0.0.1:${port}`, process: child, stop };
}

/** Bytes `pid` has read through read(2) and friends so far, page cache included (rchar of /proc/<pid>/io). */
export function readCharsRead(pid: number): number {
  try {
    const m = /^rchar:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** VmRSS of `pid` in bytes (0 once it has gone). */
export function readRss(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** VmRSS of `pid` in bytes, sampled every `everyMs` until stopped; returns the peak. */
export function sampleRss(pid: number, everyMs = 100): { stop(): number } {
  let peak = 0;
  const read = (): void => {
    peak = Math.max(peak, readRss(pid));
  };
  read();
  const timer = setInterval(read, everyMs);
  return {
    stop() {
      clearInterval(timer);
      read();
      return peak;
    },
  };
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

export function spread(samples: readonly number[]): Spread {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, samples };
}

/** MB/s, with MB = 10^6 bytes. */
export function rate(sizeBytes: number, seconds: number): number {
  return sizeBytes / seconds / 1e6;
}
