/**
 * The documented cookies of listDir/listFile/listPath are counts of entries
 * already returned, which by themselves would force an OFFSET scan per page.
 * This cache remembers, for (directory, kind, count), the last name served,
 * so the next page is a keyset query (name > last) however deep it is. A miss
 * (another server, a restart, an evicted entry) falls back to OFFSET and is
 * merely slower.
 */
import type { NodeKind } from '../domain/model.js';

const MAX_ENTRIES = 20000;

export class ListingCursors {
  private readonly entries = new Map<string, string>();

  lastNameAt(dirId: number, kind: NodeKind, count: number): string | undefined {
    const key = `${dirId}/${kind}/${count}`;
    const name = this.entries.get(key);
    if (name !== undefined) {
      // Refresh recency: Map iteration order is insertion order.
      this.entries.delete(key);
      this.entries.set(key, name);
    }
    return name;
  }

  remember(dirId: number, kind: NodeKind, count: number, lastName: string): void {
    const key = `${dirId}/${kind}/${count}`;
    this.entries.delete(key);
    this.entries.set(key, lastName);
    if (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
