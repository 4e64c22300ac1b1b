/**
 * Loads one folder's entries through the API's cookies, a page at a time,
 * folders first, and stops at a window (10,000 entries, what the vendor's
 * console showed at most): a folder of 100,000 entries costs ten quick
 * requests, never one huge one, and "Load more" moves the window on.
 */
import type { Entry, EntryKind } from './listing.js';

export interface ListPage {
  readonly entries: readonly Entry[];
  /** 0 when there is nothing more. */
  readonly cookie: number;
}

export type ListFn = (kind: EntryKind, path: string, cookie: number, pageSize: number) => Promise<ListPage>;

export const API_PAGE_SIZE = 1000;
export const WINDOW_ENTRIES = 10_000;

export class FolderLoader {
  readonly entries: Entry[] = [];
  #cookies: Record<EntryKind, number | 'done'> = { dir: 0, file: 0 };
  #stopped = false;

  constructor(
    readonly path: string,
    private readonly list: ListFn,
    private readonly apiPageSize = API_PAGE_SIZE,
  ) {}

  get complete(): boolean {
    return this.#cookies.dir === 'done' && this.#cookies.file === 'done';
  }

  /** Navigation away: pages still in flight are dropped. */
  stop(): void {
    this.#stopped = true;
  }

  /** Load until `limit` more entries arrived or the folder is exhausted; `onPage` after each page. */
  async loadMore(limit: number, onPage: () => void): Promise<void> {
    const target = this.entries.length + limit;
    for (const kind of ['dir', 'file'] as const) {
      while (!this.#stopped && this.#cookies[kind] !== 'done' && this.entries.length < target) {
        const cookie = this.#cookies[kind] as number;
        const page = await this.list(kind, this.path, cookie, Math.min(this.apiPageSize, target - this.entries.length));
        if (this.#stopped) return;
        this.entries.push(...page.entries);
        this.#cookies[kind] = page.cookie === 0 || page.entries.length === 0 ? 'done' : page.cookie;
        onPage();
      }
    }
  }

  /** Reflect a change made here without listing again. */
  upsert(entry: Entry): void {
    const i = this.entries.findIndex((e) => e.name === entry.name);
    if (i >= 0) this.entries[i] = entry;
    else this.entries.push(entry);
  }

  remove(name: string): void {
    const i = this.entries.findIndex((e) => e.name === name);
    if (i >= 0) this.entries.splice(i, 1);
  }
}
