/**
 * Deletes blobs that no node refers to any more. Transactions that drop a
 * blob only record it (garbage_blobs), so a crash between the commit and the
 * delete loses nothing but time; this collector deletes them afterwards in
 * small batches, one batch at a time, because deleting many files at once
 * stalls new writes on some disks (an object store takes a batch in one
 * request). If the store is unreachable the rows stay and the next run
 * deletes them.
 */
import type { ServiceDeps } from './deps.js';

const BATCH = 64;

export class GarbageCollector {
  private running: Promise<number> | undefined;
  private again = false;
  deletedTotal = 0;

  constructor(private readonly deps: ServiceDeps) {}

  /** Start collecting in the background if it is not already running. */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.collect()
      .catch((err: unknown) => {
        this.deps.log.error({ err }, 'blob garbage collection failed');
        return 0;
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Collect everything now; resolves with how many blobs were deleted. */
  async drain(): Promise<number> {
    while (this.running) await this.running;
    return this.collect();
  }

  private async collect(): Promise<number> {
    let deleted = 0;
    for (;;) {
      const batch = await this.deps.metadata.takeGarbageBlobs(BATCH);
      if (batch.length === 0) break;
      await this.deps.blobs.deleteMany(batch);
      await this.deps.metadata.forgetGarbageBlobs(batch);
      deleted += batch.length;
      // Yield between batches so uploads and reads keep flowing.
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.deletedTotal += deleted;
    return deleted;
  }
}
