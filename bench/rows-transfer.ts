/** The rows for large transfers: /post/raw, GET warm and cold, the multipart join, and resident memory. */
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { download, rate, readCharsRead, readRss, rpc, sampleRss, upload } from './client.js';
import { interleave, ratios, type Side } from './interleave.js';
import type { Row } from './report.js';
import { expectStored, type Bench } from './setup.js';
import { dropFromCache, largeFiles } from './system.js';

const MiB = 1024 ** 2;
const POLL_MS = 100;
const State = { SUCCESS: 6, FAILED: 12 } as const;

function size(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${bytes / 1024 ** 3} GiB` : `${bytes / MiB} MiB`;
}

/** /post/raw of largeBytes, durable, against the upload ceiling; leaves up-0.bin on both sides for the GET rows. */
export async function uploadRow(b: Bench): Promise<Row> {
  const bytes = b.options.sizes.largeBytes;
  b.log(`/post/raw ${size(bytes)}`);
  const values = await interleave(b.options.sizes.repetitions, [
    { name: 'originstore', run: async (i) => rate(bytes, (await b.postRaw(`up-${i}.bin`, bytes)).seconds) },
    { name: 'ceiling', run: async (i) => rate(bytes, (await b.ceilingPost(`up-${i}.bin`, bytes)).seconds) },
  ], b.log, 'MB/s');
  return {
    hotPath: `\`/post/raw\` ${size(bytes)}, durable`, unit: 'MB/s', values,
    ratios: ratios(values['originstore'], values['ceiling']), target: { op: '>=', value: 1.2 },
  };
}

function getSides(b: Bench, bytes: number, before?: () => Promise<void>): Side[] {
  const sides = ['originstore', 'ceiling', ...b.peers.map((p) => p.name)];
  return sides.map((name) => ({
    name,
    run: async () => {
      await before?.();
      return rate(bytes, (await download(b.url(name, 'up-0.bin'), bytes)).seconds);
    },
  }));
}

export async function getWarmRow(b: Bench): Promise<Row> {
  const bytes = b.options.sizes.largeBytes;
  b.log(`GET ${size(bytes)}, warm`);
  // One untimed read per side, so every timed one finds the file in the page cache.
  for (const side of getSides(b, bytes)) await side.run(0);
  const values = await interleave(b.options.sizes.repetitions, getSides(b, bytes), b.log, 'MB/s');
  return {
    hotPath: `\`GET\` ${size(bytes)}, warm cache`, unit: 'MB/s', values,
    ratios: ratios(values['originstore'], values['ceiling']), target: { op: '>=', value: 1.5 },
  };
}

export async function getColdRow(b: Bench): Promise<{ row: Row; residentBytes: number | undefined }> {
  const bytes = b.options.sizes.largeBytes;
  b.log(`GET ${size(bytes)}, cold cache (${b.cacheDrop})`);
  let resident: number | undefined = 0;
  // Every large file of the run is dropped before each read, so no side finds another's pages.
  const drop = async (): Promise<void> => {
    const r = await dropFromCache(b.cacheDrop, await largeFiles(b.root, bytes));
    resident = r === undefined || resident === undefined ? undefined : Math.max(resident, r);
  };
  const values = await interleave(b.options.sizes.repetitions, getSides(b, bytes, drop), b.log, 'MB/s');
  const row: Row = {
    hotPath: `\`GET\` ${size(bytes)}, cold cache`, unit: 'MB/s', values,
    ratios: ratios(values['originstore'], values['ceiling']), target: { op: '>=', value: 1.5 },
    ...(b.cacheDrop === 'none' ? { note: 'the page cache could not be dropped: this row is warm' } : {}),
  };
  return { row, residentBytes: resident };
}

/**
 * The multipart join: pieces uploaded untimed, then from completeMultipart
 * until getMultipartStatus reports SUCCESS. Also how many bytes the server
 * read meanwhile (rchar) per byte joined: 1.0 means each piece was read once.
 */
export async function joinRows(b: Bench, postRawRate: readonly number[]): Promise<Row[]> {
  const { joinPieces: pieces, pieceBytes, joinRepetitions: repetitions } = b.options.sizes;
  const total = pieces * pieceBytes;
  b.log(`multipart join ${pieces} × ${size(pieceBytes)}`);
  const rates: number[] = [];
  const reads: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const { seconds, readBytes } = await timeJoin(b, `/bench/joined-${i}.bin`, pieces, pieceBytes);
    rates.push(rate(total, seconds));
    reads.push(readBytes / total);
    b.log(`  join #${i + 1}: ${rate(total, seconds).toFixed(0)} MB/s, read ${(readBytes / total).toFixed(2)} × the data`);
  }
  const median = [...postRawRate].sort((x, y) => x - y)[postRawRate.length >> 1]!;
  return [
    {
      hotPath: `multipart join ${size(total)} (${pieces} × ${size(pieceBytes)})`, unit: 'MB/s', values: { originstore: rates },
      ratios: rates.map((r) => r / median), ratioOf: '÷ originstore `/post/raw` median', target: { op: '>=', value: 0.8 },
    },
    {
      hotPath: 'multipart join: bytes read ÷ bytes joined', unit: '×', values: { originstore: reads },
      target: { op: '<=', value: 1.05, worst: true }, note: 'reads the data once',
    },
  ];
}

