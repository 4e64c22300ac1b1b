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

export interface BlobStore {
  /**
   * Stream `source` into a new blob. Resolves only once the bytes are durable
   * (fsynced, or acknowledged by the remote store). A failed or aborted write
   * leaves nothing behind. The new blob is not referenced by anything until
   * the caller's metadata transaction commits. When the store is out of
   * space it rejects with OriginError DiskFull.
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
  close(): Promise<void>;
}
