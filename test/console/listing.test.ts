/** The console's list logic (src/console/listing.ts, paths.ts, folder-loader.ts): pure functions, no browser. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FolderLoader, type ListFn } from '../../src/console/folder-loader.js';
import { pageLinks, viewOf, type Entry, type ViewOptions } from '../../src/console/listing.js';
import { crumbs, parentOf, resolveTyped } from '../../src/console/paths.js';

const file = (name: string, sizeBytes: number, mtime: number): Entry => ({ name, kind: 'file', sizeBytes, mtime, ctime: 1, mime: '', sha256: '' });
const dir = (name: string, ctime: number): Entry => ({ name, kind: 'dir', sizeBytes: 0, mtime: 999, ctime, mime: '', sha256: '' });
const ENTRIES = [file('b.txt', 30, 5), file('A.png', 10, 9), file('c10.txt', 20, 1), file('c9.txt', 5, 3), dir('Zeta', 2), dir('alpha', 8)];
const BASE: ViewOptions = { filter: '', show: 'all', sortBy: 'name', descending: false, pageSize: 50, page: 0, fresh: new Set() };
const names = (o: Partial<ViewOptions>) => viewOf(ENTRIES, { ...BASE, ...o }).rows.map((e) => e.name);

test('console list: folders first, then files, by name with numbers in order and case ignored', () => {
  assert.deepEqual(names({}), ['alpha', 'Zeta', 'A.png', 'b.txt', 'c9.txt', 'c10.txt']);
});

test('console list: the filter is a case-insensitive match on the name', () => {
  assert.deepEqual(names({ filter: 'A' }), ['alpha', 'Zeta', 'A.png']);
  assert.deepEqual(names({ filter: '  C1 ' }), ['c10.txt']);
});

test('console list: folders only and files only', () => {
  assert.deepEqual(names({ show: 'dirs' }), ['alpha', 'Zeta']);
  assert.deepEqual(names({ show: 'files' }), ['A.png', 'b.txt', 'c9.txt', 'c10.txt']);
});

test('console list: size and date, ascending and descending; a folder\'s date is its creation date', () => {
  assert.deepEqual(names({ show: 'files', sortBy: 'size' }), ['c9.txt', 'A.png', 'c10.txt', 'b.txt']);
  assert.deepEqual(names({ show: 'files', sortBy: 'size', descending: true }), ['b.txt', 'c10.txt', 'A.png', 'c9.txt']);
  assert.deepEqual(names({ sortBy: 'date' }), ['Zeta', 'alpha', 'c10.txt', 'c9.txt', 'b.txt', 'A.png']);
});

test('console list: newly uploaded files come first, whatever the order', () => {
  assert.deepEqual(names({ fresh: new Set(['c9.txt']), descending: true }), ['c9.txt', 'Zeta', 'alpha', 'c10.txt', 'b.txt', 'A.png']);
});

test('console list: pages of the chosen size, the page clamped to the last one', () => {
  const v = viewOf(ENTRIES, { ...BASE, pageSize: 4, page: 7 });
  assert.equal(v.pages, 2);
  assert.equal(v.page, 1);
  assert.deepEqual(v.rows.map((e) => e.name), ['c9.txt', 'c10.txt']);
  assert.equal(v.matching, 6);
});

test('console list: page links keep the first, the last and the neighbours, with gaps', () => {
  assert.deepEqual(pageLinks(0, 1), [0]);
  assert.deepEqual(pageLinks(5, 20), [0, null, 3, 4, 5, 6, 7, null, 19]);
  assert.deepEqual(pageLinks(1, 4), [0, 1, 2, 3]);
});

test('console paths: "a/b" is b inside a, relative to the folder; "." and ".." are refused', () => {
  assert.deepEqual(resolveTyped('/photos', 'test/sub-test'), { path: '/photos/test/sub-test' });
  assert.deepEqual(resolveTyped('/', ' new '), { path: '/new' });
  assert.deepEqual(resolveTyped('/photos', '/top/x'), { path: '/top/x' });
  assert.ok('error' in resolveTyped('/', 'a/../b'));
  assert.ok('error' in resolveTyped('/', ' / '));
  assert.equal(parentOf('/a/b'), '/a');
  assert.equal(parentOf('/a'), '/');
  assert.deepEqual(crumbs('/a/b').map((c) => c.path), ['/', '/a', '/a/b']);
});

test('console loader: pages through the cookies, folders then files, and stops at the window', async () => {
  const calls: string[] = [];
  const total = { dir: 3, file: 25 };
  const list: ListFn = async (kind, _path, cookie, pageSize) => {
    calls.push(`${kind}@${cookie}x${pageSize}`);
    const n = Math.min(pageSize, total[kind] - cookie);
    const entries = Array.from({ length: n }, (_, i) => (kind === 'dir' ? dir(`d${cookie + i}`, 1) : file(`f${cookie + i}`, 1, 1)));
    return { entries, cookie: cookie + n >= total[kind] ? 0 : cookie + n };
  };
  const loader = new FolderLoader('/', list, 10);
  let pages = 0;
  await loader.loadMore(15, () => pages++);
  assert.equal(loader.entries.length, 15);
  assert.equal(loader.complete, false);
  assert.deepEqual(calls, ['dir@0x10', 'file@0x10', 'file@10x2']);
  await loader.loadMore(100, () => pages++);
  assert.equal(loader.entries.length, 28);
  assert.equal(loader.complete, true);
  assert.equal(pages, calls.length);
});
