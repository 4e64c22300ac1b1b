/**
 * The MetadataStore contract, for every adapter: SQLite always, PostgreSQL
 * when it is configured. Each adapter's run file calls this with its opener.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OriginError } from '../../src/domain/errors.js';
import type { NewNode } from '../../src/domain/model.js';
import type { MetadataStore } from '../../src/ports/metadata-store.js';

export function metadataStoreSuite(name: string, open: () => Promise<MetadataStore>): void {
  const withStore = (title: string, fn: (s: MetadataStore) => Promise<void>) =>
    test(`${name}: ${title}`, async () => {
      const store = await open();
      try {
        await fn(store);
      } finally {
        await store.close();
      }
    });

  const dir = (parentId: number, path: string): NewNode => ({
    parentId, name: path.slice(path.lastIndexOf('/') + 1), path, kind: 'dir', sizeBytes: 0, sha256: '', mime: '',
    ctime: 1, mtime: 1, uid: 1, gid: 1, blobId: null,
  });
  const file = (parentId: number, path: string, blobId: string): NewNode => ({
    ...dir(parentId, path), kind: 'file', sizeBytes: 3, sha256: 'ab', mime: 'text/plain', blobId,
  });

  withStore('the namespace root "/" exists', async (s) => {
    const root = await s.getNodeByPath('/');
    assert.equal(root?.kind, 'dir');
  });

  withStore('insertNode refuses a second entry with the same path (AlreadyExists)', async (s) => {
    const root = (await s.getNodeByPath('/'))!;
    await s.insertNode(dir(root.id, '/a'));
    await assert.rejects(s.insertNode(file(root.id, '/a', 'b1')), (e) => e instanceof OriginError && e.kind === 'AlreadyExists');
  });

  withStore('listChildren sorts by name in byte order and pages by keyset or offset', async (s) => {
    const root = (await s.getNodeByPath('/'))!;
    const names = ['b', 'a', 'Z', 'é', 'aa', '_'];
    for (const n of names) await s.insertNode(file(root.id, `/${n}`, `blob-${n}`));
    await s.insertNode(dir(root.id, '/dir'));
    const all = await s.listChildren({ parentId: root.id, kind: 'file', limit: 100 });
    assert.deepEqual(all.map((n) => n.name), [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    const afterA = await s.listChildren({ parentId: root.id, kind: 'file', afterName: 'a', limit: 2 });
    assert.deepEqual(afterA.map((n) => n.name), ['aa', 'b']);
    const offset = await s.listChildren({ parentId: root.id, kind: 'file', offset: 4, limit: 10 });
    assert.deepEqual(offset.map((n) => n.name), all.slice(4).map((n) => n.name));
    const dirs = await s.listChildren({ parentId: root.id, kind: 'dir', limit: 10 });
    assert.deepEqual(dirs.map((n) => n.name), ['dir']);
  });

  withStore('a failed transaction leaves nothing behind', async (s) => {
    const root = (await s.getNodeByPath('/'))!;
    await assert.rejects(
      s.transaction(async (tx) => {
        await tx.insertNode(dir(root.id, '/x'));
        throw new Error('abort');
      }),
    );
    assert.equal(await s.getNodeByPath('/x'), undefined);
  });

  withStore('concurrent transactions each commit or fail on their own', async (s) => {
    const root = (await s.getNodeByPath('/'))!;
    await s.insertNode(dir(root.id, '/taken'));
    // Started together, so an adapter that commits concurrent transactions as a group gets a group.
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => s.transaction(async (tx) => {
      await tx.insertNode(dir(root.id, `/c${i}`));
      if (i === 7) throw new Error('abort');
      if (i === 12) await tx.insertNode(dir(root.id, '/taken'));
      return i;
    })));
    for (const [i, o] of outcomes.entries()) {
      if (i === 7 || i === 12) {
        assert.equal(o.status, 'rejected');
        assert.equal(await s.getNodeByPath(`/c${i}`), undefined, `the writes of failed transaction ${i} are undone`);
      } else {
        assert.deepEqual(o, { status: 'fulfilled', value: i });
        assert.equal((await s.getNodeByPath(`/c${i}`))?.kind, 'dir');
      }
    }
    assert.equal((outcomes[12] as PromiseRejectedResult).reason.kind, 'AlreadyExists');
  });

  withStore('updateNode moves a node; hasChildren and deleteNode', async (s) => {
    const root = (await s.getNodeByPath('/'))!;
    const d = await s.insertNode(dir(root.id, '/d'));
    const f = await s.insertNode(file(d.id, '/d/f', 'b2'));
    assert.equal(await s.hasChildren(d.id), true);
    await s.updateNode(f.id, { parentId: root.id, name: 'g', path: '/g' });
    assert.equal(await s.hasChildren(d.id), false);
    assert.equal((await s.getNodeByPath('/g'))?.id, f.id);
    await s.deleteNode(f.id);
    assert.equal(await s.getNodeById(f.id), undefined);
  });

  withStore('blob references are counted and garbage is remembered once', async (s) => {
    const root = (await s.getNodeByPath('/'))!;
    await s.insertNode(file(root.id, '/one', 'shared'));
    await s.insertNode(file(root.id, '/two', 'shared'));
    assert.equal(await s.countBlobReferences('shared'), 2);
    await s.addGarbageBlob('g1');
    await s.addGarbageBlob('g1');
    assert.deepEqual(await s.takeGarbageBlobs(10), ['g1']);
    await s.forgetGarbageBlobs(['g1']);
    assert.deepEqual(await s.takeGarbageBlobs(10), []);
  });

  withStore('accounts and users', async (s) => {
    await s.createAccount('acct', 1);
    await assert.rejects(s.createAccount('acct', 2), (e) => e instanceof OriginError && e.kind === 'AlreadyExists');
    const u = await s.createUser({ account: 'acct', username: 'u', passwordHash: 'h', uid: 10, gid: 5, home: '/', disabled: false, created: 1 });
    assert.equal((await s.getUserByName('u'))?.id, u.id);
    await s.updateUser(u.id, { disabled: true, passwordHash: 'h2' });
    const again = await s.getUserById(u.id);
    assert.equal(again?.disabled, true);
    assert.equal(again?.passwordHash, 'h2');
    assert.equal(await s.maxUid(), 10);
    assert.deepEqual((await s.listUsers('acct')).map((x) => x.username), ['u']);
  });

  withStore('sessions: expiry can be set once; expired sessions are deleted', async (s) => {
    await s.createAccount('acct', 1);
    const u = await s.createUser({ account: 'acct', username: 'u', passwordHash: 'h', uid: 10, gid: 5, home: '/', disabled: false, created: 1 });
    await s.createSession({ token: 't1', userId: u.id, root: '/acct', createdMs: 0, expiresMs: 1000, expiryUpdated: false, origin: 'login' });
    await s.createSession({ token: 't2', userId: u.id, root: '/acct', createdMs: 0, expiresMs: 0, expiryUpdated: false, origin: 'authenticate' });
    assert.equal(await s.setSessionExpiryOnce('t2', 5), true);
    assert.equal(await s.setSessionExpiryOnce('t2', 6), false);
    assert.equal((await s.getSession('t2'))?.expiresMs, 5);
    assert.equal(await s.deleteExpiredSessions(2000), 2);
    assert.equal(await s.getSession('t1'), undefined);
    assert.equal(await s.deleteSession('t1'), false);
  });

  withStore('sessions: deleteUserSessions can end only those one call opened', async (s) => {
    await s.createAccount('acct', 1);
    const u = await s.createUser({ account: 'acct', username: 'u', passwordHash: 'h', uid: 10, gid: 5, home: '/', disabled: false, created: 1 });
    await s.createSession({ token: 'a', userId: u.id, root: '/acct', createdMs: 0, expiresMs: 0, expiryUpdated: false, origin: 'login' });
    await s.createSession({ token: 'b', userId: u.id, root: '/acct', createdMs: 0, expiresMs: 0, expiryUpdated: false, origin: 'http' });
    await s.deleteUserSessions(u.id, 'login');
    assert.equal(await s.getSession('a'), undefined);
    assert.equal((await s.getSession('b'))?.origin, 'http');
  });
}
