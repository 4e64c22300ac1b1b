/**
 * The rows for small requests, each driven by autocannon in its own process
 * (bench/load.ts) for loadSeconds per repetition: GET 4 KiB, HEAD, GET of a
 * 64 KiB range, JSON-RPC stat and 4 KiB durable uploads; and, timed from
 * here, listFile of 10,000 entries with stat and the pages of a very large
 * directory.
 */
import { rpc } from './client.js';
import { interleave, ratios } from './interleave.js';
import type { LoadRequest } from './load.js';
import type { LoadSummary } from './load.js';
import type { Row, Target } from './report.js';
import { canFill, SMALL_BYTES, type Bench } from './setup.js';
import { runLoad } from './system.js';

const KiB = 1024;
const RANGE_START = 1024 * KiB;
const RANGE_BYTES = 64 * KiB;
const PAGE = 10_000;
const LIST_CALLS = 5;

function failed(s: LoadSummary): number {
  return s.non2xx + s.errors + s.timeouts;
}

/** One autocannon run; a failed request fails the bench, since a fast wrong answer proves nothing. */
async function load(b: Bench, url: string, connections: number, requests: LoadRequest[]): Promise<LoadSummary> {
  const summary = await runLoad(b.repo, { url, connections, durationSeconds: b.options.sizes.loadSeconds, requests });
  if (failed(summary) > 0 || summary.requests === 0) throw new Error(`${url}: ${JSON.stringify(summary)}`);
  return summary;
}

function origin(url: string): string {
  return new URL(url).origin;
}

async function egressRow(b: Bench, label: string, method: 'GET' | 'HEAD', name: string, headers: Record<string, string>, target: Target): Promise<Row> {
  b.log(label);
  const sides = ['originstore', 'ceiling', ...b.peers.map((p) => p.name)];
  const values = await interleave(b.options.sizes.repetitions, sides.map((side) => ({
    name: side,
    run: async () => {
      const url = b.url(side, name);
      return (await load(b, origin(url), 64, [{ method, path: new URL(url).pathname, headers }])).requestsPerSecond;
    },
  })), b.log, 'req/s');
  return { hotPath: label, unit: 'req/s', values, ratios: ratios(values['originstore'], values['ceiling']), target };
}

export async function egressRows(b: Bench): Promise<Row[]> {
  const range = { Range: `bytes=${RANGE_START}-${RANGE_START + RANGE_BYTES - 1}` };
  return [
    await egressRow(b, '`GET` 4 KiB, 64 connections', 'GET', 'small.bin', {}, { op: '>=', value: 1.0 }),
    await egressRow(b, '`HEAD`, 64 connections', 'HEAD', 'small.bin', {}, { op: '>=', value: 0.8 }),
    await egressRow(b, '`GET` Range 64 KiB, 64 connections', 'GET', 'range.bin', range, { op: '>=', value: 0.9 }),
  ];
}

function rpcBody(method: string, params: unknown[]): string {
  return JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
}

/** JSON-RPC stat from 64 keep-alive connections: throughput, and p99 latency against the ceiling's. */
export async function statRows(b: Bench): Promise<Row[]> {
  b.log('JSON-RPC stat, 64 connections');
  const p99: Record<string, number[]> = { originstore: [], ceiling: [] };
  const headers = { 'Content-Type': 'application/json' };
  const values = await interleave(b.options.sizes.repetitions, [
    { name: 'originstore', body: rpcBody('stat', [b.token, '/bench/small.bin', false]), url: b.server.url },
    { name: 'ceiling', body: rpcBody('stat', ['-', '/stat.bin', false]), url: b.ceilingRpc.url },
  ].map(({ name, body, url }) => ({
    name,
    run: async () => {
      const s = await load(b, url, 64, [{ method: 'POST', path: '/jsonrpc', headers, body }]);
      p99[name]!.push(s.p99Ms);
      return s.requestsPerSecond;
    },
  })), b.log, 'req/s');
  return [
    { hotPath: 'JSON-RPC `stat`, keep-alive, 64 connections', unit: 'req/s', values, ratios: ratios(values['originstore'], values['ceiling']),
      target: { op: '>=', value: 0.8 } },
    { hotPath: 'JSON-RPC `stat`: p99 latency', unit: 'ms', values: p99, ratios: ratios(p99['originstore'], p99['ceiling']),
      target: { op: '<=', value: 2 } },
  ];
}

