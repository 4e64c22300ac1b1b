/**
 * Blobs as objects in an S3-compatible bucket:
 *   <prefix>blobs/<id>   durable and immutable; written once
 *   <prefix>tmp/<id>     a marker naming a multipart upload in progress
 * A blob that fits in one part is one PutObject, which the store applies
 * whole or not at all. A bigger one is a multipart upload straight to its
 * final key: nothing is visible until CompleteMultipartUpload, which is the
 * commit point, and a marker lets the sweeper abort uploads cut short by a
 * crash. Durable means acknowledged by the store.
 */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { BlobSource, BlobStore, BlobWriteResult, ByteRange, StoredBlob } from '../../ports/blob-store.js';
import { planParts, S3_LIMITS, type PartPlan } from './compose-plan.js';
import { isMissing, translate } from './s3-errors.js';
import type { S3Location } from './s3-location.js';
import { MultipartSession, PartSlots } from './s3-multipart.js';
import { checkPartNumber, fixedParts } from './s3-parts.js';
import { listObjectsUnder } from './s3-listing.js';
import { sweepAbandoned } from './s3-sweeper.js';

/** DeleteObjects takes at most 1,000 keys. */
const DELETE_BATCH = 1000;
/** Parts in flight across every upload of this server, as a multiple of the parts one upload may send at once. */
const SERVER_PARTS_PER_UPLOAD_PARTS = 4;

export interface S3BlobStoreOptions {
  /** Overrides the location's `temporaryMinAgeMs`. */
  readonly minTemporaryAgeMs?: number;
}

export class S3BlobStore implements BlobStore {
  private readonly minTemporaryAgeMs: number;
  /** Bounds the memory of many concurrent uploads together: each part in flight holds its bytes. */
  private readonly slots: PartSlots;

  private constructor(
    private readonly client: S3Client,
    private readonly location: S3Location,
    options: S3BlobStoreOptions,
  ) {
    // Whatever the caller asks, younger temporaries stay: other servers sharing the bucket may be writing them.
    this.minTemporaryAgeMs = options.minTemporaryAgeMs ?? location.temporaryMinAgeMs;
    this.slots = new PartSlots(location.partConcurrency * SERVER_PARTS_PER_UPLOAD_PARTS);
  }

  static open(location: S3Location, options: S3BlobStoreOptions = {}): S3BlobStore {
    const client = new S3Client({
      region: location.region,
      forcePathStyle: location.forcePathStyle,
      ...(location.endpoint ? { endpoint: location.endpoint } : {}),
      ...(location.credentials ? { credentials: location.credentials } : {}),
      // Extra checksums are not understood by every S3-compatible store; the service hashes every byte itself.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // A store that stops answering must fail a request, not hold it (and the client) forever.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
      maxAttempts: 3,
    });
    return new S3BlobStore(client, location, options);
  }

  private blobKey(blobId: string): string {
    if (!/^[0-9a-f]{32}$/.test(blobId)) throw new Error(`malformed blob id ${JSON.stringify(blobId)}`);
    return `${this.location.prefix}blobs/${blobId}`;
  }

  private markerKey(blobId: string): string {
    return `${this.location.prefix}tmp/${blobId}`;
  }

  async write(source: AsyncIterable<Buffer>, options: { signal?: AbortSignal } = {}): Promise<BlobWriteResult> {
    options.signal?.throwIfAborted();
    const blobId = randomUUID().replaceAll('-', '');
    const parts = fixedParts(source, this.location.partSizeBytes);
    const first = await parts.next();
    options.signal?.throwIfAborted();
    const head = first.done ? { bytes: Buffer.alloc(0), last: true } : first.value;
    if (head.last) {
      await this.put(this.blobKey(blobId), head.bytes, options.signal);
      return { blobId, sizeBytes: head.bytes.length };
    }
    let session: MultipartSession;
    try {
      session = await this.begin(blobId, options.signal);
    } catch (err) {
      await parts.return(undefined);
      throw err;
    }
    let sizeBytes = 0;
    try {
      let number = 1;
      for (let part: { bytes: Buffer } | undefined = head; part; number++) {
        checkPartNumber(number);
        sizeBytes += part.bytes.length;
        await session.add(number, { bytes: part.bytes });
        const next = await parts.next();
        part = next.done ? undefined : next.value;
      }
      await session.complete();
    } catch (err) {
      await session.abort();
      await parts.return(undefined);
      throw err;
    }
    return { blobId, sizeBytes };
  }

