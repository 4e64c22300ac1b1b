/**
 * uploadFile(): /post/raw for small files, a multipart upload with pieces in
 * parallel for large ones or streams, each digest the server answers
 * checked against the client's, and resumption of an interrupted upload
 * from the pieces listMultipartPiece reports.
 */
import { OriginStoreError } from './errors.js';
import { digestHex, isStream, PieceReader, sizeOf, toStream, watched, type UploadBody } from './bodies.js';
import type { OriginStoreClient } from './client.js';
import { multipartPiece, postRaw } from './http.js';
import type { Hasher } from './sha256.js';
import type { PieceSummary, ProgressListener } from './types.js';

/** A source that can be read from any offset (a Blob, a local file): its size is known up front. */
export interface RandomAccessSource {
  readonly sizeBytes: number;
  /** The Blob behind the source, if any: a browser sends a Blob as it is, since fetch cannot stream a body there. */
  readonly blob?: Blob;
  read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array>;
  stream(): ReadableStream<Uint8Array>;
}

export type UploadSource = UploadBody | RandomAccessSource;

export interface UploadFileOptions {
  /** Files up to this size go through /post/raw (default 64 MiB). */
  readonly multipartThresholdBytes?: number;
  /** Size of each piece of a multipart upload (default 16 MiB; raised so a file fits in `maxPieces`). */
  readonly partSizeBytes?: number;
  /** Most pieces a multipart upload may have (the spec's limit, 1,000). */
  readonly maxPieces?: number;
  /** Pieces sent at once (default 4). Memory held is about concurrency × partSizeBytes. */
  readonly concurrency?: number;
  /** Create missing parent directories (default true). */
  readonly createParents?: boolean;
  readonly contentType?: string;
  readonly mtimeSeconds?: number;
  /** Continue this interrupted multipart upload: pieces it already holds at the right size are not sent again. */
  readonly resumeMultipartId?: string;
  /** Called once the multipart upload exists, so a caller can record the mpid to resume it later. */
  readonly onMultipartCreated?: (mpid: string) => void;
  readonly onProgress?: ProgressListener;
  /** Called when a multipart upload has sent every piece and the server starts joining them. */
  readonly onJoining?: () => void;
  readonly signal?: AbortSignal;
}

export interface UploadFileResult {
  readonly path: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly method: 'raw' | 'multipart';
  readonly multipartId?: string;
  readonly pieces?: number;
  /** Pieces found already uploaded when resuming, and not sent again. */
  readonly skippedPieces?: number;
}

const MiB = 1024 * 1024;

export function isRandomAccess(source: unknown): source is RandomAccessSource {
  return typeof source === 'object' && source !== null && typeof (source as RandomAccessSource).read === 'function' && typeof (source as RandomAccessSource).sizeBytes === 'number';
}

/** A Blob read from any offset without loading it whole. */
export function blobSource(blob: Blob): RandomAccessSource {
  return {
    sizeBytes: blob.size,
    blob,
    read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
    stream: () => blob.stream() as ReadableStream<Uint8Array>,
  };
}

function normalise(source: UploadSource): { random?: RandomAccessSource; stream?: ReadableStream<Uint8Array>; bytes?: UploadBody } {
  if (isRandomAccess(source)) return { random: source };
  if (typeof Blob !== 'undefined' && source instanceof Blob) return { random: blobSource(source) };
  if (isStream(source)) return { stream: source };
  return { bytes: source };
}

export async function uploadFile(client: OriginStoreClient, source: UploadSource, remotePath: string, options: UploadFileOptions = {}): Promise<UploadFileResult> {
  const path = remotePath.startsWith('/') ? remotePath : `/${remotePath}`;
  const threshold = options.multipartThresholdBytes ?? 64 * MiB;
  const partSize = options.partSizeBytes ?? 16 * MiB;
  const { random, stream, bytes } = normalise(source);
  if (bytes !== undefined && options.resumeMultipartId === undefined) return rawInHand(client, bytes, path, options);
  if (random && random.sizeBytes <= threshold && options.resumeMultipartId === undefined) return rawRandom(client, random, path, options);
  if (random || bytes !== undefined) {
    const size = random ? random.sizeBytes : sizeOf(bytes!)!;
    const needed = Math.ceil(size / (options.maxPieces ?? 1000));
    const pieceSize = needed > partSize ? Math.ceil(needed / MiB) * MiB : partSize;
    return multipart(client, new PieceReader(random ? random.stream() : toStream(bytes!)), path, pieceSize, size, undefined, options);
  }
  const reader = new PieceReader(stream!);
  const first = await reader.next(partSize);
  if (options.resumeMultipartId === undefined && (first === null || first.length < partSize)) {
    return rawInHand(client, first ?? new Uint8Array(0), path, options);
  }
  return multipart(client, reader, path, partSize, undefined, first, options);
}

