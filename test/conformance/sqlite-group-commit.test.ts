/**
 * SqliteMetadataStore commits concurrent transactions together
 * (src/adapters/sqlite/group-commit.ts). What must not change is when a
 * caller hears back: only once its writes are committed, so another
 * connection to the same file already sees them.
 */
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteMetadataStore } from '../../src/adapters/sqlite/sqlite-metadata-store.js';

test('SqliteMetadataStore: a transaction resolves only once another connection can read its writes', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'originstore-group-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'metadata.sqlite');
  const store = SqliteMetadataStore.open(file);
  t.after(() => store.close());
  const other = new Database(file, { readonly: true });
  t.after(() => other.close());
  const visible = other.prepare('SELECT count(*) AS n FROM nodes WHERE path = ?');
  const root = (await store.getNodeByPath('/'))!;
  const seen: boolean[] = [];
  await Promise.all(Array.from({ length: 40 }, (_, i) => store.transaction(async (tx) => {
    await tx.insertNode({
      parentId: root.id, name: `g${i}`, path: `/g${i}`, kind: 'dir', sizeBytes: 0, sha256: '', mime: '', ctime: 1, mtime: 1, uid: 1, gid: 1, blobId: null,
    });
  }).then(() => {
    seen.push((visible.get(`/g${i}`) as { n: number }).n === 1);
  })));
  assert.equal(seen.length, 40);
  assert.ok(seen.every(Boolean), 'every transaction was visible to another connection when it resolved');
});