async function timeJoin(b: Bench, path: string, pieces: number, pieceBytes: number): Promise<{ seconds: number; readBytes: number }> {
  const url = b.server.url;
  const created = await rpc(url, 'createMultipart', [b.token, path]);
  if (created.code !== 0) throw new Error(`createMultipart: ${JSON.stringify(created)}`);
  const mpid = created.mpid as string;
  for (let part = 1; part <= pieces; part++) {
    const headers = { 'X-Agile-Authorization': b.token, 'X-Agile-Multipart': mpid, 'X-Agile-Part': String(part) };
    expectStored(`piece ${part}`, await upload(`${url}/multipart/piece`, headers, pieceBytes), pieceBytes);
  }
  const readBefore = readCharsRead(b.server.pid);
  const started = performance.now();
  const completed = await rpc(url, 'completeMultipart', [b.token, mpid]);
  if (completed.code !== 0) throw new Error(`completeMultipart: ${JSON.stringify(completed)}`);
  for (;;) {
    const status = await rpc(url, 'getMultipartStatus', [b.token, mpid]);
    if (status.state === State.SUCCESS) break;
    if (status.state === State.FAILED || status.code !== 0) throw new Error(`the join failed: ${JSON.stringify(status)}`);
    await delay(POLL_MS);
  }
  const seconds = (performance.now() - started) / 1000;
  const readBytes = readCharsRead(b.server.pid) - readBefore;
  const st = await rpc(url, 'stat', [b.token, path, false]);
  if (st.size !== pieces * pieceBytes) throw new Error(`joined ${st.size} of ${pieces * pieceBytes} bytes`);
  await rpc(url, 'deleteFile', [b.token, path]);
  return { seconds, readBytes };
}

/** Peak VmRSS of the server during a memoryTransferBytes upload and download, and with idleConnections open. */
export async function memoryRows(b: Bench): Promise<Row[]> {
  const { memoryTransferBytes: bytes, idleConnections, memoryRepetitions: repetitions } = b.options.sizes;
  b.log(`resident memory: ${size(bytes)} up and down, ${idleConnections} idle connections`);
  const up: number[] = [];
  const down: number[] = [];
  const idle: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    let rss = sampleRss(b.server.pid, POLL_MS);
    await b.postRaw(`memory-${i}.bin`, bytes);
    up.push(rss.stop() / 1e6);
    rss = sampleRss(b.server.pid, POLL_MS);
    await download(b.url('originstore', `memory-${i}.bin`), bytes);
    down.push(rss.stop() / 1e6);
    await rpc(b.server.url, 'deleteFile', [b.token, `/bench/memory-${i}.bin`]);
    idle.push((await idlePeak(b, idleConnections)) / 1e6);
    b.log(`  #${i + 1}: upload ${up.at(-1)!.toFixed(0)} MB, download ${down.at(-1)!.toFixed(0)} MB, idle ${idle.at(-1)!.toFixed(0)} MB`);
  }
  const target = { op: '<', value: 200, worst: true } as const;
  return [
    { hotPath: `server VmRSS, peak during a ${size(bytes)} \`/post/raw\``, unit: 'MB', values: { originstore: up }, target },
    { hotPath: `server VmRSS, peak during a ${size(bytes)} \`GET\``, unit: 'MB', values: { originstore: down }, target },
    { hotPath: `server VmRSS with ${idleConnections} idle keep-alive connections`, unit: 'MB', values: { originstore: idle }, target },
  ];
}

/** Open `count` connections, each having made one GET and kept alive; the server's VmRSS once all are idle. */
async function idlePeak(b: Bench, count: number): Promise<number> {
  const { hostname, port } = new URL(b.server.url);
  const path = new URL(b.url('originstore', 'small.bin')).pathname;
  const sockets: Socket[] = [];
  try {
    for (let i = 0; i < count; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, count - i) }, async () => {
        const socket = connect(Number(port), hostname);
        sockets.push(socket);
        await once(socket, 'connect');
        socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: keep-alive\r\n\r\n`);
        await once(socket, 'data');
      }));
    }
    // Let the answers' buffers go, as they would on a server idling between requests.
    await delay(1000);
    return readRss(b.server.pid);
  } finally {
    for (const s of sockets) s.destroy();
  }
}
