/**
 * What the file list shows: the entries loaded so far, filtered, sorted and
 * cut into pages. Pure functions, so they are tested without a browser.
 */

export type EntryKind = 'dir' | 'file';

export interface Entry {
  readonly name: string;
  readonly kind: EntryKind;
  readonly sizeBytes: number;
  /** Epoch seconds. */
  readonly mtime: number;
  readonly ctime: number;
  readonly mime: string;
  readonly sha256: string;
}

export type Show = 'all' | 'dirs' | 'files';
export type SortKey = 'name' | 'date' | 'size';

export interface ViewOptions {
  readonly filter: string;
  readonly show: Show;
  readonly sortBy: SortKey;
  readonly descending: boolean;
  readonly pageSize: number;
  /** 0-based. */
  readonly page: number;
  /** Names uploaded in this session: flagged and listed first (console.md, "Identifying Newly Uploaded Files"). */
  readonly fresh: ReadonlySet<string>;
}

export interface View {
  readonly rows: readonly Entry[];
  /** Entries after filtering, over all pages. */
  readonly matching: number;
  readonly pages: number;
  /** The page actually shown (clamped). */
  readonly page: number;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** "For folders, Date Uploaded is the folder creation date" (console.md, "Sorting"). */
export function dateOf(e: Entry): number {
  return e.kind === 'dir' ? e.ctime : e.mtime;
}

function compare(a: Entry, b: Entry, by: SortKey): number {
  const primary = by === 'size' ? a.sizeBytes - b.sizeBytes : by === 'date' ? dateOf(a) - dateOf(b) : 0;
  return primary !== 0 ? primary : collator.compare(a.name, b.name);
}

/**
 * New uploads first, then folders, then files; each group in the chosen
 * order. The filter matches a case-insensitive substring of the name.
 */
export function viewOf(entries: readonly Entry[], o: ViewOptions): View {
  const needle = o.filter.trim().toLocaleLowerCase();
  const kept = entries.filter((e) =>
    (o.show === 'all' || (o.show === 'dirs') === (e.kind === 'dir')) && (needle === '' || e.name.toLocaleLowerCase().includes(needle)));
  const sign = o.descending ? -1 : 1;
  const group = (e: Entry): number => (e.kind === 'file' && o.fresh.has(e.name) ? 0 : e.kind === 'dir' ? 1 : 2);
  kept.sort((a, b) => group(a) - group(b) || sign * compare(a, b, o.sortBy));
  const pages = Math.max(1, Math.ceil(kept.length / o.pageSize));
  const page = Math.min(Math.max(0, o.page), pages - 1);
  return { rows: kept.slice(page * o.pageSize, (page + 1) * o.pageSize), matching: kept.length, pages, page };
}

/** Page links: first, last, and a few around the current one, with gaps as null. */
export function pageLinks(page: number, pages: number): (number | null)[] {
  const wanted = new Set([0, pages - 1, page - 2, page - 1, page, page + 1, page + 2].filter((p) => p >= 0 && p < pages));
  const sorted = [...wanted].sort((a, b) => a - b);
  const out: (number | null)[] = [];
  sorted.forEach((p, i) => {
    if (i > 0 && p - sorted[i - 1]! > 1) out.push(null);
    out.push(p);
  });
  return out;
}
