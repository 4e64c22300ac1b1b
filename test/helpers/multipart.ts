/**
 * Helpers for the multipart tests: the three HTTP endpoints as a client
 * sends them (working_with_multipart_http.md), streamed
 * checksums of what egress serves, and seeded byte streams large enough that
 * they must never be held whole in memory.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createHash } from 'node:crypto';
import { request } from 'node:http';
import { Readable } from 'node:stream';

/** POST /multipart/create with the given headers (token included by the caller). */
export function postCreate(url: string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${url}/multipart/create`, { method: 'POST', headers });
}

/** POST /multipart/piece. */
export function postPiece(url: string, token: string | undefined, mpid: string, part: string | number, body: string | Buffer, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/multipart/piece`, {
    method: 'POST',
    headers: {
      ...(token === undefined ? {} : { 'X-Agile-Authorization': token }),
      'X-Agile-Multipart': mpid,
      'X-Agile-Part': String(part),
      ...headers,
    },
    body: body as BodyInit,
  });
}

/** POST /multipart/complete. */
export function postComplete(url: string, token: string | undefined, mpid: string): Promise<Response> {
  return fetch(`${url}/multipart/complete`, {
    method: 'POST',
    headers: { ...(token === undefined ? {} : { 'X-Agile-Authorization': token }), 'X-Agile-Multipart': mpid },
  });
}

/** The answer has this HTTP status and X-Agile-Status, an empty body and the documented Content-Type. */
export async function expectAgile(res: Response, httpStatus: number, agileStatus: number): Promise<void> {
  const body = await res.text();
  assert.equal(res.status, httpStatus, `HTTP status (X-Agile-Status ${res.headers.get('x-agile-status')})`);
  assert.equal(res.headers.get('x-agile-status'), String(agileStatus));
  assert.equal(body, '');
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** GET `url`, hashing the body as it streams in (never buffered whole). */
export async function streamedGet(url: string): Promise<{ status: number; sizeBytes: number; sha256: string; checksumHeader: string | null }> {
  const res = await fetch(url);
  const hash = createHash('sha256');
  let sizeBytes = 0;
  if (res.body) {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      sizeBytes += chunk.length;
    }
  }
  return { status: res.status, sizeBytes, sha256: hash.digest('hex'), checksumHeader: res.headers.get('x-agile-checksum') };
}

/**
 * `sizeBytes` pseudo-random bytes starting `offsetBytes` into the stream
 * named by `seed`: the AES-256-CTR keystream of a key derived from the seed,
 * so any slice can be produced on its own, in order, at memory speed.
 */
export function seededBytes(seed: string, offsetBytes: number, sizeBytes: number, chunkBytes = 1 << 20): Readable {
  assert.equal(offsetBytes % 16, 0, 'the offset must be a multiple of the AES block');
  const key = createHash('sha256').update(seed).digest();
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(offsetBytes / 16), 8);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  const zeros = Buffer.alloc(chunkBytes);
  let left = sizeBytes;
  return new Readable({
    read() {
      if (left === 0) {
        this.push(null);
        return;
      }
      const n = Math.min(left, chunkBytes);
      left -= n;
      this.push(cipher.update(n === chunkBytes ? zeros : zeros.subarray(0, n)));
    },
  });
}

/**
 * POST /multipart/piece with a streamed body and a Content-Length, through
 * node:http so the body is written with backpressure. Every chunk sent is
 * also given to `onChunk` (to hash the whole upload as it goes).
 */
export function streamPiece(
  url: string,
  token: string,
  mpid: string,
  part: number,
  body: Readable,
  sizeBytes: number,
  onChunk: (chunk: Buffer) => void = () => undefined,
): Promise<{ status: number; agileStatus: string | undefined; checksum: string | undefined; size: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/multipart/piece`, {
      method: 'POST',
      agent: false,
      headers: {
        'X-Agile-Authorization': token,
        'X-Agile-Multipart': mpid,
        'X-Agile-Part': String(part),
        'Content-Length': String(sizeBytes),
      },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({
        status: res.statusCode ?? 0,
        agileStatus: res.headers['x-agile-status'] as string | undefined,
        checksum: res.headers['x-agile-checksum'] as string | undefined,
        size: res.headers['x-agile-size'] as string | undefined,
      }));
      res.on('error', reject);
    });
    req.on('error', reject);
    body.on('data', (chunk: Buffer) => onChunk(chunk));
    body.on('error', reject);
    body.pipe(req);
  });
}
