/**
 * The bytes of small blobs, kept whole in memory for egress. Blobs never
 * change once written (a new version of a file is a new blob), so an entry
 * is right for as long as it lives; egress always finds the file's current
 * blob through the metadata first, so a deleted or replaced file is never
 * answered from here. Bounded in bytes, least recently used out first.
 */
export class SmallBlobCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(
    /** Blobs larger than this are never kept. */
    readonly maxEntryBytes: number,
    private readonly maxTotalBytes: number,
  ) {}

  get(blobId: string): Buffer | undefined {
    const hit = this.entries.get(blobId);
    if (hit !== undefined) {
      // Map keeps insertion order: moving a hit to the end keeps the oldest first.
      this.entries.delete(blobId);
      this.entries.set(blobId, hit);
    }
    return hit;
  }

  set(blobId: string, bytes: Buffer): void {
    if (bytes.length > this.maxEntryBytes || this.entries.has(blobId)) return;
    this.entries.set(blobId, bytes);
    this.bytes += bytes.length;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.maxTotalBytes) break;
      this.entries.delete(oldest);
      this.bytes -= old.length;
    }
  }
}