/** listFile of a 10,000-entry directory with stat, one page; and the first and last pages of the big directory. */
export async function listRows(b: Bench): Promise<Row[]> {
  if (!canFill(b)) return [];
  const { listEntries, bigDirectoryEntries, repetitions } = b.options.sizes;
  // Pages of this size take a good part of a second on a busy machine, too long for a load window of a
  // second or two: each repetition times LIST_CALLS calls in a row from the bench process instead.
  b.log(`listFile ${listEntries} entries with stat, ${LIST_CALLS} calls in a row`);
  const values = await interleave(repetitions, [
    { name: 'originstore', url: b.server.url, params: [b.token, '/bench/list', listEntries, 0, true] },
    { name: 'ceiling', url: b.ceilingRpc.url, params: ['-', '/list', listEntries, 0, true] },
  ].map(({ name, url, params }) => ({
    name,
    run: async () => {
      const started = performance.now();
      for (let i = 0; i < LIST_CALLS; i++) {
        const page = await rpc(url, 'listFile', params);
        if (page.list?.length !== listEntries) throw new Error(`${name} listFile: ${JSON.stringify(page).slice(0, 200)}`);
      }
      return LIST_CALLS / ((performance.now() - started) / 1000);
    },
  })), b.log, 'req/s');
  const rows: Row[] = [{
    hotPath: `\`listFile\` ${listEntries.toLocaleString('en')} entries with stat`, unit: 'req/s', values,
    ratios: ratios(values['originstore'], values['ceiling']), target: { op: '>=', value: 0.8 },
  }];

  b.log(`listFile pages of ${PAGE} through ${bigDirectoryEntries} entries`);
  // One walk, as a client reaches the last page: every page asked for with the cookie the one before returned.
  const pages = await walk(b, '/bench/big', bigDirectoryEntries);
  b.log(`  walk: first page ${pages[0]!.toFixed(0)} ms, last ${pages.at(-1)!.toFixed(0)} ms, ${pages.length} pages`);
  // Then the first and the last page again, in turns, each with the cookie the walk handed out for it.
  const lastCookie = Math.floor((bigDirectoryEntries - 1) / PAGE) * PAGE;
  const pageTimes = await interleave(repetitions, [
    { name: 'first', run: () => timedPage(b, '/bench/big', 0) },
    { name: 'last', run: () => timedPage(b, '/bench/big', lastCookie) },
  ], b.log, 'ms');
  const first = pageTimes['first']!;
  const last = pageTimes['last']!;
  // A cookie this server never handed out, so the page is found by counting (OFFSET), not by the last name seen.
  const offset: number[] = [];
  for (let i = 0; i < repetitions; i++) offset.push(await timedPage(b, '/bench/big', bigDirectoryEntries - PAGE + 1 + i));
  const n = bigDirectoryEntries.toLocaleString('en');
  rows.push({
    hotPath: `\`listFile\` ${n}-entry directory, pages of ${PAGE.toLocaleString('en')}: the last page (cookie from a walk)`, unit: 'ms',
    values: { originstore: last }, ratios: ratios(last, first), ratioOf: 'last ÷ first page', target: { op: '<=', value: 1.2 },
  }, {
    hotPath: `\`listFile\` ${n}-entry directory: a last page asked for cold (a cookie not handed out)`, unit: 'ms',
    values: { originstore: offset }, ratios: ratios(offset, first), ratioOf: '÷ first page',
  });
  return rows;
}

async function timedPage(b: Bench, path: string, cookie: number): Promise<number> {
  const started = performance.now();
  const page = await rpc(b.server.url, 'listFile', [b.token, path, PAGE, cookie, true]);
  const ms = performance.now() - started;
  if (page.code !== 0 || page.list.length === 0) throw new Error(`listFile ${path} at ${cookie}: ${JSON.stringify(page).slice(0, 200)}`);
  return ms;
}

/** Every page of `path` in order, as a client walking it would; the time of each. */
async function walk(b: Bench, path: string, entries: number): Promise<number[]> {
  const times: number[] = [];
  for (let cookie = 0; cookie < entries; cookie += PAGE) times.push(await timedPage(b, path, cookie));
  return times;
}

/** 4 KiB durable uploads, 16 in flight, each to a new name. */
export async function smallUploadRow(b: Bench): Promise<Row> {
  b.log('4 KiB uploads, 16 in flight');
  const body = 'x'.repeat(SMALL_BYTES);
  const values = await interleave(b.options.sizes.repetitions, [
    {
      name: 'originstore',
      run: async (i: number) => (await load(b, b.server.url, 16, [{
        method: 'POST', path: '/post/raw', body,
        headers: { 'X-Agile-Authorization': b.token, 'X-Agile-Directory': '/bench/small-up', 'X-Agile-Basename': `s-${i}-{n}.bin` },
      }])).requestsPerSecond,
    },
    {
      name: 'ceiling',
      run: async (i: number) => (await load(b, b.ceilingUp.url, 16, [{ method: 'POST', path: `/s-${i}-{n}.bin`, body }])).requestsPerSecond,
    },
  ], b.log, 'req/s');
  return {
    hotPath: '4 KiB uploads, 16 in flight, durable', unit: 'req/s', values, ratios: ratios(values['originstore'], values['ceiling']),
    target: { op: '>=', value: 0.9 }, note: 'stretch ≥ 1.2',
  };
}
