/**
 * Files over JSON-RPC (working_with_files_json.md): listFile, deleteFile and
 * setContentType; plus copyFile(token, path, newpath) and
 * deleteObject(token, path), which the vendor's C# SDK calls and the docs do
 * not describe (the project's choices are tested as they are).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ACCOUNT, startServer, type TestServer } from '../helpers/server.js';
import {
  ageMtime, assertMtimeMoved, call, callIn, FORMS, sha256Hex, statCode, unique, UNKNOWN_TOKEN, upload,
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

async function statOf(path: string, t = token): Promise<any> {
  const s = await call(server, 'stat', [t, path, true]);
  assert.equal(s.code, 0, `stat ${path}`);
  return s;
}

async function egress(path: string): Promise<Response> {
  return fetch(`${server.url}/${ACCOUNT}${path}`);
}

function byteOrder(names: readonly string[]): string[] {
  return [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

// --- listFile ------------------------------------------------------------------

for (const form of FORMS) {
  test(`listFile: returns {code: 0, cookie, list} of {name, type: 2}, files only (${form.label})`, async () => {
    const dir = await freshDir('list');
    await upload(server, token, `${dir}/flat-irons.jpg`);
    await upload(server, token, `${dir}/farm-cat.jpg`);
    assert.equal(await call(server, 'makeDir', [token, `${dir}/not-a-file`]), 0);
    const answer = await callIn(server, form, 'listFile', [['token', token], ['path', dir], ['pageSize', 10], ['cookie', 0], ['stat', false]]);
    assert.deepEqual(answer, { code: 0, cookie: 2, list: [{ name: 'farm-cat.jpg', type: 2 }, { name: 'flat-irons.jpg', type: 2 }] });
  });
}

test('listFile: with stat true each file has a stat object {uid, gid, size, checksum, ctime, mimetype, mtime}', async () => {
  const dir = await freshDir('list-stat');
  const content = 'flat irons';
  await upload(server, token, `${dir}/flat-irons.txt`, content);
  const s = await statOf(`${dir}/flat-irons.txt`);
  const answer = await call(server, 'listFile', [token, dir, 1, 0, true]);
  assert.deepEqual(answer, {
    code: 0,
    cookie: 1,
    list: [{
      stat: { uid: s.uid, gid: 100, size: content.length, checksum: sha256Hex(content), ctime: s.ctime, mimetype: 'text/plain', mtime: s.mtime },
      name: 'flat-irons.txt',
      type: 2,
    }],
  });
});

test('listFile: pageSize defaults to 100, cookie to 0 (it may be omitted the first time), stat to false', async () => {
  const dir = await freshDir('list-defaults');
  const names = Array.from({ length: 101 }, (_, i) => `f${String(i).padStart(3, '0')}`);
  for (const name of names) await upload(server, token, `${dir}/${name}`, name);
  const first = await call(server, 'listFile', [token, dir]);
  assert.equal(first.code, 0);
  assert.equal(first.list.length, 100);
  assert.equal(first.cookie, 100);
  assert.deepEqual(first.list[99], { name: 'f099', type: 2 });
  const rest = await call(server, 'listFile', { token, path: dir, cookie: 100 });
  assert.deepEqual(rest, { code: 0, cookie: 101, list: [{ name: 'f100', type: 2 }] });
  assert.deepEqual(await call(server, 'listFile', [token, dir, 100, 101]), { code: 0, cookie: 0, list: [] });
});

test('listFile: looping in chunks of three while the cookie is non-zero returns every file once, in byte order of names', async () => {
  const dir = await freshDir('list-loop');
  const names = ['b.txt', 'B.txt', 'a.txt', '_.txt', 'é.txt', 'a b.txt', '0.txt'];
  for (const name of names) await upload(server, token, `${dir}/${name}`);
  const seen: string[] = [];
  let answer = await call(server, 'listFile', [token, dir, 3]);
  while (answer.cookie > 0) {
    seen.push(...answer.list.map((e: { name: string }) => e.name));
    answer = await call(server, 'listFile', [token, dir, 3, answer.cookie, false]);
  }
  assert.deepEqual(answer, { code: 0, cookie: 0, list: [] });
  assert.deepEqual(seen, byteOrder(names));
});

test('listFile: a directory without files returns {code: 0, cookie: 0, list: []}', async () => {
  const dir = await freshDir('list-empty');
  assert.equal(await call(server, 'makeDir', [token, `${dir}/sub`]), 0);
  assert.deepEqual(await call(server, 'listFile', [token, dir]), { code: 0, cookie: 0, list: [] });
});

const LIST_FILE_FAILURES: ReadonlyArray<{ name: string; params: (dir: string) => unknown; code: number }> = [
  { name: 'returns -1 when the path does not exist', params: (dir) => [token, `${dir}/missing`], code: -1 },
  { name: 'returns -1 when the path is a file', params: (dir) => [token, `${dir}/f.txt`], code: -1 },
  { name: 'returns -1 (invalid path) for a path with a .. segment', params: (dir) => [token, `${dir}/../x`], code: -1 },
  { name: 'returns -1 (invalid path) for a path with a NUL byte', params: (dir) => [token, `${dir}\0`], code: -1 },
  { name: 'returns -11 for a negative cookie', params: (dir) => [token, dir, 10, -1], code: -11 },
  { name: 'returns -11 for a cookie that is not an integer', params: (dir) => [token, dir, 10, 0.5], code: -11 },
  { name: 'returns -12 for pageSize 0', params: (dir) => [token, dir, 0], code: -12 },
  { name: 'returns -12 for a pageSize greater than 10000', params: (dir) => ({ token, path: dir, pageSize: 10001 }), code: -12 },
  { name: 'returns -10001 for an invalid token', params: (dir) => [UNKNOWN_TOKEN, dir], code: -10001 },
];

for (const row of LIST_FILE_FAILURES) {
  test(`listFile: ${row.name}; failure is {code}`, async () => {
    const dir = await freshDir('list-fail');
    await upload(server, token, `${dir}/f.txt`);
    for (const version of [1, 2] as const) {
      assert.deepEqual(await call(server, 'listFile', row.params(dir), { version }), { code: row.code });
    }
  });
}

// --- deleteFile ----------------------------------------------------------------

for (const form of FORMS) {
  test(`deleteFile: returns 0 and deletes the file (${form.label})`, async () => {
    const dir = await freshDir('del');
    await upload(server, token, `${dir}/DeciduousTrees.txt`);
    assert.equal(await callIn(server, form, 'deleteFile', [['token', token], ['path', `${dir}/DeciduousTrees.txt`]]), 0);
    assert.equal(await statCode(server, token, `${dir}/DeciduousTrees.txt`), -1);
    assert.equal((await egress(`${dir}/DeciduousTrees.txt`)).status, 404);
  });
}

test("deleteFile: sets the parent directory's mtime to the current time", async () => {
  const dir = await freshDir('del-parent');
  await upload(server, token, `${dir}/f.txt`);
  await ageMtime(server, token, dir);
  assert.equal(await call(server, 'deleteFile', [token, `${dir}/f.txt`]), 0);
  await assertMtimeMoved(server, token, dir);
});

test('deleteFile: returns -1 when the file does not exist', async () => {
  const dir = await freshDir('del-missing');
  assert.equal(await call(server, 'deleteFile', [token, `${dir}/example1.jpg`]), -1);
});

test('deleteFile: attempts to delete multiple files with wildcards fail with -1', async () => {
  const dir = await freshDir('del-wild');
  await upload(server, token, `${dir}/a.txt`);
  await upload(server, token, `${dir}/b.txt`);
  for (const pattern of ['*', '*.txt', '?.txt', '[ab].txt']) {
    assert.equal(await call(server, 'deleteFile', [token, `${dir}/${pattern}`]), -1, pattern);
  }
  assert.equal(await statCode(server, token, `${dir}/a.txt`), 0);
  assert.equal(await statCode(server, token, `${dir}/b.txt`), 0);
});

test('deleteFile: returns -1 for a directory, and keeps it', async () => {
  const dir = await freshDir('del-dir');
  assert.equal(await call(server, 'deleteFile', [token, dir]), -1);
  assert.equal(await statCode(server, token, dir), 0);
});

test('deleteFile: returns -1 for an invalid path', async () => {
  const dir = await freshDir('del-invalid');
  await upload(server, token, `${dir}/f.txt`);
  assert.equal(await call(server, 'deleteFile', [token, `${dir}/x/../f.txt`]), -1);
  assert.equal(await statCode(server, token, `${dir}/f.txt`), 0);
});

test('deleteFile: returns -10001 for an invalid token', async () => {
  const dir = await freshDir('del-token');
  await upload(server, token, `${dir}/f.txt`);
  for (const version of [1, 2] as const) assert.equal(await call(server, 'deleteFile', [UNKNOWN_TOKEN, `${dir}/f.txt`], { version }), -10001);
  assert.equal(await statCode(server, token, `${dir}/f.txt`), 0);
});

// --- setContentType ------------------------------------------------------------

for (const form of FORMS) {
  test(`setContentType: returns 0 and sets the file's content type (${form.label})`, async () => {
    const dir = await freshDir('ctype');
    await upload(server, token, `${dir}/cloud-storage-icon.png.bin`);
    assert.equal(await callIn(server, form, 'setContentType', [['token', token], ['path', `${dir}/cloud-storage-icon.png.bin`], ['content_type', 'image/png']]), 0);
    assert.equal((await statOf(`${dir}/cloud-storage-icon.png.bin`)).mimetype, 'image/png');
  });
}

test('setContentType: the new content type is what egress serves', async () => {
  const dir = await freshDir('ctype-egress');
  await upload(server, token, `${dir}/hi1.txt`);
  assert.equal(await call(server, 'setContentType', [token, `${dir}/hi1.txt`, 'application/json']), 0);
  const res = await egress(`${dir}/hi1.txt`);
  await res.arrayBuffer();
  assert.equal(res.headers.get('content-type'), 'application/json');
});

test('setContentType: a type from the Content Types table is accepted in any case', async () => {
  const dir = await freshDir('ctype-case');
  await upload(server, token, `${dir}/hi1.txt`);
  assert.equal(await call(server, 'setContentType', [token, `${dir}/hi1.txt`, 'Video/MP4']), 0);
  assert.equal((await statOf(`${dir}/hi1.txt`)).mimetype, 'video/mp4');
});

for (const type of ['application/x-made-up', 'image/webp', 'text', '', 'text/plain/extra']) {
  test(`setContentType: returns -33 (invalid content type) for ${JSON.stringify(type)}, not in the Content Types table`, async () => {
    const dir = await freshDir('ctype-bad');
    await upload(server, token, `${dir}/hi1.txt`);
    assert.equal(await call(server, 'setContentType', [token, `${dir}/hi1.txt`, type]), -33);
    assert.equal((await statOf(`${dir}/hi1.txt`)).mimetype, 'text/plain');
  });
}

test('setContentType: on a directory it returns 0 but has no effect', async () => {
  const dir = await freshDir('ctype-dir');
  const before = await statOf(dir);
  assert.equal(await call(server, 'setContentType', [token, dir, 'text/plain']), 0);
  assert.deepEqual(await statOf(dir), before);
  assert.equal(Object.hasOwn(before, 'mimetype'), false);
});

test('setContentType: returns -6 (permission denied) when the caller does not belong to the group that owns the file', async () => {
  const dir = await freshDir('ctype-gid');
  await upload(server, token, `${dir}/alice.txt`);
  const bob = unique('bob');
  await server.app.services.admin.addUser(ACCOUNT, bob, 'pw', { gid: 200 });
  const [bobToken, bobInfo] = await call(server, 'login', [bob, 'pw', true]);
  assert.equal(bobInfo.gid, 200);
  assert.equal((await statOf(`${dir}/alice.txt`, bobToken)).gid, 100);
  assert.equal(await call(server, 'setContentType', [bobToken, `${dir}/alice.txt`, 'image/png']), -6);
  assert.equal((await statOf(`${dir}/alice.txt`)).mimetype, 'text/plain');
  // A file of bob's own group is his to change.
  await upload(server, bobToken, `${dir}/bob.txt`);
  assert.equal(await call(server, 'setContentType', [bobToken, `${dir}/bob.txt`, 'image/png']), 0);
});

test('setContentType: returns -1 when the file does not exist', async () => {
  const dir = await freshDir('ctype-missing');
  assert.equal(await call(server, 'setContentType', [token, `${dir}/missing.txt`, 'text/plain']), -1);
});

test('setContentType: returns -3 when the parent path does not exist', async () => {
  assert.equal(await call(server, 'setContentType', [token, `/${unique('no-parent')}/hi1.txt`, 'text/plain']), -3);
});

test('setContentType: returns -8 for an invalid path', async () => {
  for (const path of ['/a/../hi1.txt', '/./hi1.txt', '/hi\0.txt']) {
    assert.equal(await call(server, 'setContentType', [token, path, 'text/plain']), -8, JSON.stringify(path));
  }
});

test('setContentType: returns -10001 for an invalid token', async () => {
  const dir = await freshDir('ctype-token');
  await upload(server, token, `${dir}/hi1.txt`);
  for (const version of [1, 2] as const) {
    assert.equal(await call(server, 'setContentType', [UNKNOWN_TOKEN, `${dir}/hi1.txt`, 'image/png'], { version }), -10001);
  }
});

// --- copyFile ------------------------------------------------------------------

for (const form of FORMS) {
  test(`copyFile: returns 0 and the copy has the source's checksum, size and mimetype (${form.label})`, async () => {
    const dir = await freshDir('copy');
    const content = 'deciduous trees of europe';
    await upload(server, token, `${dir}/example4.jpg`, content);
    assert.equal(await call(server, 'setContentType', [token, `${dir}/example4.jpg`, 'image/jpeg']), 0);
    assert.equal(await callIn(server, form, 'copyFile', [['token', token], ['path', `${dir}/example4.jpg`], ['newpath', `${dir}/example3.jpg`]]), 0);
    const source = await statOf(`${dir}/example4.jpg`);
    const copy = await statOf(`${dir}/example3.jpg`);
    assert.equal(copy.checksum, sha256Hex(content));
    assert.equal(copy.size, content.length);
    assert.equal(copy.mimetype, 'image/jpeg');
    assert.deepEqual([source.checksum, source.size, source.mimetype], [copy.checksum, copy.size, copy.mimetype]);
  });
}

test('copyFile: the copy keeps its bytes when the source is deleted', async () => {
  const dir = await freshDir('copy-bytes');
  await upload(server, token, `${dir}/src.txt`, 'payload');
  assert.equal(await call(server, 'copyFile', [token, `${dir}/src.txt`, `${dir}/dst.txt`]), 0);
  assert.equal(await call(server, 'deleteFile', [token, `${dir}/src.txt`]), 0);
  await server.app.services.garbage.drain();
  const res = await egress(`${dir}/dst.txt`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'payload');
});

test('copyFile: copies into another directory', async () => {
  const a = await freshDir('copy-from');
  const b = await freshDir('copy-to');
  await upload(server, token, `${a}/f.txt`, 'x');
  assert.equal(await call(server, 'copyFile', [token, `${a}/f.txt`, `${b}/g.txt`]), 0);
  assert.equal((await statOf(`${b}/g.txt`)).checksum, sha256Hex('x'));
  assert.equal(await statCode(server, token, `${a}/f.txt`), 0);
});

test('copyFile: an existing destination file is replaced', async () => {
  const dir = await freshDir('copy-replace');
  await upload(server, token, `${dir}/src.txt`, 'new content');
  await upload(server, token, `${dir}/dst.txt`, 'old');
  assert.equal(await call(server, 'copyFile', [token, `${dir}/src.txt`, `${dir}/dst.txt`]), 0);
  const copy = await statOf(`${dir}/dst.txt`);
  assert.equal(copy.checksum, sha256Hex('new content'));
  assert.equal(copy.size, 'new content'.length);
});

const COPY_FAILURES: ReadonlyArray<{ name: string; from: string; to: string; code: number }> = [
  { name: 'returns -1 when the source does not exist', from: 'missing.txt', to: 'copy.txt', code: -1 },
  { name: 'returns -1 when the source is a directory', from: 'sub', to: 'copy', code: -1 },
  { name: "returns -2 when the destination's parent directory does not exist", from: 'f.txt', to: 'nowhere/copy.txt', code: -2 },
  { name: 'returns -2 when the destination is a directory', from: 'f.txt', to: 'sub', code: -2 },
];

for (const row of COPY_FAILURES) {
  test(`copyFile: ${row.name}`, async () => {
    const dir = await freshDir('copy-fail');
    await upload(server, token, `${dir}/f.txt`);
    assert.equal(await call(server, 'makeDir', [token, `${dir}/sub`]), 0);
    assert.equal(await call(server, 'copyFile', [token, `${dir}/${row.from}`, `${dir}/${row.to}`]), row.code);
  });
}

test('copyFile: the destination directory is not replaced', async () => {
  const dir = await freshDir('copy-onto-dir');
  await upload(server, token, `${dir}/f.txt`);
  assert.equal(await call(server, 'makeDir', [token, `${dir}/sub`]), 0);
  assert.equal(await call(server, 'copyFile', [token, `${dir}/f.txt`, `${dir}/sub`]), -2);
  assert.equal((await statOf(`${dir}/sub`)).type, 1);
});

test('copyFile: returns -10001 for an invalid token', async () => {
  const dir = await freshDir('copy-token');
  await upload(server, token, `${dir}/f.txt`);
  for (const version of [1, 2] as const) {
    assert.equal(await call(server, 'copyFile', [UNKNOWN_TOKEN, `${dir}/f.txt`, `${dir}/g.txt`], { version }), -10001);
  }
  assert.equal(await statCode(server, token, `${dir}/g.txt`), -1);
});

// --- deleteObject --------------------------------------------------------------

for (const form of FORMS) {
  test(`deleteObject: returns 0 and deletes a file (${form.label})`, async () => {
    const dir = await freshDir('delobj');
    await upload(server, token, `${dir}/f.txt`);
    assert.equal(await callIn(server, form, 'deleteObject', [['token', token], ['path', `${dir}/f.txt`]]), 0);
    assert.equal(await statCode(server, token, `${dir}/f.txt`), -1);
  });
}

test('deleteObject: returns 0 and deletes an empty directory', async () => {
  const dir = await freshDir('delobj-dir');
  assert.equal(await call(server, 'deleteObject', [token, dir]), 0);
  assert.equal(await statCode(server, token, dir), -1);
});

test('deleteObject: returns 0 when nothing is there', async () => {
  assert.equal(await call(server, 'deleteObject', [token, `/${unique('nothing')}`]), 0);
});

test('deleteObject: returns -7 for a directory that is not empty, and deletes nothing', async () => {
  const dir = await freshDir('delobj-full');
  await upload(server, token, `${dir}/f.txt`);
  assert.equal(await call(server, 'deleteObject', [token, dir]), -7);
  assert.equal(await statCode(server, token, `${dir}/f.txt`), 0);
});

test('deleteObject: returns -6 for the root', async () => {
  for (const path of ['/', '']) assert.equal(await call(server, 'deleteObject', [token, path]), -6);
});

test('deleteObject: returns -10001 for an invalid token', async () => {
  const dir = await freshDir('delobj-token');
  for (const version of [1, 2] as const) assert.equal(await call(server, 'deleteObject', [UNKNOWN_TOKEN, dir], { version }), -10001);
  assert.equal(await statCode(server, token, dir), 0);
});
