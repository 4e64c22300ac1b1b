/**
 * The MetadataStore contract, for every adapter: SQLite always, PostgreSQL
 * when it is configured. Each adapter's run file calls this with its opener.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OriginError } from '../../src/domain/errors.js';
import type { NewNode } from '../../src/domain/model.js';
import type { MetadataStore } from '../../src/ports/metadata-store.js';

export interface SuiteOptions {
  /** Several processes share the store, so a lease held by one is refused to another. */
  readonly sharedLeases?: boolean;
  /** Transactions run one at a time (SQLite): a second one cannot start while the first is open. */
  readonly serialTransactions?: boolean;
  /** node:test options for every test (a skip reason when the engine is absent). */
  readonly testOptions?: { skip?: string };
}

export function metadataStoreSuite(name: string, open: () => Promise<MetadataStore>, options: SuiteOptions = {}): void {
  const withStore = (title: string, fn: (s: MetadataStore) => Promise<void>) =>
    test(`${name}: ${title}`, options.testOptions ?? {}, async () => {
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

  withStore('lookups by a key holding a NUL character find nothing (a made-up token, user name, access key or upload id)', async (s) => {
    const nul = 'x\u0000y';
    assert.equal(await s.getSession(nul), undefined);
    assert.equal(await s.getUserByName(nul), undefined);
    assert.equal(await s.getAccount(nul), undefined);
    assert.equal(await s.getKeyPair(nul), undefined);
    assert.equal(await s.getMultipart(nul), undefined);
    assert.equal(await s.deleteSession(nul), false);
    assert.equal(await s.setSessionExpiryOnce(nul, 1), false);
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

  withStore('sessions: getSessionAndUser reads a session with its user, and without it once the user is deleted', async (s) => {
    await s.createAccount('acct', 1);
    const u = await s.createUser({ account: 'acct', username: 'u', passwordHash: 'h', uid: 10, gid: 5, home: '/home', disabled: true, created: 7 });
    const session = { token: 'tok', userId: u.id, root: '/acct/home', createdMs: 3, expiresMs: 9, expiryUpdated: true, origin: 'http' } as const;
    await s.createSession(session);
    assert.deepEqual(await s.getSessionAndUser('tok'), { session, user: await s.getUserById(u.id) });
    assert.equal(await s.getSessionAndUser('other'), undefined);
    await s.deleteUser(u.id);
    assert.deepEqual(await s.getSessionAndUser('tok'), { session, user: undefined });
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
  withStore('listMultiparts: a user\'s uploads oldest first, paged; with under, only those inside that directory', async (s) => {
    await s.createAccount('acct', 1);
    const u = await s.createUser({ account: 'acct', username: 'u', passwordHash: 'h', uid: 10, gid: 5, home: '/', disabled: false, created: 1 });
    const upload = (n: number, path: string) => ({
      mpid: n.toString(16).padStart(32, '0'), userId: u.id, uid: 10, gid: 5, path, contentType: null, mtime: 0, created: n, state: 1, error: 0, numPieces: 0,
    });
    const paths = ['/acct/a/x.bin', '/acct/a/b/y.bin', '/acct/a.bin', '/acct/ab/z.bin', '/acct/a0.bin', '/acct/a\u00e9/w.bin', '/acct/other.bin'];
    for (const [i, path] of paths.entries()) await s.createMultipart(upload(i + 1, path));
    assert.deepEqual((await s.listMultiparts(u.id, 0, 100)).map((m) => m.path), paths);
    assert.deepEqual((await s.listMultiparts(u.id, 2, 2)).map((m) => m.path), paths.slice(2, 4));
    assert.deepEqual((await s.listMultiparts(u.id, 0, 100, '/acct/a')).map((m) => m.path), ['/acct/a/x.bin', '/acct/a/b/y.bin']);
    assert.deepEqual((await s.listMultiparts(u.id, 1, 100, '/acct/a')).map((m) => m.path), ['/acct/a/b/y.bin']);
    assert.equal((await s.listMultiparts(u.id, 0, 100, '/')).length, paths.length);
    assert.deepEqual(await s.listMultiparts(u.id + 1, 0, 100), []);
  });

  withStore('scans for fsck: files, uploads and queued blobs, in keyset pages', async (s) => {
    const root = (await s.getNodeByPath('/'))!;
    const d = await s.insertNode(dir(root.id, '/d'));
    const ids: number[] = [];
    for (const name of ['c', 'a', 'b']) ids.push((await s.insertNode(file(d.id, `/d/${name}`, `blob-${name}`))).id);
    const first = await s.scanFiles(0, 2);
    assert.deepEqual(first.map((n) => n.path), ['/d/c', '/d/a'], 'by id, files only');
    assert.deepEqual((await s.scanFiles(first[1]!.id, 2)).map((n) => n.path), ['/d/b']);
    assert.deepEqual(await s.scanFiles(ids[2]!, 2), []);
    for (const mpid of ['m2', 'm1', 'm3']) {
      await s.createMultipart({ mpid, userId: 1, uid: 1, gid: 1, path: '/d/x', contentType: null, mtime: 0, created: 1, state: 1, error: 0, numPieces: 0 });
    }
    assert.deepEqual((await s.scanMultiparts('', 2)).map((m) => m.mpid), ['m1', 'm2']);
    assert.deepEqual((await s.scanMultiparts('m2', 2)).map((m) => m.mpid), ['m3']);
    for (const id of ['g2', 'g1', 'g3']) await s.addGarbageBlob(id);
    assert.deepEqual(await s.scanGarbageBlobs('', 2), ['g1', 'g2']);
    assert.deepEqual(await s.scanGarbageBlobs('g2', 5), ['g3']);
  });

  // Races: each of these is a rule of the port that two servers sharing the store rely on.

  withStore('two transactions inserting one path: one inserts, the other runs again and finds it', async (s) => {
    const root = (await s.getNodeByPath('/'))!;
    const create = () =>
      s.transaction(async (tx) => {
        if (await tx.getNodeByPath('/race')) return 'found';
        await tx.insertNode(dir(root.id, '/race'));
        return 'inserted';
      });
    const outcomes = await Promise.all([create(), create(), create(), create()]);
    assert.deepEqual([...outcomes].sort(), ['found', 'found', 'found', 'inserted']);
  });

  withStore('a transaction that finds a path free, then loses it to another that commits first, is run again and sees it', async (s) => {
    const root = (await s.getNodeByPath('/'))!;
    let inserted!: () => void;
    const firstInserted = new Promise<void>((resolve) => (inserted = resolve));
    let read!: () => void;
    const secondRead = new Promise<void>((resolve) => (read = resolve));
    const first = s.transaction(async (tx) => {
      await tx.insertNode(dir(root.id, '/won'));
      inserted();
      // Still uncommitted while the second one looks.
      if (!options.serialTransactions) await secondRead;
      return 'inserted';
    });
    const seen: string[] = [];
    const second = firstInserted.then(() =>
      s.transaction(async (tx) => {
        const found = await tx.getNodeByPath('/won');
        seen.push(found ? 'found' : 'free');
        read();
        if (found) return 'found';
        await tx.insertNode(dir(root.id, '/won'));
        return 'inserted';
      }),
    );
    assert.deepEqual(await Promise.all([first, second]), ['inserted', 'found']);
    assert.deepEqual(seen, options.serialTransactions ? ['found'] : ['free', 'found']);
  });

  withStore('a node read in a transaction is held until it commits: concurrent read-then-write loses no update', async (s) => {
    const root = (await s.getNodeByPath('/'))!;
    const node = await s.insertNode(dir(root.id, '/counter'));
    const increment = () =>
      s.transaction(async (tx) => {
        const current = (await tx.getNodeByPath('/counter'))!;
        await tx.updateNode(current.id, { mtime: current.mtime + 1 });
      });
    await Promise.all(Array.from({ length: 12 }, increment));
    assert.equal((await s.getNodeById(node.id))?.mtime, 1 + 12);
  });

  withStore('an upload read in a transaction is held: racing state changes happen one after the other', async (s) => {
    const upload = {
      mpid: 'f'.repeat(32), userId: 1, uid: 1, gid: 1, path: '/x', contentType: null, mtime: 0, created: 1, state: 0, error: 0, numPieces: 0,
    };
    await s.createMultipart(upload);
    // Each moves the state from n to n+1 only if it still reads n: with the row held, all 8 succeed in turn.
    const advance = () =>
      s.transaction(async (tx) => {
        const current = (await tx.getMultipart(upload.mpid))!;
        await tx.addPiece({ mpid: upload.mpid, number: current.state + 1, sizeBytes: 1, sha256: 'x', state: 0, error: 0, blobId: null, created: 1 });
        await tx.updateMultipart(upload.mpid, { state: current.state + 1 });
      });
    await Promise.all(Array.from({ length: 8 }, advance));
    assert.equal((await s.getMultipart(upload.mpid))?.state, 8);
    const pieces = await s.listPieces(upload.mpid, 0, 100);
    assert.deepEqual(pieces.map((p) => p.seq), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(pieces.map((p) => p.number), [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  withStore('a replayed signature inside a transaction answers false and the transaction still commits', async (s) => {
    assert.equal(await s.useSignature('sig', 10), true);
    const root = (await s.getNodeByPath('/'))!;
    const again = await s.transaction(async (tx) => {
      const fresh = await tx.useSignature('sig', 10);
      await tx.insertNode(dir(root.id, '/after-replay'));
      return fresh;
    });
    assert.equal(again, false);
    assert.ok(await s.getNodeByPath('/after-replay'));
  });

  withStore('two concurrent setSessionExpiryOnce: exactly one wins', async (s) => {
    await s.createAccount('acct', 1);
    const u = await s.createUser({ account: 'acct', username: 'u', passwordHash: 'h', uid: 10, gid: 5, home: '/', disabled: false, created: 1 });
    await s.createSession({ token: 't', userId: u.id, root: '/acct', createdMs: 0, expiresMs: 0, expiryUpdated: false, origin: 'login' });
    const wins = await Promise.all([s.setSessionExpiryOnce('t', 5), s.setSessionExpiryOnce('t', 6), s.setSessionExpiryOnce('t', 7)]);
    assert.equal(wins.filter(Boolean).length, 1);
  });

  if (options.sharedLeases) {
    withStore('a lease is held by one holder at a time, renewed by it, and free once released', async (s) => {
      assert.equal(await s.acquireLease('sweeper', 'a', 60_000), true);
      assert.equal(await s.acquireLease('sweeper', 'b', 60_000), false);
      assert.equal(await s.acquireLease('sweeper', 'a', 60_000), true, 'the holder renews it');
      assert.equal(await s.acquireLease('other', 'b', 60_000), true, 'leases are independent');
      await s.releaseLease('sweeper', 'b');
      assert.equal(await s.acquireLease('sweeper', 'b', 60_000), false, 'only the holder releases it');
      await s.releaseLease('sweeper', 'a');
      assert.equal(await s.acquireLease('sweeper', 'b', 60_000), true);
    });

    withStore('an expired lease can be taken by another holder', async (s) => {
      assert.equal(await s.acquireLease('join:x', 'a', 0), true);
      assert.equal(await s.acquireLease('join:x', 'b', 60_000), true);
      assert.equal(await s.acquireLease('join:x', 'a', 60_000), false);
    });

    withStore('racing holders: exactly one gets a free lease', async (s) => {
      const got = await Promise.all(['a', 'b', 'c', 'd'].map((h) => s.acquireLease('race', h, 60_000)));
      assert.equal(got.filter(Boolean).length, 1);
    });
  } else {
    withStore('a store only one process opens holds every lease', async (s) => {
      assert.equal(await s.acquireLease('sweeper', 'a', 60_000), true);
      assert.equal(await s.acquireLease('sweeper', 'b', 60_000), true);
    });
  }
}
