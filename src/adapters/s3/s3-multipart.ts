/**
 * One S3 multipart upload: the object appears only when it is completed, so
 * an upload cut short is never visible. As soon as it exists, a small marker
 * object under `tmp/` records its key and upload id: the sweeper finds
 * abandoned uploads through the markers (AbortMultipartUpload, and deletion
 * of an object completed but never acknowledged), which works even on stores
 * without ListMultipartUploads. Parts are sent a few at a time; the caller
 * bounds memory by waiting on `add` before producing the next part, and a
 * store-wide `PartSlots` bounds the parts in flight across all uploads.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { isMissing, isUnsupported, translate } from './s3-errors.js';

export interface MarkerBody {
  readonly key: string;
  readonly uploadId: string;
}

/** A counting semaphore: parts that may be in flight at once. */
export class PartSlots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    this.free = size;
  }

  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}

export type PartBody = { readonly bytes: Buffer } | { readonly copySource: string; readonly range: string };

export class MultipartSession {
  private readonly parts: CompletedPart[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  private finished = false;

  private constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    readonly key: string,
    private readonly markerKey: string,
    readonly uploadId: string,
    private readonly concurrency: number,
    private readonly slots: PartSlots,
    private readonly signal: AbortSignal | undefined,
  ) {}

  static async begin(client: S3Client, options: { bucket: string; key: string; markerKey: string; concurrency: number; slots: PartSlots; signal?: AbortSignal | undefined }): Promise<MultipartSession> {
    const send = options.signal ? { abortSignal: options.signal } : {};
    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: options.bucket, Key: options.key }), send).catch((err: unknown) => translate(err, 'starting an upload'));
    if (!created.UploadId) throw new Error('the store answered CreateMultipartUpload without an UploadId');
    const session = new MultipartSession(client, options.bucket, options.key, options.markerKey, created.UploadId, options.concurrency, options.slots, options.signal);
    const marker: MarkerBody = { key: options.key, uploadId: created.UploadId };
    try {
      await client.send(new PutObjectCommand({ Bucket: options.bucket, Key: options.markerKey, Body: JSON.stringify(marker), ContentType: 'application/json' }), send);
    } catch (err) {
      await session.abort();
      translate(err, 'recording an upload');
    }
    return session;
  }

  /** Queue part `number`; resolves once there is room for another. Rejects with the first part that failed. */
  async add(number: number, body: PartBody): Promise<void> {
    this.throwIfFailed();
    const release = await this.slots.acquire();
    const sending = this.sendPart(number, body).finally(release).then(
      (part) => {
        this.parts.push(part);
      },
      (err: unknown) => {
        this.failure ??= err;
      },
    );
    const tracked = sending.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  /** Wait for every part and make the object appear; the marker goes last. */
  async complete(): Promise<void> {
    await Promise.all(this.inFlight);
    this.throwIfFailed();
    const parts = [...this.parts].sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    await this.client
      .send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, MultipartUpload: { Parts: parts } }), this.sendOptions())
      .catch((err: unknown) => translate(err, 'completing an upload'));
    this.finished = true;
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.markerKey })).catch((err: unknown) => translate(err, 'forgetting an upload'));
  }

  /**
   * Best effort: abort the upload and drop the marker. If the store is
   * unreachable the marker stays, and the sweeper finishes the job later.
   */
  async abort(): Promise<void> {
    await Promise.allSettled(this.inFlight);
    if (this.finished) return;
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId }));
    } catch (err) {
      // A store without AbortMultipartUpload keeps the parts invisible until its own lifecycle rules expire them.
      if (!isMissing(err) && !isUnsupported(err)) return;
    }
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.markerKey })).catch(() => undefined);
  }

  private async sendPart(number: number, body: PartBody): Promise<CompletedPart> {
    const common = { Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, PartNumber: number };
    if ('bytes' in body) {
      const out = await this.client
        .send(new UploadPartCommand({ ...common, Body: body.bytes, ContentLength: body.bytes.length }), this.sendOptions())
        .catch((err: unknown) => translate(err, 'uploading a part'));
      return { PartNumber: number, ETag: out.ETag };
    }
    const out = await this.client
      .send(new UploadPartCopyCommand({ ...common, CopySource: body.copySource, CopySourceRange: body.range }), this.sendOptions())
      .catch((err: unknown) => translate(err, 'copying a part'));
    return { PartNumber: number, ETag: out.CopyPartResult?.ETag };
  }

  private sendOptions(): { abortSignal?: AbortSignal } {
    return this.signal ? { abortSignal: this.signal } : {};
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
    this.signal?.throwIfAborted();
  }
}
