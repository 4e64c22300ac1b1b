/**
 * The bytes port. A blob is written once, read many times, deleted once no
 * node refers to it. Hashing and size limits belong to the service (one
 * place for every adapter); the store only moves bytes durably.
 *
 * Copies (copyFile, fetchFileHTTP from the store) need no method here: two
 * nodes share one blob and the metadata counts references, so no byte is
 * read or written whatever the store. Nothing above the adapters knows
 * where or how a blob is kept.
 */
import type { Readable } from 'node:stream';

import type { ByteRange } from '../domain/model.js';

export type { ByteRange };

export interface BlobWriteResult {
  readonly blobId: string;
  readonly sizeBytes: number;
}

/** A blob or a temporary as a listing sees it (fsck). */
export interface StoredBlob {
  /** The blob id; for a temporary, its name in the store. */
  readonly blobId: string;
  readonly sizeBytes: number;
  /** Last modification, ms since the epoch: fsck leaves young leftovers alone. */
  readonly modifiedMs: number;
}

/** A blob and its size as the metadata recorded it. */
export interface BlobSource {
  readonly blobId: string;
  readonly sizeBytes: number;
}

export interface BlobStore {
  /**
   * Stream `source` into a new blob. Resolves only once the bytes are durable
   * (fsynced, or acknowledged by the remote store). A failed or aborted write
   * leaves nothing behind. The new blob is not referenced by anything until
   * the caller's metadata transaction commits. No space left: throws
   * OriginError('DiskFull'); any other failure as it comes.
   */
  write(source: AsyncIterable<Buffer>, options?: { signal?: AbortSignal }): Promise<BlobWriteResult>;
  /**
   * A stream of the blob's bytes, or of one range of them; undefined when the
   * blob does not exist. Resolves once the blob is open, so a caller can
   * still choose its answer.
   */
  read(blobId: string, range?: ByteRange): Promise<Readable | undefined>;
  /** Idempotent: deleting a missing blob succeeds. */
  delete(blobId: string): Promise<void>;
  /**
   * `delete` for many blobs, in as few requests as the store allows (S3:
   * DeleteObjects, 1,000 keys a request). The caller paces the batches.
   */
  deleteMany(blobIds: readonly string[]): Promise<void>;
  /**
   * A new blob holding `sources` end to end, in order (the multipart join).
   * Every byte of the result is handed to `observe` in order, exactly once,
   * before this resolves, so the caller can hash it: the bytes are read
   * once. The store may build the result without the bytes passing through
   * this process (S3 copies parts of at least 5 MiB inside the store), or
   * write what it reads (the filesystem). Durable and all-or-nothing like
   * `write`; resolves undefined, leaving nothing behind, when a source is
   * missing, and fails when a source's size differs from `sizeBytes`.
   */
  concat(sources: readonly BlobSource[], observe: (chunk: Buffer) => void, options?: { signal?: AbortSignal }): Promise<BlobWriteResult | undefined>;
  /**
   * Remove temporaries left by interrupted writes, older than `olderThanMs`
   * (0 at start-up, when no write of this process can be in flight);
   * returns how many. A store shared by several servers may keep younger
   * ones, since another server may still be writing them. Temporaries are
   * never readable as blobs.
   */
  sweepTemporaries(olderThanMs?: number): Promise<number>;
  /**
   * Every durable blob, in no particular order (fsck). An async iterator so a
   * store of millions is never listed into memory at once; for S3 this is
   * ListObjectsV2 under the blob prefix, page by page (Key, Size, LastModified).
   */
  listBlobs(): AsyncIterable<StoredBlob>;
  /**
   * Every temporary an interrupted write left (fsck). A store with no
   * temporaries of its own (S3: an unfinished upload is no object) may yield
   * nothing, or its incomplete multipart uploads.
   */
  listTemporaries(): AsyncIterable<StoredBlob>;
  close(): Promise<void>;
}
