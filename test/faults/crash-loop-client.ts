/**
 * The crash loop's client side: requests that report whether the server
 * acknowledged them (never throwing when it died mid-way), seeded contents,
 * and a read-back of one path through stat and GET.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import type { Prng } from '../helpers/malformed.js';

/** A file's contents (its SHA-256), or null for "no file". */
export type State = string | null;

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Bytes from the PRNG, quickly: a seeded pattern repeated, with a unique prefix. */
export function bytesOf(rng: Prng, sizeBytes: number, tag: string): Buffer {
  const unit = rng.bytes(4096);
  const out = Buffer.alloc(sizeBytes);
  for (let o = 0; o < sizeBytes; o += unit.length) unit.copy(out, o);
  Buffer.from(tag).copy(out, 0, 0, Math.min(tag.length, sizeBytes));
  return out;
}

export function uploadSize(rng: Prng): number {
  return rng.weighted<() => number>([[1, () => 0], [3, () => 1 + rng.int(4096)], [4, () => 4096 + rng.int(256 << 10)], [2, () => (256 << 10) + rng.int(2 << 20)]])();
}

/** /post/raw in 64 KiB writes; true only when the server acknowledged it (X-Agile-Status 0). */
export function postRaw(url: string, token: string, path: string, bytes: Buffer): Promise<boolean> {
  const slash = path.lastIndexOf('/');
  return new Promise((resolve) => {
    const req = request(`${url}/post/raw`, {
      method: 'POST',
      headers: {
        'X-Agile-Authorization': token, 'X-Agile-Directory': path.slice(0, slash) || '/', 'X-Agile-Basename': path.slice(slash + 1),
        'X-Agile-Recursive': 'true', 'Content-Length': String(bytes.length),
      },
    }, (res) => {
      res.resume();
      res.on('error', () => undefined);
      resolve(res.headers['x-agile-status'] === '0');
    });
    req.on('error', () => resolve(false));
    void (async () => {
      for (let o = 0; o < bytes.length && !req.destroyed; o += 64 << 10) {
        if (!req.write(bytes.subarray(o, o + (64 << 10)))) await drainedOrClosed(req);
      }
      if (!req.destroyed) req.end();
    })();
  });
}

function drainedOrClosed(req: ReturnType<typeof request>): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      req.off('drain', done);
      req.off('close', done);
      resolve();
    };
    req.on('drain', done);
    req.on('close', done);
  });
}

export async function rpc(url: string, method: string, params: unknown[]): Promise<any> {
  const res = await fetch(`${url}/jsonrpc`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = (await res.json()) as { result?: unknown; error?: unknown };
  if (body.error !== undefined) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}

/** An RPC that returns 0 on success; false when refused or cut short. */
export async function rpcOk(url: string, method: string, params: unknown[]): Promise<boolean> {
  try {
    return (await rpc(url, method, params)) === 0;
  } catch {
    return false;
  }
}

export async function agile(res: Promise<Response>): Promise<Response | undefined> {
  try {
    const r = await res;
    await r.arrayBuffer();
    return r.headers.get('x-agile-status') === '0' ? r : undefined;
  } catch {
    return undefined;
  }
}

export async function observe(url: string, token: string, path: string): Promise<State> {
  const stat = await rpc(url, 'stat', [token, path, true]);
  const got = await fetch(`${url}/demo${path}`);
  const body = Buffer.from(await got.arrayBuffer());
  if (stat.code === -1) {
    assert.equal(got.status, 404, `${path}: stat finds nothing, GET answers ${got.status}`);
    return null;
  }
  assert.equal(stat.code, 0, `${path}: stat answers ${stat.code}`);
  assert.equal(got.status, 200, `${path}: GET answers ${got.status}`);
  assert.equal(body.length, stat.size, `${path}: GET length differs from stat`);
  assert.equal(sha256(body), stat.checksum, `${path}: GET bytes differ from stat's checksum`);
  return stat.checksum as string;
}

/** After a restart: the joins it resumes end, and every path is in one of the states the model allows. */
