/**
 * Listings stay fast on huge directories: after the first page, each page of
 * listDir, listFile and listPath is a keyset query (names after the last one
 * served), never an OFFSET scan over the entries already returned.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ListChildrenQuery } from '../../src/ports/metadata-store.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let token: string;
const queries: ListChildrenQuery[] = [];

before(async () => {
  server = await startServer();
  token = await server.login();
  await server.rpc('makeDir', [token, '/big']);
  for (let i = 0; i < 25; i++) {
    await server.rpc('makeDir', [token, `/big/d${String(i).padStart(2, '0')}`]);
    await server.postRaw('x', { 'X-Agile-Authorization': token, 'X-Agile-Directory': '/big', 'X-Agile-Basename': `f${String(i).padStart(2, '0')}` });
  }
  const store = server.app.stores.metadata;
  const original = store.listChildren.bind(store);
  store.listChildren = (q) => {
    queries.push(q);
    return original(q);
  };
});
after(() => server.close());

for (const method of ['listDir', 'listFile'] as const) {
  test(`${method}: every page after the first is a keyset query, and the pages cover each entry once`, async () => {
    queries.length = 0;
    const names: string[] = [];
    let cookie = 0;
    do {
      const page = await server.rpc(method, [token, '/big', 4, cookie]);
      names.push(...page.list.map((e: { name: string }) => e.name));
      cookie = page.cookie;
    } while (cookie !== 0);
    assert.equal(names.length, 25);
    assert.equal(new Set(names).size, 25);
    assert.ok(queries.length > 1);
    assert.ok(queries.slice(1).every((q) => q.afterName !== undefined && !q.offset), JSON.stringify(queries.slice(1, 3)));
  });
}

test('listPath: every page after the first is a keyset query, directories then files', async () => {
  queries.length = 0;
  const seen: string[] = [];
  let cookie: string | null = '';
  while (cookie !== null) {
    const page: { cookie: string | null; dirs: { name: string }[]; files: { name: string }[] } = await server.rpc('listPath', [token, '/big', 7, cookie]);
    seen.push(...page.dirs.map((d) => `d:${d.name}`), ...page.files.map((f) => `f:${f.name}`));
    cookie = page.cookie;
  }
  assert.equal(seen.length, 50);
  assert.deepEqual(seen.slice(0, 25).every((s) => s.startsWith('d:')), true);
  assert.ok(queries.filter((q) => q.offset).length === 0, 'no OFFSET query');
});
