/**
 * originstore/client/node: what only Node can do — upload from a file path
 * or a Node stream, download to a file (resuming with Range), and hash with
 * node:crypto. The browser build never loads this module.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OriginStoreClient, type ClientOptions } from './client.js';
import { OriginStoreError } from './errors.js';
import type { Hasher } from './sha256.js';
import type { ProgressListener } from './types.js';
import type { RandomAccessSource, UploadFileOptions, UploadFileResult } from './upload.js';

/** SHA-256 from node:crypto. */
export function createNodeHasher(): Hasher {
  const h = createHash('sha256');
  return { update: (bytes) => void h.update(bytes), digestHex: () => h.digest('hex') };
}

/** A client whose hashing uses node:crypto. */
export function createNodeClient(options: ClientOptions): OriginStoreClient {
  return new OriginStoreClient({ createHasher: createNodeHasher, ...options });
}

/** A local file as an upload source: read piece by piece, never whole. */
export async function fileSource(localPath: string): Promise<RandomAccessSource> {
  const info = await stat(localPath);
  if (!info.isFile()) throw new Error(`${localPath} is not a file`);
  return {
    sizeBytes: info.size,
    async read(offset, length) {
      const handle = await open(localPath, 'r');
      try {
        const out = Buffer.alloc(length);
        const { bytesRead } = await handle.read(out, 0, length, offset);
        return out.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
    stream: () => Readable.toWeb(createReadStream(localPath)) as ReadableStream<Uint8Array>,
  };
}

/** A Node stream as a web ReadableStream the SDK can upload. */
export function fromNodeStream(stream: Readable): ReadableStream<Uint8Array> {
  return Readable.toWeb(stream) as ReadableStream<Uint8Array>;
}

/** Uploads a local file (see OriginStoreClient.uploadFile). */
export async function uploadLocalFile(client: OriginStoreClient, localPath: string, remotePath: string, options: UploadFileOptions = {}): Promise<UploadFileResult> {
  return client.uploadFile(await fileSource(localPath), remotePath, options);
}

/** Hex SHA-256 of a local file, streamed. */
export async function sha256OfFile(localPath: string, options: { endBytes?: number } = {}): Promise<string> {
  const h = createHash('sha256');
  if (options.endBytes !== 0) {
    const range = options.endBytes !== undefined ? { end: options.endBytes - 1 } : {};
    for await (const chunk of createReadStream(localPath, range)) h.update(chunk as Buffer);
  }
  return h.digest('hex');
}

export interface DownloadFileOptions {
  /** Continue a partial local file from its size with a Range request (default true). */
  readonly resume?: boolean;
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
}

export interface DownloadFileResult {
  readonly localPath: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  /** Bytes that were already on disk and not downloaded again. */
  readonly resumedFromBytes: number;
}

/**
 * Downloads `remotePath` into `localPath`. A shorter local file is taken as
 * an interrupted download and continued from its end; the whole file's
 * SHA-256 is then checked against the server's.
 */
export async function downloadToFile(client: OriginStoreClient, remotePath: string, localPath: string, options: DownloadFileOptions = {}): Promise<DownloadFileResult> {
  const remote = await client.stat(remotePath, { detail: true });
  if (remote.type !== 2) throw new OriginStoreError('stat', -2, { kind: 'IsDirectory', meaning: `${remotePath} is a directory` });
  const remoteSize = remote.size ?? 0;
  const localSize = options.resume === false ? 0 : await stat(localPath).then((s) => s.size, () => 0);
  const start = localSize > 0 && localSize <= remoteSize ? localSize : 0;
  const hash = createHash('sha256');
  if (start > 0) for await (const chunk of createReadStream(localPath, { end: start - 1 })) hash.update(chunk as Buffer);
  if (start < remoteSize || remoteSize === 0) {
    const got = start === remoteSize ? undefined : await client.download(remotePath, {
      offsetBytes: start,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const file = createWriteStream(localPath, { flags: start > 0 ? 'r+' : 'w', start });
    const tee = new Writable({
      write(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        if (!file.write(chunk)) file.once('drain', () => done());
        else done();
      },
      final(done) {
        file.end(done);
      },
      destroy(err, done) {
        file.destroy(err ?? undefined);
        done(err);
      },
    });
    if (got) await pipeline(Readable.fromWeb(got.body as import('node:stream/web').ReadableStream<Uint8Array>), tee);
    else await new Promise<void>((resolve, reject) => tee.end((err?: Error | null) => (err ? reject(err) : resolve())));
  } else {
    options.onProgress?.({ transferredBytes: remoteSize, totalBytes: remoteSize });
  }
  const sha256 = hash.digest('hex');
  if (remote.checksum !== undefined && sha256 !== remote.checksum) {
    throw new OriginStoreError('GET', -26, { kind: 'ChecksumMismatch', meaning: `${localPath} has SHA-256 ${sha256}, the server's file ${remote.checksum}${start > 0 ? ': the partial local file was not the start of this file; remove it and download again' : ''}` });
  }
  return { localPath, sizeBytes: remoteSize, sha256, resumedFromBytes: start };
}
