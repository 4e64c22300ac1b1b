/**
 * Directories over JSON-RPC (working_with_directories_json.md): makeDir,
 * makeDir2, deleteDir and listDir.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';
import {
  ageMtime, assertMtimeMoved, call, callIn, FORMS, statCode, unique, UNKNOWN_TOKEN, upload,
} from '../helpers/rpc.js';

let server: TestServer;
let token: string;

before(async () => {
  server = await startServer();
  token = await server.login();
});
after(() => server.close());

async function mkdir(path: string): Promise<void> {
  assert.equal(await call(server, 'makeDir2', [token, path]), 0, `makeDir2 ${path}`);
}

/** A fresh, empty directory under the root. */
async function freshDir(prefix: string): Promise<string> {
  const dir = `/${unique(prefix)}`;
  await mkdir(dir);
  return dir;
}

async function isDir(path: string): Promise<boolean> {
  const s = await call(server, 'stat', [token, path]);
  return s.code === 0 && s.type === 1;
}

/** Byte order of UTF-8 names, the order listings use. */
function byteOrder(names: readonly string[]): string[] {
  return [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

// --- makeDir -------------------------------------------------------------------

for (const form of FORMS) {
  test(`makeDir: returns 0 and creates the directory (${form.label})`, async () => {
    const path = `/${unique('house')}`;
    assert.equal(await callIn(server, form, 'makeDir', [['token', token], ['path', path]]), 0);
    assert.equal(await isDir(path), true);
  });
}

test("makeDir: sets the parent directory's mtime to the current time", async () => {
  const parent = await freshDir('mk-parent');
  await ageMtime(server, token, parent);
  assert.equal(await call(server, 'makeDir', [token, `${parent}/child`]), 0);
  await assertMtimeMoved(server, token, parent);
});

test("makeDir: sets the root's mtime when the parent is the root", async () => {
  await ageMtime(server, token, '/');
  assert.equal(await call(server, 'makeDir', [token, `/${unique('under-root')}`]), 0);
  await assertMtimeMoved(server, token, '/');
});

test('makeDir: returns -3 when the parent directory does not exist, and creates nothing', async () => {
  const top = `/${unique('absent')}`;
  assert.equal(await call(server, 'makeDir', [token, `${top}/b`]), -3);
  assert.equal(await statCode(server, token, top), -1);
});

test('makeDir: returns -3 when a leading path segment is missing (the batch sample 1/2/3)', async () => {
  assert.equal(await call(server, 'makeDir', [token, `${unique('one')}/2/3`]), -3);
});

test('makeDir: returns -2 when the parent directory contains a file with the same name', async () => {
  const dir = await freshDir('has-file');
  await upload(server, token, `${dir}/b`);
  assert.equal(await call(server, 'makeDir', [token, `${dir}/b`]), -2);
  assert.equal((await call(server, 'stat', [token, `${dir}/b`])).type, 2);
});

test('makeDir: returns 0 when the directory already exists', async () => {
  const dir = await freshDir('twice');
  assert.equal(await call(server, 'makeDir', [token, dir]), 0);
  assert.equal(await isDir(dir), true);
});

test('makeDir: returns -3 when a file holds a leading path segment', async () => {
  const dir = await freshDir('file-parent');
  await upload(server, token, `${dir}/f`);
  assert.equal(await call(server, 'makeDir', [token, `${dir}/f/sub`]), -3);
});

for (const path of ['', '/', '//']) {
  test(`makeDir: returns -1 (malformed path) for the root ${JSON.stringify(path)}`, async () => {
    assert.equal(await call(server, 'makeDir', [token, path]), -1);
    assert.equal(await call(server, 'makeDir2', [token, path]), -1);
  });
}

const INVALID_PATHS: ReadonlyArray<{ name: string; path: string }> = [
  { name: "a '..' segment", path: '/a/../b' },
  { name: "a leading '..' segment", path: '../escape' },
  { name: "a '.' segment", path: '/./dot' },
  { name: 'a NUL byte', path: '/nul\0byte' },
  { name: 'more than 4096 bytes', path: `/${'a'.repeat(4096)}` },
  { name: 'more than 4096 bytes of UTF-8', path: `/${'今'.repeat(1366)}` },
];

for (const row of INVALID_PATHS) {
  test(`makeDir: returns -8 (invalid path) for ${row.name}`, async () => {
    assert.equal(await call(server, 'makeDir', [token, row.path]), -8);
    assert.equal(await call(server, 'makeDir2', [token, row.path]), -8);
  });
}

test('makeDir: a path of exactly 4096 bytes is accepted', async () => {
  const path = `/${'m'.repeat(4095)}`;
  assert.equal(Buffer.byteLength(path), 4096);
  assert.equal(await call(server, 'makeDir', [token, path]), 0);
  assert.equal(await isDir(path), true);
});

test('makeDir: if you omit the path separator, the directory is created under the root', async () => {
  const name = unique('noslash');
  assert.equal(await call(server, 'makeDir', [token, name]), 0);
  assert.equal(await isDir(`/${name}`), true);
});

test('makeDir: empty path segments are dropped', async () => {
  const name = unique('doubled');
  assert.equal(await call(server, 'makeDir', [token, `//${name}//`]), 0);
  assert.equal(await isDir(`/${name}`), true);
});

test('makeDir: directories can have any white space in the path (spaces, new lines, carriage returns, tabs)', async () => {
  const dir = await freshDir('spaces');
  const names = ['with space', 'new\nline', 'carriage\rreturn', 'tab\there', ' '];
  for (const name of names) assert.equal(await call(server, 'makeDir', [token, `${dir}/${name}`]), 0, JSON.stringify(name));
  const listed = await call(server, 'listDir', [token, dir]);
  assert.deepEqual(listed.list.map((e: { name: string }) => e.name), byteOrder(names));
});

test('makeDir: a Windows separator \\ becomes part of the name', async () => {
  const dir = await freshDir('backslash');
  assert.equal(await call(server, 'makeDir', [token, `${dir}/a\\b`]), 0);
  assert.deepEqual((await call(server, 'listDir', [token, dir])).list, [{ name: 'a\\b', type: 1 }]);
});

test('makeDir: UTF-8 names are kept as sent', async () => {
  const dir = await freshDir('utf8');
  assert.equal(await call(server, 'makeDir', [token, `${dir}/今日は`]), 0);
  assert.deepEqual((await call(server, 'listDir', [token, dir])).list, [{ name: '今日は', type: 1 }]);
});

test('makeDir: returns -10001 for an invalid token', async () => {
  for (const version of [1, 2] as const) {
    assert.equal(await call(server, 'makeDir', [UNKNOWN_TOKEN, '/x'], { version }), -10001);
    assert.equal(await call(server, 'makeDir', { token: 'garbage', path: '/x' }, { version }), -10001);
  }
});

// --- makeDir2 ------------------------------------------------------------------

for (const form of FORMS) {
  test(`makeDir2: returns 0 and creates the directory along with any parent paths that do not exist (${form.label})`, async () => {
    const top = `/${unique('climate')}`;
    assert.equal(await callIn(server, form, 'makeDir2', [['token', token], ['path', `${top}/asia/east`]]), 0);
    for (const path of [top, `${top}/asia`, `${top}/asia/east`]) assert.equal(await isDir(path), true, path);
  });
}

test('makeDir2: without a leading separator the directories are created under the root (EMEA/flowers)', async () => {
  const top = unique('EMEA');
  assert.equal(await call(server, 'makeDir2', [token, `${top}/flowers`]), 0);
  assert.equal(await isDir(`/${top}/flowers`), true);
});

test("makeDir2: sets the parent directory's mtime to the current time", async () => {
  const parent = await freshDir('mk2-parent');
  await ageMtime(server, token, parent);
  assert.equal(await call(server, 'makeDir2', [token, `${parent}/a/b`]), 0);
  await assertMtimeMoved(server, token, parent);
});

test('makeDir2: creates leading paths under an existing directory', async () => {
  const parent = await freshDir('mk2-existing');
  assert.equal(await call(server, 'makeDir2', [token, `${parent}/x/y/z`]), 0);
  assert.equal(await isDir(`${parent}/x/y/z`), true);
});

test('makeDir2: returns 0 when the directory already exists', async () => {
  const dir = await freshDir('mk2-twice');
  assert.equal(await call(server, 'makeDir2', [token, dir]), 0);
});

test('makeDir2: returns -2 when a file has the name of the directory to create', async () => {
  const dir = await freshDir('mk2-file');
  await upload(server, token, `${dir}/b`);
  assert.equal(await call(server, 'makeDir2', [token, `${dir}/b`]), -2);
});

test('makeDir2: returns -2 when a file has the name of a leading path segment', async () => {
  const dir = await freshDir('mk2-file-on-way');
  await upload(server, token, `${dir}/b`);
  assert.equal(await call(server, 'makeDir2', [token, `${dir}/b/c/d`]), -2);
  assert.equal((await call(server, 'stat', [token, `${dir}/b`])).type, 2);
});

test('makeDir2: returns -10001 for an invalid token', async () => {
  for (const version of [1, 2] as const) assert.equal(await call(server, 'makeDir2', [UNKNOWN_TOKEN, '/x/y'], { version }), -10001);
});

// --- deleteDir -----------------------------------------------------------------

for (const form of FORMS) {
  test(`deleteDir: returns 0 and deletes the directory (${form.label})`, async () => {
    const dir = await freshDir('tempDelete');
    assert.equal(await callIn(server, form, 'deleteDir', [['token', token], ['path', dir]]), 0);
    assert.equal(await statCode(server, token, dir), -1);
  });
}

test("deleteDir: sets the parent directory's mtime to the current time", async () => {
  const parent = await freshDir('del-parent');
  await mkdir(`${parent}/child`);
  await ageMtime(server, token, parent);
  assert.equal(await call(server, 'deleteDir', [token, `${parent}/child`]), 0);
  await assertMtimeMoved(server, token, parent);
});

test('deleteDir: returns -1 when the directory does not exist', async () => {
  assert.equal(await call(server, 'deleteDir', [token, `/${unique('never')}`]), -1);
});

test('deleteDir: returns -1 when the path is a file, and keeps the file', async () => {
  const dir = await freshDir('del-file');
  await upload(server, token, `${dir}/f.txt`);
  assert.equal(await call(server, 'deleteDir', [token, `${dir}/f.txt`]), -1);
  assert.equal(await statCode(server, token, `${dir}/f.txt`), 0);
});

test('deleteDir: returns -1 for an invalid path', async () => {
  assert.equal(await call(server, 'deleteDir', [token, '/a/../b']), -1);
});

test('deleteDir: returns -7 when the directory contains sub-directories (the makeDir2 /has-sub-dirs/sub-dir sample)', async () => {
  const dir = `/${unique('has-sub-dirs')}`;
  assert.equal(await call(server, 'makeDir2', [token, `${dir}/sub-dir`]), 0);
  assert.equal(await call(server, 'deleteDir', [token, dir]), -7);
  assert.equal(await isDir(`${dir}/sub-dir`), true);
});

test('deleteDir: returns -7 when the directory contains files', async () => {
  const dir = await freshDir('has-files');
  await upload(server, token, `${dir}/f.txt`);
  assert.equal(await call(server, 'deleteDir', [token, dir]), -7);
  assert.equal(await statCode(server, token, `${dir}/f.txt`), 0);
});

test('deleteDir: returns -6 (permission denied) for the root', async () => {
  for (const path of ['/', '']) assert.equal(await call(server, 'deleteDir', [token, path]), -6);
  assert.equal(await isDir('/'), true);
});

test('deleteDir: returns -10001 for an invalid token', async () => {
  const dir = await freshDir('del-token');
  for (const version of [1, 2] as const) assert.equal(await call(server, 'deleteDir', [UNKNOWN_TOKEN, dir], { version }), -10001);
  assert.equal(await isDir(dir), true);
});

// --- listDir -------------------------------------------------------------------

for (const form of FORMS) {
  test(`listDir: returns {code: 0, cookie, list} of {name, type: 1}, directories only (${form.label})`, async () => {
    const dir = await freshDir('list');
    for (const name of ['picture', 'video']) await mkdir(`${dir}/${name}`);
    await upload(server, token, `${dir}/not-a-dir.txt`);
    const answer = await callIn(server, form, 'listDir', [['token', token], ['path', dir], ['pageSize', 10], ['cookie', 0], ['stat', false]]);
    assert.deepEqual(answer, { code: 0, cookie: 2, list: [{ name: 'picture', type: 1 }, { name: 'video', type: 1 }] });
  });
}

test('listDir: with stat true each directory has a stat object {uid, gid, ctime, mtime}', async () => {
  const dir = await freshDir('list-stat');
  await mkdir(`${dir}/picture`);
  const s = await call(server, 'stat', [token, `${dir}/picture`, true]);
  const answer = await call(server, 'listDir', [token, dir, 1, 0, true]);
  assert.deepEqual(answer, {
    code: 0,
    cookie: 1,
    list: [{ stat: { uid: s.uid, gid: s.gid, ctime: s.ctime, mtime: s.mtime }, name: 'picture', type: 1 }],
  });
  assert.equal(s.gid, 100);
});

test('listDir: with only the required arguments, all directories come back and the cookie counts them (the picture/video/dir10 sample)', async () => {
  const dir = await freshDir('list-required');
  for (const name of ['picture', 'video', 'dir10']) await mkdir(`${dir}/${name}`);
  const answer = await call(server, 'listDir', [token, dir]);
  assert.equal(answer.code, 0);
  assert.equal(answer.cookie, 3);
  assert.deepEqual(answer.list, byteOrder(['picture', 'video', 'dir10']).map((name) => ({ name, type: 1 })));
});

test('listDir: pageSize defaults to 100, cookie to 0, stat to false', async () => {
  const dir = await freshDir('list-defaults');
  const names = Array.from({ length: 101 }, (_, i) => `d${String(i).padStart(3, '0')}`);
  for (const name of names) await mkdir(`${dir}/${name}`);
  const first = await call(server, 'listDir', { token, path: dir });
  assert.equal(first.code, 0);
  assert.equal(first.list.length, 100);
  assert.equal(first.cookie, 100);
  assert.deepEqual(first.list[0], { name: 'd000', type: 1 });
  const rest = await call(server, 'listDir', { token, path: dir, cookie: first.cookie });
  assert.deepEqual(rest, { code: 0, cookie: 101, list: [{ name: 'd100', type: 1 }] });
  assert.deepEqual(await call(server, 'listDir', { token, path: dir, cookie: rest.cookie }), { code: 0, cookie: 0, list: [] });
});

test('listDir: looping while the cookie is non-zero returns every directory once, in byte order of names', async () => {
  const dir = await freshDir('list-loop');
  const names = ['b', 'B', 'a', '_', 'é', 'a b', '0', 'Z'];
  for (const name of names) await mkdir(`${dir}/${name}`);
  const seen: string[] = [];
  let answer = await call(server, 'listDir', [token, dir, 3, 0, false]);
  while (answer.cookie > 0) {
    assert.equal(answer.code, 0);
    seen.push(...answer.list.map((e: { name: string }) => e.name));
    assert.equal(answer.cookie, seen.length);
    answer = await call(server, 'listDir', [token, dir, 3, answer.cookie, false]);
  }
  assert.deepEqual(answer, { code: 0, cookie: 0, list: [] });
  assert.deepEqual(seen, byteOrder(names));
});

test('listDir: an empty directory returns {code: 0, cookie: 0, list: []}', async () => {
  const dir = await freshDir('list-empty');
  assert.deepEqual(await call(server, 'listDir', [token, dir]), { code: 0, cookie: 0, list: [] });
});

test('listDir: a cookie past the end returns an empty list and cookie 0', async () => {
  const dir = await freshDir('list-past');
  await mkdir(`${dir}/a`);
  assert.deepEqual(await call(server, 'listDir', [token, dir, 10, 50]), { code: 0, cookie: 0, list: [] });
});

test('listDir: pageSize 10000 is accepted', async () => {
  const dir = await freshDir('list-max');
  await mkdir(`${dir}/a`);
  assert.equal((await call(server, 'listDir', [token, dir, 10000])).code, 0);
});

test('listDir: lists the root', async () => {
  const name = unique('root-entry');
  await mkdir(`/${name}`);
  const answer = await call(server, 'listDir', [token, '/', 10000]);
  assert.equal(answer.code, 0);
  assert.ok(answer.list.some((e: { name: string }) => e.name === name), `${name} not listed`);
});

const LIST_DIR_FAILURES: ReadonlyArray<{ name: string; params: (dir: string) => unknown; code: number }> = [
  { name: 'returns -1 when the path does not exist', params: (dir) => [token, `${dir}/missing`], code: -1 },
  { name: 'returns -1 when the path is a file', params: (dir) => [token, `${dir}/f.txt`], code: -1 },
  { name: 'returns -1 for an invalid path', params: (dir) => [token, `${dir}/../x`], code: -1 },
  { name: 'returns -11 for a negative cookie', params: (dir) => [token, dir, 10, -1], code: -11 },
  { name: 'returns -11 for a cookie that is not an integer', params: (dir) => [token, dir, 10, 1.5], code: -11 },
  { name: 'returns -12 for pageSize 0', params: (dir) => [token, dir, 0], code: -12 },
  { name: 'returns -12 for a negative pageSize', params: (dir) => [token, dir, -5], code: -12 },
  { name: 'returns -12 for a pageSize greater than 10000', params: (dir) => [token, dir, 10001], code: -12 },
  { name: 'returns -12 for a pageSize that is not an integer', params: (dir) => ({ token, path: dir, pageSize: 2.5 }), code: -12 },
  { name: 'returns -10001 for an invalid token', params: (dir) => [UNKNOWN_TOKEN, dir], code: -10001 },
];

for (const row of LIST_DIR_FAILURES) {
  test(`listDir: ${row.name}; failure is {code}`, async () => {
    const dir = await freshDir('list-fail');
    await upload(server, token, `${dir}/f.txt`);
    for (const version of [1, 2] as const) {
      assert.deepEqual(await call(server, 'listDir', row.params(dir), { version }), { code: row.code });
    }
  });
}
