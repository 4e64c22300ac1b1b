/**
 * The bytes port. A blob is written once, read many times, deleted once no
 * node refers to it. Hashing and size limits belong to the service (one
 * place for every adapter); the store only moves bytes durably.
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
   * Remove temporaries left by interrupted writes, older than `olderThanMs`
   * (0 at start-up, when no write can be in flight); returns how many.
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
