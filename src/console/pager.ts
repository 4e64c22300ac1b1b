/** The paging bar under the list: results per page, where we are, and page links. */
import { h, icon } from './dom.js';
import { pageLinks } from './listing.js';

export const PAGE_SIZES = [25, 50, 100, 250] as const;

export interface PagerState {
  readonly page: number;
  readonly pages: number;
  readonly pageSize: number;
  /** Entries after filtering, over all pages. */
  readonly matching: number;
  /** False while more of the folder is still to be loaded ("+" after the count). */
  readonly complete: boolean;
}

export interface PagerEvents {
  page(p: number): void;
  pageSize(n: number): void;
}

export function renderPager(target: HTMLElement, s: PagerState, on: PagerEvents): void {
  const first = s.matching === 0 ? 0 : s.page * s.pageSize + 1;
  const last = Math.min(s.matching, (s.page + 1) * s.pageSize);
  const sizeId = 'page-size';
  const sizes = h('select', { id: sizeId }, ...PAGE_SIZES.map((n) => h('option', { value: String(n), selected: n === s.pageSize }, String(n))));
  sizes.addEventListener('change', () => on.pageSize(Number(sizes.value)));
  const go = (p: number) => () => on.page(p);
  const nav = h('div', { class: 'page-links' },
    h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Previous page', disabled: s.page === 0, onclick: go(s.page - 1) }, icon('back')));
  for (const p of pageLinks(s.page, s.pages)) {
    if (p === null) nav.append(h('span', { class: 'gap', 'aria-hidden': 'true' }, '…'));
    else nav.append(h('button', { type: 'button', class: p === s.page ? 'page current' : 'page', 'aria-label': `Page ${p + 1}`, 'aria-current': p === s.page ? 'page' : null, onclick: go(p) }, String(p + 1)));
  }
  nav.append(h('button', { type: 'button', class: 'icon-button flip', 'aria-label': 'Next page', disabled: s.page >= s.pages - 1, onclick: go(s.page + 1) }, icon('back')));
  const count = s.matching === 0 ? 'No entries' : `${first.toLocaleString()}–${last.toLocaleString()} of ${s.matching.toLocaleString()}${s.complete ? '' : '+'}`;
  target.replaceChildren(
    h('div', { class: 'page-size' }, h('label', { for: sizeId }, 'Results per page'), sizes),
    h('p', { class: 'page-count', 'aria-live': 'polite' }, count),
    nav);
}