async function rawInHand(client: OriginStoreClient, body: UploadBody, path: string, options: UploadFileOptions): Promise<UploadFileResult> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body instanceof ArrayBuffer ? new Uint8Array(body) : body as Uint8Array;
  const sha256 = await digestHex(bytes, client.createHasher);
  return rawWithDigest(client, bytes, bytes.length, sha256, path, options);
}

/** A file read twice: once to hash it, so the server can refuse bytes that do not match; once to send it. */
async function rawRandom(client: OriginStoreClient, source: RandomAccessSource, path: string, options: UploadFileOptions): Promise<UploadFileResult> {
  const hasher = client.createHasher();
  const reader = source.stream().getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) hasher.update(r.value);
  const sha256 = hasher.digestHex();
  const body = source.blob ?? source.stream();
  return rawWithDigest(client, body, source.sizeBytes, sha256, path, options);
}

async function rawWithDigest(client: OriginStoreClient, body: UploadBody, sizeBytes: number, sha256: string, path: string, options: UploadFileOptions): Promise<UploadFileResult> {
  const onProgress = options.onProgress;
  const sent = await postRaw(client.transport, isStream(body) ? watched(body, { onProgress, totalBytes: sizeBytes }) : body, {
    path,
    createParents: options.createParents ?? true,
    sha256,
    ...(options.contentType !== undefined ? { contentType: options.contentType } : {}),
    ...(options.mtimeSeconds !== undefined ? { mtimeSeconds: options.mtimeSeconds } : {}),
    ...(onProgress && !isStream(body) ? { onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (sent.sha256 !== sha256 || sent.sizeBytes !== sizeBytes) {
    throw new OriginStoreError('/post/raw', -26, { kind: 'ChecksumMismatch', meaning: `the server stored ${sent.sizeBytes} bytes with SHA-256 ${sent.sha256}; the client sent ${sizeBytes} with ${sha256}` });
  }
  onProgress?.({ transferredBytes: sizeBytes, totalBytes: sizeBytes });
  return { path, sizeBytes, sha256, method: 'raw' };
}

async function existingPieces(client: OriginStoreClient, mpid: string): Promise<Map<number, PieceSummary>> {
  const out = new Map<number, PieceSummary>();
  let cookie = 0;
  for (;;) {
    const page = await client.listMultipartPiece(mpid, { cookie, pageSize: 1000 });
    for (const p of page.pieces) out.set(p.number, p);
    if (page.pieces.length === 0 || page.cookie === 0 || page.cookie === cookie) return out;
    cookie = page.cookie;
  }
}

/** Piece states that mean the bytes are held and will be joined (NEW, JOIN, SUCCESS). */
const HELD = new Set([1, 5, 6]);

/**
 * Pieces of a source, read one at a time and in order (so the whole-file
 * digest sees the bytes in order) while workers send them in parallel.
 * Once one piece has failed, `stop()` keeps the other workers from taking more.
 */
class PieceFeed {
  readonly #reader: PieceReader;
  readonly #pieceSize: number;
  readonly #whole: Hasher;
  readonly #signal: AbortSignal | undefined;
  #pending: Uint8Array | null | undefined;
  #reading: Promise<unknown> = Promise.resolve();
  #stopped = false;
  pieces = 0;
  readBytes = 0;

  constructor(reader: PieceReader, pieceSize: number, first: Uint8Array | null | undefined, whole: Hasher, signal: AbortSignal | undefined) {
    this.#reader = reader;
    this.#pieceSize = pieceSize;
    this.#pending = first;
    this.#whole = whole;
    this.#signal = signal;
  }

  next(): Promise<{ number: number; bytes: Uint8Array } | null> {
    const turn = this.#reading.then(async () => {
      this.#signal?.throwIfAborted();
      if (this.#stopped) return null;
      const bytes = this.#pending !== undefined ? this.#pending : await this.#reader.next(this.#pieceSize);
      this.#pending = undefined;
      if (bytes === null) return null;
      this.#whole.update(bytes);
      this.readBytes += bytes.length;
      return { number: ++this.pieces, bytes };
    });
    this.#reading = turn.catch(() => undefined);
    return turn;
  }

  async stop(reason: unknown): Promise<void> {
    this.#stopped = true;
    await this.#reader.cancel(reason).catch(() => undefined);
  }
}

async function startMultipart(client: OriginStoreClient, path: string, options: UploadFileOptions): Promise<string> {
  if (options.resumeMultipartId !== undefined) return options.resumeMultipartId;
  const parent = path.slice(0, path.lastIndexOf('/'));
  if ((options.createParents ?? true) && parent !== '') await client.makeDir2(parent).catch(ignoreExists);
  return client.createMultipart(path, {
    ...(options.contentType !== undefined ? { contentType: options.contentType } : {}),
    ...(options.mtimeSeconds !== undefined ? { mtimeSeconds: options.mtimeSeconds } : {}),
  });
}

async function multipart(
  client: OriginStoreClient, reader: PieceReader, path: string, pieceSize: number, totalBytes: number | undefined,
  first: Uint8Array | null | undefined, options: UploadFileOptions,
): Promise<UploadFileResult> {
  const mpid = await startMultipart(client, path, options);
  options.onMultipartCreated?.(mpid);
  const held = options.resumeMultipartId ? await existingPieces(client, mpid) : new Map<number, PieceSummary>();
  const whole = client.createHasher();
  const feed = new PieceFeed(reader, pieceSize, first, whole, options.signal);
  let doneBytes = 0;
  let skipped = 0;
  const progress = (bytes: number) => {
    doneBytes += bytes;
    options.onProgress?.({ transferredBytes: doneBytes, totalBytes });
  };
  progress(0);
  const worker = async () => {
    for (let piece = await feed.next(); piece !== null; piece = await feed.next()) {
      const there = held.get(piece.number);
      if (there && there.size === piece.bytes.length && HELD.has(there.state)) {
        skipped++;
        progress(piece.bytes.length);
        continue;
      }
      const sha256 = await digestHex(piece.bytes, client.createHasher);
      await multipartPiece(client.transport, mpid, piece.number, piece.bytes, sha256, { signal: options.signal, onSent: progress });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, () => worker().catch(async (err) => {
      await feed.stop(err);
      throw err;
    })));
  } catch (err) {
    await feed.stop(err);
    throw err;
  }
  const beyond = [...held.keys()].filter((n) => n > feed.pieces);
  if (beyond.length > 0) {
    throw new OriginStoreError('/multipart/piece', -3, { meaning: `the multipart upload ${mpid} holds piece ${beyond[0]} beyond this file's ${feed.pieces} pieces: abort it and upload again` });
  }
  await client.completeMultipart(mpid);
  options.onJoining?.();
  await joined(client, mpid, options.signal);
  const sha256 = whole.digestHex();
  const stat = await client.stat(path, { detail: true });
  if (stat.checksum !== sha256 || stat.size !== feed.readBytes) {
    throw new OriginStoreError('completeMultipart', -5, { kind: 'ChecksumMismatch', meaning: `the joined file has ${stat.size} bytes with SHA-256 ${stat.checksum}; the client sent ${feed.readBytes} with ${sha256}` });
  }
  return { path, sizeBytes: feed.readBytes, sha256, method: 'multipart', multipartId: mpid, pieces: feed.pieces, skippedPieces: skipped };
}

function ignoreExists(err: unknown): void {
  if (err instanceof OriginStoreError && err.code === -2) return;
  throw err;
}

/** Waits for the join to finish: completeMultipart only starts it (working_with_multipart_json.md). */
async function joined(client: OriginStoreClient, mpid: string, signal: AbortSignal | undefined): Promise<void> {
  let delayMs = 50;
  for (;;) {
    const status = await client.getMultipartStatus(mpid);
    if (status.state === 6) return;
    if (![3, 5].includes(status.state)) {
      throw new OriginStoreError('getMultipartStatus', status.error || -5, { meaning: `the join of ${mpid} ended in state ${status.state} (error ${status.error})` });
    }
    signal?.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    delayMs = Math.min(1000, delayMs * 2);
  }
}