  async read(blobId: string, range?: ByteRange): Promise<Readable | undefined> {
    const key = this.blobKey(blobId);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }));
      return out.Body as Readable;
    } catch (err) {
      if (isMissing(err)) return undefined;
      // S3 refuses a range on an empty object; an empty read is what the caller asked for.
      if ((err as { name?: string }).name === 'InvalidRange') return emptyStream();
      return translate(err, 'reading');
    }
  }

  async delete(blobId: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.blobKey(blobId) })).catch((err: unknown) => {
      if (!isMissing(err)) translate(err, 'deleting');
    });
  }

  async deleteMany(blobIds: readonly string[]): Promise<void> {
    for (let i = 0; i < blobIds.length; i += DELETE_BATCH) {
      const keys = blobIds.slice(i, i + DELETE_BATCH).map((id) => ({ Key: this.blobKey(id) }));
      const out = await this.client
        .send(new DeleteObjectsCommand({ Bucket: this.location.bucket, Delete: { Objects: keys, Quiet: true } }))
        .catch((err: unknown) => translate(err, 'deleting'));
      const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) throw new Error(`the store kept ${failed.length} blobs it was asked to delete: ${failed[0]?.Code ?? ''} ${failed[0]?.Message ?? ''}`);
    }
  }

  async concat(sources: readonly BlobSource[], observe: (chunk: Buffer) => void, options: { signal?: AbortSignal } = {}): Promise<BlobWriteResult | undefined> {
    const plan = planParts(sources.map((s) => s.sizeBytes), { ...S3_LIMITS, targetPartBytes: this.location.partSizeBytes });
    // Without a part the store can copy, composing would read the bytes twice: stream them once instead.
    if (!plan.some((p) => p.kind === 'copy')) return this.concatByStreaming(sources, observe, options.signal);
    const blobId = randomUUID().replaceAll('-', '');
    const controller = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    const missing = new Error('a source blob is missing');
    const hashing = this.readAll(sources, observe, signal).then(
      (total) => {
        if (total === undefined) controller.abort(missing);
        return total;
      },
      (err: unknown) => {
        controller.abort(err);
        throw err;
      },
    );
    const composing = this.compose(blobId, sources, plan, signal).catch((err: unknown) => {
      controller.abort(isMissing(err) ? missing : err);
      throw err;
    });
    const [read, written] = await Promise.allSettled([hashing, composing]);
    if (read.status === 'fulfilled' && read.value !== undefined && written.status === 'fulfilled') return { blobId, sizeBytes: read.value };
    if (written.status === 'fulfilled') await this.delete(blobId).catch(() => undefined);
    // The first failure is the cause; the other side only saw the abort it triggered.
    const cause: unknown = controller.signal.aborted ? controller.signal.reason : read.status === 'rejected' ? read.reason : (written as PromiseRejectedResult).reason;
    if (cause === missing) return undefined;
    throw cause;
  }

  async sweepTemporaries(olderThanMs = 0): Promise<number> {
    return sweepAbandoned(this.client, this.location, Date.now() - Math.max(olderThanMs, this.minTemporaryAgeMs));
  }

  listBlobs(): AsyncIterable<StoredBlob> {
    return listObjectsUnder(this.client, this.location, 'blobs/');
  }

  /** The markers of multipart writes in progress or abandoned (sweepTemporaries removes them). */
  listTemporaries(): AsyncIterable<StoredBlob> {
    return listObjectsUnder(this.client, this.location, 'tmp/');
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private async put(key: string, bytes: Buffer, signal: AbortSignal | undefined): Promise<void> {
    await this.client
      .send(new PutObjectCommand({ Bucket: this.location.bucket, Key: key, Body: bytes, ContentLength: bytes.length }), signal ? { abortSignal: signal } : {})
      .catch((err: unknown) => translate(err, 'writing'));
  }

  private begin(blobId: string, signal: AbortSignal | undefined): Promise<MultipartSession> {
    return MultipartSession.begin(this.client, {
      bucket: this.location.bucket,
      key: this.blobKey(blobId),
      markerKey: this.markerKey(blobId),
      concurrency: this.location.partConcurrency,
      slots: this.slots,
      signal,
    });
  }

  /** Every byte of `sources` in order to `observe`; the total, or undefined when a source is missing. */
  private async readAll(sources: readonly BlobSource[], observe: (chunk: Buffer) => void, signal: AbortSignal): Promise<number | undefined> {
    let total = 0;
    for (const source of sources) {
      const stream = await this.read(source.blobId);
      if (!stream) return undefined;
      let seen = 0;
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          signal.throwIfAborted();
          observe(chunk);
          seen += chunk.length;
        }
      } catch (err) {
        if (signal.aborted) throw err;
        translate(err, 'reading');
      }
      if (seen !== source.sizeBytes) throw new Error(`blob ${source.blobId} holds ${seen} bytes, not ${source.sizeBytes}`);
      total += seen;
    }
    return total;
  }

  private async concatByStreaming(sources: readonly BlobSource[], observe: (chunk: Buffer) => void, signal: AbortSignal | undefined): Promise<BlobWriteResult | undefined> {
    const missing = Symbol('missing');
    const read = (id: string) => this.read(id);
    async function* concatenated(): AsyncGenerator<Buffer> {
      for (const source of sources) {
        const stream = await read(source.blobId);
        if (!stream) throw missing;
        let seen = 0;
        for await (const chunk of readingFrom(stream)) {
          observe(chunk);
          seen += chunk.length;
          yield chunk;
        }
        if (seen !== source.sizeBytes) throw new Error(`blob ${source.blobId} holds ${seen} bytes, not ${source.sizeBytes}`);
      }
    }
    try {
      return await this.write(concatenated(), signal ? { signal } : {});
    } catch (err) {
      if (err === missing) return undefined;
      throw err;
    }
  }

  /** The parts of `plan` into a new object: copies inside the store, small runs uploaded from ranged reads. */
  private async compose(blobId: string, sources: readonly BlobSource[], plan: readonly PartPlan[], signal: AbortSignal): Promise<void> {
    const [only] = plan;
    if (plan.length === 1 && only?.kind === 'copy' && only.segment.start === 0 && only.segment.end === sources[only.segment.source]?.sizeBytes) {
      await this.client
        .send(new CopyObjectCommand({ Bucket: this.location.bucket, Key: this.blobKey(blobId), CopySource: this.copySource(sources[only.segment.source]!.blobId) }), { abortSignal: signal })
        .catch((err: unknown) => translate(err, 'copying'));
      return;
    }
    const session = await this.begin(blobId, signal);
    try {
      let number = 1;
      for (const part of plan) {
        if (part.kind === 'copy') {
          const { source, start, end } = part.segment;
          await session.add(number++, { copySource: this.copySource(sources[source]!.blobId), range: `bytes=${start}-${end - 1}` });
        } else {
          const pieces: Buffer[] = [];
          for (const { source, start, end } of part.segments) {
            const stream = await this.read(sources[source]!.blobId, { start, end: end - 1 });
            if (!stream) throw Object.assign(new Error('a source is missing'), { name: 'NoSuchKey' });
            for await (const chunk of readingFrom(stream)) pieces.push(chunk);
          }
          await session.add(number++, { bytes: Buffer.concat(pieces) });
        }
      }
      await session.complete();
    } catch (err) {
      await session.abort();
      throw err;
    }
  }

  private copySource(blobId: string): string {
    return `${this.location.bucket}/${this.blobKey(blobId).split('/').map(encodeURIComponent).join('/')}`;
  }
}

/** The chunks of an object being read; a connection lost midway is the store being unreachable. */
async function* readingFrom(stream: Readable): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
  } catch (err) {
    translate(err, 'reading');
  }
}

function emptyStream(): Readable {
  return Readable.from([]);
}
