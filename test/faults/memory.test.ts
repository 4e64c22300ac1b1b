/**
 * Uploads and downloads stream: a 2 GiB /post/raw body, generated on the fly
 * and never held whole by either side, then read back with a streaming GET,
 * while the server's resident memory is sampled from /proc every 100 ms.
 * This measures memory, not time: nothing here asserts a duration.
 *
 * The server runs compiled, as `npm start` runs it: the tsx loader costs
 * about 50 MB of its own, which is not the server's to account for. What
 * streaming itself costs shows as one step of some 40 MB when bytes start to
 * flow (chunks awaiting collection), then a flat line however many GiB pass.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { TEST_BLOBS } from '../helpers/blobs.js';
import { compileServer, startChildServer, type ChildServer, type CompiledServer } from '../helpers/child-server.js';

const TOTAL_BYTES = 2 * 1024 ** 3;
const CHUNK_BYTES = 1024 ** 2;
/**
 * On an object store the server also holds the parts it is sending, a bound
 * of (partConcurrency + 2) × partSize per upload, 48 MiB with the defaults
 * (docs/scale-out-s3.md).
 */
const PEAK_LIMIT_BYTES = 200 * 1000 * 1000 + (TEST_BLOBS === 's3' ? 6 * 8 * 1024 * 1024 : 0);

/** Peak VmRSS of `pid` while `work` runs, sampled every 100 ms. */
async function peakResidentBytes<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peakBytes: number; samples: number }> {
  let peakBytes = 0;
  let samples = 0;
  const sample = (): void => {
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      return; // the process has gone; the work will fail on its own
    }
    const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
    peakBytes = Math.max(peakBytes, kb * 1024);
    samples++;
  };
  sample();
  const timer = setInterval(sample, 100);
  try {
    const result = await work();
    sample();
    return { result, peakBytes, samples };
  } finally {
    clearInterval(timer);
  }
}

/** 2 GiB of distinct chunks: one random block, each copy stamped with its index; hashed as it goes. */
function* body(hash: ReturnType<typeof createHash>): Generator<Buffer> {
  const block = randomBytes(CHUNK_BYTES);
  for (let i = 0; i < TOTAL_BYTES / CHUNK_BYTES; i++) {
    // A fresh buffer per chunk: the socket may still hold the previous one.
    const chunk = Buffer.from(block);
    chunk.writeUInt32BE(i, (i * 4099) % (CHUNK_BYTES - 4));
    hash.update(chunk);
    yield chunk;
  }
}

function postRaw(url: string, headers: Record<string, string>, source: Readable): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/post/raw`, { method: 'POST', headers: { ...headers, 'Content-Length': String(TOTAL_BYTES) } }, resolve);
    req.on('error', reject);
    pipeline(source, req).catch(reject);
  });
}

function get(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    request(url, resolve).on('error', reject).end();
  });
}

async function login(url: string, password: string): Promise<string> {
  const res = await fetch(`${url}/jsonrpc`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'login', params: ['demo', password] }),
  });
  const { result } = (await res.json()) as { result: [string | null, unknown] };
  assert.equal(typeof result[0], 'string', 'login failed');
  return result[0]!;
}

test(`a 2 GiB upload and its download stream through the server under ${Math.round(PEAK_LIMIT_BYTES / 1e6)} MB resident`, { timeout: 30 * 60_000 }, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'originstore-memory-'));
  let compiled: CompiledServer | undefined;
  let server: ChildServer | undefined;
  t.after(async () => {
    await server?.kill('SIGKILL');
    await compiled?.remove();
    await rm(dataDir, { recursive: true, force: true });
  });
  compiled = await compileServer();
  const child = await startChildServer({ dataDir, password: 'secret', entry: compiled.entry });
  server = child;
  const token = await login(child.url, 'secret');

  const sent = createHash('sha256');
  const upload = await peakResidentBytes(child.pid, async () => {
    const res = await postRaw(child.url, { 'X-Agile-Authorization': token, 'X-Agile-Basename': 'big.bin' }, Readable.from(body(sent)));
    res.resume();
    return res.headers;
  });
  const sentSha256 = sent.digest('hex');
  assert.equal(upload.result['x-agile-status'], '0');
  assert.equal(upload.result['x-agile-size'], String(TOTAL_BYTES));
  assert.equal(upload.result['x-agile-checksum'], sentSha256);

  const download = await peakResidentBytes(child.pid, async () => {
    const res = await get(`${child.url}/demo/big.bin`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-length'], String(TOTAL_BYTES));
    const received = createHash('sha256');
    let bytes = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      received.update(chunk);
      bytes += chunk.length;
    }
    return { bytes, sha256: received.digest('hex') };
  });
  assert.equal(download.result.bytes, TOTAL_BYTES);
  assert.equal(download.result.sha256, sentSha256);

  t.diagnostic(`peak resident: upload ${(upload.peakBytes / 1e6).toFixed(1)} MB over ${upload.samples} samples, download ${(download.peakBytes / 1e6).toFixed(1)} MB over ${download.samples} samples`);
  assert.ok(upload.peakBytes < PEAK_LIMIT_BYTES, `upload peak ${upload.peakBytes} bytes`);
  assert.ok(download.peakBytes < PEAK_LIMIT_BYTES, `download peak ${download.peakBytes} bytes`);
  assert.equal(await child.kill('SIGTERM'), 0);
});
