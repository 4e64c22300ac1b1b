/**
 * Methods common to files and directories (working_with_methods.md):
 * listPath, stat, rename (and its other name renameFile) and setMTime.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';
import {
  ageMtime, assertMtimeMoved, call, callIn, decodePathCookie, encodePathCookie, FORMS, mtimeOf, sha256Hex, statCode, unique,
  UNKNOWN_TOKEN, upload,
  freshDirectory,
} from '../helpers/rpc.js';

let server: TestServer;
let token: string;

before(async () => {
  server = await startServer();
  token = await server.login();
});
after(() => server.close());

const freshDir = (prefix: string): Promise<string> => freshDirectory(server, token, prefix);

async function mkdir(path: string): Promise<void> {
  assert.equal(await call(server, 'makeDir2', [token, path]), 0);
}

async function statOf(path: string): Promise<any> {
  const s = await call(server, 'stat', [token, path, true]);
  assert.equal(s.code, 0, `stat ${path}`);
  return s;
}

const names = (entries: ReadonlyArray<{ name: string }>): string[] => entries.map((e) => e.name);

// --- listPath ------------------------------------------------------------------

for (const form of FORMS) {
  test(`listPath: returns {code: 0, cookie, dirs, files} with the names of the direct children (${form.label})`, async () => {
    const dir = await freshDir('a');
    await mkdir(`${dir}/steve`);
    await mkdir(`${dir}/steve/grandchild`);
    await upload(server, token, `${dir}/flat-irons.jpg`);
    const answer = await callIn(server, form, 'listPath', [['token', token], ['path', dir], ['pageSize', 10], ['cookie', ''], ['stat', false]]);
    assert.deepEqual(answer, { code: 0, cookie: 'AAAAAAAAAAEAAAAAAAAAAQ==', dirs: [{ name: 'steve' }], files: [{ name: 'flat-irons.jpg' }] });
    assert.deepEqual(decodePathCookie(answer.cookie), { dirs: 1, files: 1 });
  });
}

test('listPath: the cookie is base64 of two big-endian uint64: directories returned, files returned', async () => {
  const dir = await freshDir('cookie');
  for (const d of ['d1', 'd2', 'd3']) await mkdir(`${dir}/${d}`);
  for (const f of ['f1', 'f2']) await upload(server, token, `${dir}/${f}`);
  const answer = await call(server, 'listPath', [token, dir, 100, '']);
  assert.equal(answer.cookie, encodePathCookie(3, 2));
  assert.deepEqual(decodePathCookie(answer.cookie), { dirs: 3, files: 2 });
});

test('listPath: a directory with a file but no directory returns the file and cookie (0, 1)', async () => {
  const dir = await freshDir('file-only');
  await upload(server, token, `${dir}/text-file.txt`);
  assert.deepEqual(await call(server, 'listPath', [token, dir, 10, '']), {
    code: 0, cookie: 'AAAAAAAAAAAAAAAAAAAAAQ==', dirs: [], files: [{ name: 'text-file.txt' }],
  });
});

test('listPath: a directory with a sub-directory but no files returns the directory and cookie (1, 0)', async () => {
  const dir = await freshDir('dir-only');
  await mkdir(`${dir}/sub-dir`);
  const answer = await call(server, 'listPath', [token, dir, 10, '']);
  assert.deepEqual(answer, { code: 0, cookie: answer.cookie, dirs: [{ name: 'sub-dir' }], files: [] });
  assert.deepEqual(decodePathCookie(answer.cookie), { dirs: 1, files: 0 });
});

test('listPath: an empty directory returns {code: 0, cookie: null, dirs: [], files: []}', async () => {
  const dir = await freshDir('empty');
  assert.deepEqual(await call(server, 'listPath', [token, dir, 10, '']), { code: 0, cookie: null, dirs: [], files: [] });
});

test('listPath: after all files and directories were returned, the next call returns cookie null and empty lists', async () => {
  const dir = await freshDir('done');
  await mkdir(`${dir}/d`);
  await upload(server, token, `${dir}/f`);
  const first = await call(server, 'listPath', [token, dir, 10, '']);
  assert.notEqual(first.cookie, null);
  assert.deepEqual(await call(server, 'listPath', [token, dir, 10, first.cookie]), { code: 0, cookie: null, dirs: [], files: [] });
});

test('listPath: directories come first, then files, pageSize entries in all', async () => {
  const dir = await freshDir('order');
  for (const d of ['d1', 'd2']) await mkdir(`${dir}/${d}`);
  for (const f of ['f1', 'f2']) await upload(server, token, `${dir}/${f}`);
  const p1 = await call(server, 'listPath', [token, dir, 3, '']);
  assert.deepEqual([names(p1.dirs), names(p1.files)], [['d1', 'd2'], ['f1']]);
  assert.deepEqual(decodePathCookie(p1.cookie), { dirs: 2, files: 1 });
  const p2 = await call(server, 'listPath', [token, dir, 3, p1.cookie]);
  assert.deepEqual([names(p2.dirs), names(p2.files)], [[], ['f2']]);
  assert.deepEqual(decodePathCookie(p2.cookie), { dirs: 2, files: 2 });
  assert.equal((await call(server, 'listPath', [token, dir, 3, p2.cookie])).cookie, null);
});

test('listPath: looping while the cookie is not null (the Python sample) returns every entry once', async () => {
  const dir = await freshDir('loop');
  const dirs = ['b', 'A', 'a', 'c'];
  const files = ['z.txt', 'y.txt', 'Y.txt'];
  for (const d of dirs) await mkdir(`${dir}/${d}`);
  for (const f of files) await upload(server, token, `${dir}/${f}`, f);
  const seenDirs: string[] = [];
  const seenFiles: string[] = [];
  let cookie: string | null = '';
  let totalBytes = 0;
  while (cookie !== null) {
    const res: any = await call(server, 'listPath', [token, dir, 2, cookie, true]);
    assert.equal(res.code, 0);
    seenDirs.push(...names(res.dirs));
    seenFiles.push(...names(res.files));
    for (const f of res.files) totalBytes += f.size;
    cookie = res.cookie;
  }
  assert.deepEqual(seenDirs, ['A', 'a', 'b', 'c']);
  assert.deepEqual(seenFiles, ['Y.txt', 'y.txt', 'z.txt']);
  assert.equal(totalBytes, 15);
});

test('listPath: pageSize defaults to 100 and stat to false; null starts a listing like the empty string', async () => {
  const dir = await freshDir('defaults');
  for (let i = 0; i < 60; i++) await mkdir(`${dir}/d${String(i).padStart(2, '0')}`);
  for (let i = 0; i < 41; i++) await upload(server, token, `${dir}/f${String(i).padStart(2, '0')}`);
  const first = await call(server, 'listPath', { token, path: dir });
  assert.equal(first.code, 0);
  assert.equal(first.dirs.length, 60);
  assert.equal(first.files.length, 40);
  assert.deepEqual(first.dirs[0], { name: 'd00' });
  assert.deepEqual(decodePathCookie(first.cookie), { dirs: 60, files: 40 });
  assert.deepEqual(await call(server, 'listPath', [token, dir, 100, null]), first);
  assert.deepEqual(await call(server, 'listPath', [token, dir, 100, '']), first);
  const rest = await call(server, 'listPath', { token, path: dir, cookie: first.cookie });
  assert.deepEqual(rest.files, [{ name: 'f40' }]);
  assert.deepEqual(decodePathCookie(rest.cookie), { dirs: 60, files: 41 });
});

test('listPath: with stat true, files carry uid, gid, size, name, checksum, ctime, mimetype, mtime (and a nested stat with hash and ctype)', async () => {
  const dir = await freshDir('stat');
  const content = 'flat irons photo';
  await upload(server, token, `${dir}/flat-irons.jpg`, content);
  const s = await statOf(`${dir}/flat-irons.jpg`);
  const answer = await call(server, 'listPath', [token, dir, 1, '', true]);
  assert.equal(answer.files.length, 1);
  const entry = answer.files[0];
  const flat = { uid: s.uid, gid: 100, size: content.length, checksum: sha256Hex(content), ctime: s.ctime, mimetype: 'image/jpeg', mtime: s.mtime };
  assert.ok(Number.isInteger(entry.stat?.ctype), `ctype ${entry.stat?.ctype}`);
  assert.deepEqual(entry, { name: 'flat-irons.jpg', ...flat, stat: { ...flat, hash: sha256Hex(content), ctype: entry.stat.ctype } });
});

test('listPath: with stat true, directories carry uid, gid, name, ctime, mtime (and a nested stat with them)', async () => {
  const dir = await freshDir('stat-dir');
  await mkdir(`${dir}/steve`);
  const s = await statOf(`${dir}/steve`);
  const answer = await call(server, 'listPath', [token, dir, 10, '', true]);
  const flat = { uid: s.uid, gid: 100, ctime: s.ctime, mtime: s.mtime };
  assert.deepEqual(answer.dirs, [{ name: 'steve', ...flat, stat: flat }]);
});

test('listPath: stat defaults to false (names only)', async () => {
  const dir = await freshDir('nostat');
  await mkdir(`${dir}/d`);
  await upload(server, token, `${dir}/f`);
  const answer = await call(server, 'listPath', [token, dir, 10]);
  assert.deepEqual([answer.dirs, answer.files], [[{ name: 'd' }], [{ name: 'f' }]]);
});

test('listPath: positional values sent as strings ("10", "true") are accepted', async () => {
  const dir = await freshDir('strings');
  await upload(server, token, `${dir}/f`);
  const answer = await call(server, 'listPath', [token, dir, '10', '', 'true']);
  assert.equal(answer.code, 0);
  assert.equal(typeof answer.files[0].checksum, 'string');
});

test('listPath: lists the root', async () => {
  const name = unique('root-entry');
  await mkdir(`/${name}`);
  const answer = await call(server, 'listPath', [token, '/', 10000, '']);
  assert.ok(names(answer.dirs).includes(name), `${name} not listed`);
});

const LIST_PATH_FAILURES: ReadonlyArray<{ name: string; params: (dir: string) => unknown; code: number }> = [
  { name: 'returns -1 when the path does not exist', params: (dir) => [token, `${dir}/missing`, 10, ''], code: -1 },
  { name: 'returns -1 when the path is a file', params: (dir) => [token, `${dir}/f.txt`, 10, ''], code: -1 },
  { name: 'returns -8 for a malformed path (..)', params: (dir) => [token, `${dir}/../x`, 10, ''], code: -8 },
  { name: 'returns -8 for a malformed path (NUL)', params: (dir) => [token, `${dir}\0`, 10, ''], code: -8 },
  { name: 'returns -11 for a cookie that is not base64', params: (dir) => [token, dir, 10, 'not a cookie!'], code: -11 },
  { name: 'returns -11 for a cookie that does not hold two counters', params: (dir) => [token, dir, 10, Buffer.alloc(8).toString('base64')], code: -11 },
  { name: 'returns -11 for a listDir-style numeric cookie sent as a string', params: (dir) => [token, dir, 10, '3'], code: -11 },
  { name: 'returns -12 for pageSize 0', params: (dir) => [token, dir, 0, ''], code: -12 },
  { name: 'returns -12 for a pageSize greater than 10000', params: (dir) => ({ token, path: dir, pageSize: 10001, cookie: '' }), code: -12 },
  { name: 'returns -12 for a negative pageSize', params: (dir) => [token, dir, -1, ''], code: -12 },
  { name: 'returns -10001 for an invalid token', params: (dir) => [UNKNOWN_TOKEN, dir, 10, ''], code: -10001 },
];

for (const row of LIST_PATH_FAILURES) {
  test(`listPath: ${row.name}; failure is {code}`, async () => {
    const dir = await freshDir('list-fail');
    await upload(server, token, `${dir}/f.txt`);
    for (const version of [1, 2] as const) {
      assert.deepEqual(await call(server, 'listPath', row.params(dir), { version }), { code: row.code });
    }
  });
}

test('listPath: pageSize 10000 is accepted', async () => {
  const dir = await freshDir('max');
  assert.equal((await call(server, 'listPath', [token, dir, 10000, ''])).code, 0);
});

// --- stat ----------------------------------------------------------------------

for (const form of FORMS) {
  test(`stat: for a file without detail returns {code, size, ctime, mtime, type: 2} (${form.label})`, async () => {
    const dir = await freshDir('stat-file');
    await upload(server, token, `${dir}/hi1.txt`, 'hello world');
    const answer = await callIn(server, form, 'stat', [['token', token], ['path', `${dir}/hi1.txt`], ['detail', false]]);
    assert.ok(Number.isInteger(answer.ctime) && Number.isInteger(answer.mtime), 'integer times');
    assert.deepEqual(answer, { code: 0, size: 11, ctime: answer.ctime, mtime: answer.mtime, type: 2 });
  });

  test(`stat: for a file with detail adds uid, gid, checksum and mimetype (${form.label})`, async () => {
    const dir = await freshDir('stat-detail');
    await upload(server, token, `${dir}/example2.jpg`, 'jpeg bytes');
    const brief = await call(server, 'stat', [token, `${dir}/example2.jpg`]);
    const answer = await callIn(server, form, 'stat', [['token', token], ['path', `${dir}/example2.jpg`], ['detail', true]]);
    assert.ok(Number.isInteger(answer.uid), 'integer uid');
    assert.deepEqual(answer, {
      uid: answer.uid, code: 0, gid: 100, size: 10, checksum: sha256Hex('jpeg bytes'), ctime: brief.ctime, mimetype: 'image/jpeg', mtime: brief.mtime, type: 2,
    });
  });
}

test('stat: for a directory without detail returns {code, ctime, mtime, type: 1} (no size)', async () => {
  const dir = await freshDir('stat-dir');
  const answer = await call(server, 'stat', [token, dir]);
  assert.deepEqual(answer, { code: 0, ctime: answer.ctime, mtime: answer.mtime, type: 1 });
});

test('stat: for a directory with detail the checksum is an empty string and there is no mimetype', async () => {
  const dir = await freshDir('stat-dir-detail');
  const answer = await call(server, 'stat', { token, path: dir, detail: true });
  assert.deepEqual(answer, { uid: answer.uid, code: 0, gid: 100, checksum: '', ctime: answer.ctime, mtime: answer.mtime, type: 1 });
});

test("stat: the root with detail (api.stat(token, '/', True))", async () => {
  const answer = await call(server, 'stat', [token, '/', true]);
  assert.equal(answer.code, 0);
  assert.equal(answer.type, 1);
  assert.equal(answer.checksum, '');
});

test('stat: detail defaults to false', async () => {
  const dir = await freshDir('stat-default');
  await upload(server, token, `${dir}/f.txt`);
  const answer = await call(server, 'stat', { token, path: `${dir}/f.txt` });
  assert.deepEqual(Object.keys(answer).sort(), ['code', 'ctime', 'mtime', 'size', 'type']);
});

const STAT_FAILURES: ReadonlyArray<{ name: string; params: () => unknown; code: number }> = [
  { name: 'returns -1 when the file or directory does not exist', params: () => [token, `/${unique('missing')}`, true], code: -1 },
  { name: 'returns -1 when the path is not valid', params: () => [token, '/a/../b'], code: -1 },
  { name: 'returns -10001 for an invalid token', params: () => [UNKNOWN_TOKEN, '/'], code: -10001 },
];

for (const row of STAT_FAILURES) {
  test(`stat: ${row.name}; failure is {uid: 0, code, gid: 0, checksum: ''}`, async () => {
    for (const version of [1, 2] as const) {
      assert.deepEqual(await call(server, 'stat', row.params(), { version }), { uid: 0, code: row.code, gid: 0, checksum: '' });
    }
  });
}

// --- rename --------------------------------------------------------------------

for (const method of ['rename', 'renameFile']) {
  for (const form of FORMS) {
    test(`${method}: returns 0 and renames a file (${form.label})`, async () => {
      const dir = await freshDir('ren');
      await upload(server, token, `${dir}/OldName.txt`, 'contents');
      const answer = await callIn(server, form, method, [['token', token], ['oldpath', `${dir}/OldName.txt`], ['newpath', `${dir}/NewName.txt`]]);
      assert.equal(answer, 0);
      assert.equal(await statCode(server, token, `${dir}/OldName.txt`), -1);
      assert.equal((await statOf(`${dir}/NewName.txt`)).checksum, sha256Hex('contents'));
    });
  }
}

test('rename: renames an empty directory (floral-items to floral-accessories)', async () => {
  const dir = await freshDir('ren-dir');
  await mkdir(`${dir}/floral-items`);
  assert.equal(await call(server, 'rename', [token, `${dir}/floral-items`, `${dir}/floral-accessories`]), 0);
  assert.equal(await statCode(server, token, `${dir}/floral-items`), -1);
  assert.equal((await statOf(`${dir}/floral-accessories`)).type, 1);
});

test('rename: moves a file to another directory (/e/example.txt to /d/example.txt)', async () => {
  const top = await freshDir('move');
  await mkdir(`${top}/e`);
  await mkdir(`${top}/d`);
  await upload(server, token, `${top}/e/example.txt`, 'moved');
  assert.equal(await call(server, 'rename', [token, `${top}/e/example.txt`, `${top}/d/example.txt`]), 0);
  assert.equal(await statCode(server, token, `${top}/e/example.txt`), -1);
  assert.equal((await statOf(`${top}/d/example.txt`)).checksum, sha256Hex('moved'));
});

test('rename: moves an empty directory to another parent directory', async () => {
  const top = await freshDir('move-dir');
  await mkdir(`${top}/from/empty`);
  await mkdir(`${top}/to`);
  assert.equal(await call(server, 'rename', [token, `${top}/from/empty`, `${top}/to/empty`]), 0);
  assert.equal((await statOf(`${top}/to/empty`)).type, 1);
  assert.equal(await statCode(server, token, `${top}/from/empty`), -1);
});

test('rename: moving to a new directory sets the mtime of the old and new parent directories', async () => {
  const top = await freshDir('move-mtime');
  await mkdir(`${top}/old`);
  await mkdir(`${top}/new`);
  await upload(server, token, `${top}/old/f.txt`);
  await ageMtime(server, token, `${top}/old`);
  await ageMtime(server, token, `${top}/new`);
  assert.equal(await call(server, 'rename', [token, `${top}/old/f.txt`, `${top}/new/f.txt`]), 0);
  await assertMtimeMoved(server, token, `${top}/old`);
  await assertMtimeMoved(server, token, `${top}/new`);
});

test("rename: renaming within its directory sets the directory's mtime", async () => {
  const dir = await freshDir('ren-mtime');
  await upload(server, token, `${dir}/a.txt`);
  await ageMtime(server, token, dir);
  assert.equal(await call(server, 'rename', [token, `${dir}/a.txt`, `${dir}/b.txt`]), 0);
  await assertMtimeMoved(server, token, dir);
});

test('rename: a newpath without a full path is created in the root directory', async () => {
  const dir = await freshDir('ren-root');
  const name = `${unique('to-root')}.txt`;
  await upload(server, token, `${dir}/f.txt`);
  assert.equal(await call(server, 'rename', [token, `${dir}/f.txt`, name]), 0);
  assert.equal(await statCode(server, token, `/${name}`), 0);
  assert.equal(await statCode(server, token, `${dir}/${name}`), -1);
});

test('rename: returns -1 when oldpath is not found', async () => {
  const dir = await freshDir('ren-missing');
  assert.equal(await call(server, 'rename', [token, `${dir}/auto1.jpg`, `${dir}/auto3.jpg`]), -1);
  assert.equal(await statCode(server, token, `${dir}/auto3.jpg`), -1);
});

test('rename: returns -1 for an attempt to rename a file or directory to its current name', async () => {
  const dir = await freshDir('ren-same');
  await upload(server, token, `${dir}/f.txt`);
  assert.equal(await call(server, 'rename', [token, `${dir}/f.txt`, `${dir}/f.txt`]), -1);
  await mkdir(`${dir}/sub`);
  assert.equal(await call(server, 'rename', [token, `${dir}/sub`, `${dir}/sub`]), -1);
  assert.equal(await statCode(server, token, `${dir}/f.txt`), 0);
});

const RENAME_ONTO: ReadonlyArray<{ name: string; from: string; to: string }> = [
  { name: 'a file onto an existing file', from: 'f1.txt', to: 'f2.txt' },
  { name: 'a file onto an existing directory', from: 'f1.txt', to: 'd2' },
  { name: 'a directory onto an existing file', from: 'd1', to: 'f2.txt' },
  { name: 'a directory onto an existing directory', from: 'd1', to: 'd2' },
];

for (const row of RENAME_ONTO) {
  test(`rename: returns -2 when newpath already exists (${row.name}), overwriting nothing`, async () => {
    const dir = await freshDir('ren-exists');
    await upload(server, token, `${dir}/f1.txt`, 'one');
    await upload(server, token, `${dir}/f2.txt`, 'two');
    await mkdir(`${dir}/d1`);
    await mkdir(`${dir}/d2`);
    const before = await statOf(`${dir}/${row.to}`);
    assert.equal(await call(server, 'rename', [token, `${dir}/${row.from}`, `${dir}/${row.to}`]), -2);
    assert.equal(await statCode(server, token, `${dir}/${row.from}`), 0);
    assert.deepEqual(await statOf(`${dir}/${row.to}`), before);
  });
}

test("rename: returns -3 when newpath's parent directory does not exist", async () => {
  const dir = await freshDir('ren-noparent');
  await upload(server, token, `${dir}/f.txt`);
  assert.equal(await call(server, 'rename', [token, `${dir}/f.txt`, `${dir}/nowhere/f.txt`]), -3);
  assert.equal(await statCode(server, token, `${dir}/f.txt`), 0);
});

test('rename: returns -7 for a directory that contains files', async () => {
  const dir = await freshDir('ren-full');
  await mkdir(`${dir}/full`);
  await upload(server, token, `${dir}/full/f.txt`);
  assert.equal(await call(server, 'rename', [token, `${dir}/full`, `${dir}/renamed`]), -7);
  assert.equal(await statCode(server, token, `${dir}/full/f.txt`), 0);
  assert.equal(await statCode(server, token, `${dir}/renamed`), -1);
});

test('rename: returns -7 for a directory that contains sub-directories', async () => {
  const dir = await freshDir('ren-subdirs');
  await mkdir(`${dir}/full/sub`);
  assert.equal(await call(server, 'rename', [token, `${dir}/full`, `${dir}/renamed`]), -7);
});

test('rename: returns -6 for the root', async () => {
  assert.equal(await call(server, 'rename', [token, '/', `/${unique('new-root')}`]), -6);
  assert.equal(await call(server, 'rename', [token, '', `/${unique('new-root')}`]), -6);
});

test('rename: returns -6 when a directory would be moved into itself', async () => {
  const dir = await freshDir('ren-into');
  await mkdir(`${dir}/d`);
  assert.equal(await call(server, 'rename', [token, `${dir}/d`, `${dir}/d/inner`]), -6);
  assert.equal((await statOf(`${dir}/d`)).type, 1);
});

test('rename: returns -10001 for an invalid token', async () => {
  const dir = await freshDir('ren-token');
  await upload(server, token, `${dir}/f.txt`);
  for (const version of [1, 2] as const) {
    assert.equal(await call(server, 'rename', [UNKNOWN_TOKEN, `${dir}/f.txt`, `${dir}/g.txt`], { version }), -10001);
  }
  assert.equal(await statCode(server, token, `${dir}/f.txt`), 0);
});

// --- setMTime ------------------------------------------------------------------

for (const form of FORMS) {
  test(`setMTime: returns 0 and changes a file's last modification time (${form.label})`, async () => {
    const dir = await freshDir('mtime');
    await upload(server, token, `${dir}/hi1.txt`);
    assert.equal(await callIn(server, form, 'setMTime', [['token', token], ['path', `${dir}/hi1.txt`], ['mtime', 1461885068]]), 0);
    assert.equal(await mtimeOf(server, token, `${dir}/hi1.txt`), 1461885068);
  });
}

test("setMTime: changes a directory's last modification time", async () => {
  const dir = await freshDir('mtime-dir');
  assert.equal(await call(server, 'setMTime', [token, dir, 1450392160]), 0);
  assert.equal(await mtimeOf(server, token, dir), 1450392160);
});

test('setMTime: leaves the creation time as it was', async () => {
  const dir = await freshDir('mtime-ctime');
  await upload(server, token, `${dir}/f.txt`);
  const before = await statOf(`${dir}/f.txt`);
  assert.equal(await call(server, 'setMTime', [token, `${dir}/f.txt`, 1450392160]), 0);
  assert.equal((await statOf(`${dir}/f.txt`)).ctime, before.ctime);
});

test('setMTime: the last second of the year 9999 is a valid time, and egress serves it as Last-Modified', async () => {
  const dir = await freshDir('mtime-max');
  await upload(server, token, `${dir}/late.txt`);
  assert.equal(await call(server, 'setMTime', [token, `${dir}/late.txt`, 253402300799]), 0);
  const res = await fetch(`${server.url}/acme${dir}/late.txt`, { method: 'HEAD' });
  assert.equal(res.headers.get('last-modified'), 'Fri, 31 Dec 9999 23:59:59 GMT');
});

test('setMTime: mtime 0 (the epoch) is a valid time', async () => {
  const dir = await freshDir('mtime-zero');
  assert.equal(await call(server, 'setMTime', [token, dir, 0]), 0);
  assert.equal(await mtimeOf(server, token, dir), 0);
});

test('setMTime: an mtime sent as a string of digits is accepted', async () => {
  const dir = await freshDir('mtime-string');
  assert.equal(await call(server, 'setMTime', [token, dir, '1461942652']), 0);
  assert.equal(await mtimeOf(server, token, dir), 1461942652);
});

const SET_MTIME_FAILURES: ReadonlyArray<{ name: string; path: (dir: string) => string; mtime: number; code: number }> = [
  { name: 'returns -1 when the file or directory does not exist', path: (dir) => `${dir}/missing`, mtime: 1461885068, code: -1 },
  { name: 'returns -8 for an invalid path', path: (dir) => `${dir}/../x`, mtime: 1461885068, code: -8 },
  { name: 'returns -8 for a path with a NUL byte', path: (dir) => `${dir}\0`, mtime: 1461885068, code: -8 },
  { name: 'returns -27 for a negative mtime', path: (dir) => dir, mtime: -1, code: -27 },
  { name: 'returns -27 for an mtime that is not an integer', path: (dir) => dir, mtime: 1461885068.5, code: -27 },
  { name: 'returns -27 for an mtime after the year 9999, which no HTTP date can carry', path: (dir) => dir, mtime: 253402300800, code: -27 },
];

for (const row of SET_MTIME_FAILURES) {
  test(`setMTime: ${row.name}`, async () => {
    const dir = await freshDir('mtime-fail');
    const before = await mtimeOf(server, token, dir);
    for (const version of [1, 2] as const) {
      assert.equal(await call(server, 'setMTime', [token, row.path(dir), row.mtime], { version }), row.code);
    }
    assert.equal(await mtimeOf(server, token, dir), before);
  });
}

test('setMTime: returns -10001 for an invalid token', async () => {
  const dir = await freshDir('mtime-token');
  for (const version of [1, 2] as const) assert.equal(await call(server, 'setMTime', [UNKNOWN_TOKEN, dir, 1461885068], { version }), -10001);
  assert.notEqual(await mtimeOf(server, token, dir), 1461885068);
});
