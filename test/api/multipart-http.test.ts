/**
 * The multipart HTTP interface against a real server
 * (working_with_multipart_http.md: /multipart/create, /multipart/piece and
 * /multipart/complete; uploading_files_multipart.md; using_utf8.md; the
 * multipart example of file_upload_examples.md). Limits are small per-test
 * servers set up through the ORIGINSTORE_MULTIPART_* settings.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { expectAgile, postComplete, postCreate, postPiece, sha256, streamedGet } from '../helpers/multipart.js';
import { ageMtime, assertMtimeMoved, call, statCode, unique, UNKNOWN_TOKEN } from '../helpers/rpc.js';
import { rawRequest } from '../helpers/http.js';
import { ACCOUNT, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let token: string;

before(async () => {
  server = await startServer();
  token = await server.login();
});
after(() => server.close());

async function freshDir(prefix = 'mp'): Promise<string> {
  const dir = `/${unique(prefix)}`;
  assert.equal(await call(server, 'makeDir', [token, dir]), 0);
  return dir;
}

/** POST /multipart/create as alice (or with `t`; null sends no token). */
function create(headers: Record<string, string>, t: string | null = token, on: TestServer = server): Promise<Response> {
  return postCreate(on.url, t === null ? headers : { 'X-Agile-Authorization': t, ...headers });
}

/** A new upload of `basename` in `dir`; returns its mpid. */
async function newUpload(dir: string, basename: string, t = token, on: TestServer = server): Promise<string> {
  const res = await create({ 'X-Agile-Directory': dir, 'X-Agile-Basename': basename }, t, on);
  await expectAgile(res, 200, 0);
  const mpid = res.headers.get('x-agile-multipart');
  assert.match(mpid ?? '', /^[0-9a-f]{32}$/);
  return mpid!;
}

async function addPiece(mpid: string, part: number, data: string | Buffer, t = token, on: TestServer = server): Promise<void> {
  await expectAgile(await postPiece(on.url, t, mpid, part, data), 200, 0);
}

async function status(mpid: string, t = token, on: TestServer = server): Promise<any> {
  return call(on, 'getMultipartStatus', [t, mpid]);
}

/** Complete over HTTP and wait for the join to end. */
async function completeAndJoin(mpid: string, t = token, on: TestServer = server): Promise<Response> {
  const res = await postComplete(on.url, t, mpid);
  await on.app.services.joiner.idle();
  return res;
}

// --- Begin a Multipart Upload: POST /multipart/create ----------------------------------------------

test('multipart/create: the sample request answers 200, X-Agile-Status 0, X-Agile-Multipart, X-Agile-Path /{account}/<dir>/<basename> and X-Agile-Meta: content_type=None mtime=0', async () => {
  const dir = await freshDir('multipart');
  const res = await create({ 'X-Agile-Basename': 'multipart1.txt', 'X-Agile-Directory': dir });
  await expectAgile(res, 200, 0);
  assert.match(res.headers.get('x-agile-multipart') ?? '', /^[0-9a-f]{32}$/);
  assert.equal(res.headers.get('x-agile-path'), `/${ACCOUNT}${dir}/multipart1.txt`);
  assert.equal(res.headers.get('x-agile-meta'), 'content_type=None mtime=0');
  assert.equal(res.headers.get('content-type'), 'text/json;charset=utf-8');
});

test('multipart/create: "The final destination file will not be created until you have added pieces to, and completed, the upload"', async () => {
  const dir = await freshDir();
  const mpid = await newUpload(dir, 'later.txt');
  await addPiece(mpid, 1, 'not yet');
  assert.equal(await statCode(server, token, `${dir}/later.txt`), -1);
  assert.equal((await fetch(`${server.url}/${ACCOUNT}${dir}/later.txt`, { method: 'HEAD' })).status, 404);
});

test('multipart/create: without X-Agile-Basename the file is named mpart-<UUID4 in hex notation>', async () => {
  const dir = await freshDir();
  const paths: string[] = [];
  for (let i = 0; i < 2; i++) {
    const res = await create({ 'X-Agile-Directory': dir });
    await expectAgile(res, 200, 0);
    const path = res.headers.get('x-agile-path') ?? '';
    assert.match(path, new RegExp(`^/${ACCOUNT}${dir}/mpart-[0-9a-f]{32}$`));
    paths.push(path);
  }
  assert.notEqual(paths[0], paths[1]);
});

test('multipart/create: X-Agile-Directory defaults to the root directory /', async () => {
  const name = `${unique('at-root')}.bin`;
  const res = await create({ 'X-Agile-Basename': name });
  await expectAgile(res, 200, 0);
  assert.equal(res.headers.get('x-agile-path'), `/${ACCOUNT}/${name}`);
  const st = await status(res.headers.get('x-agile-multipart')!);
  assert.equal(st.path, `/${ACCOUNT}/${name}`);
});

test('multipart/create: X-Agile-Meta echoes the values passed in X-Agile-Content-Type and X-Agile-MTime', async () => {
  const dir = await freshDir();
  const res = await create({
    'X-Agile-Directory': dir, 'X-Agile-Basename': 'novel', 'X-Agile-Content-Type': 'text/plain', 'X-Agile-MTime': '1437426380',
  });
  await expectAgile(res, 200, 0);
  assert.equal(res.headers.get('x-agile-meta'), 'content_type=text/plain mtime=1437426380');
  const st = await status(res.headers.get('x-agile-multipart')!);
  assert.equal(st.content_type, 'text/plain');
  assert.equal(st.mtime, 1437426380);
});

test('multipart/create: X-Agile-Meta echoes X-Agile-MTime alone, with content_type=None', async () => {
  const dir = await freshDir();
  const res = await create({ 'X-Agile-Directory': dir, 'X-Agile-Basename': 'a.txt', 'X-Agile-MTime': '1461947066' });
  await expectAgile(res, 200, 0);
  assert.equal(res.headers.get('x-agile-meta'), 'content_type=None mtime=1461947066');
});

test('multipart/create: without X-Agile-Content-Type the type is derived from the destination file extension', async () => {
  const dir = await freshDir();
  const mpid = await newUpload(dir, 'rock-climbing.mpg');
  assert.equal((await status(mpid)).content_type, 'video/mpeg');
  await addPiece(mpid, 1, 'not really a movie');
  await expectAgile(await completeAndJoin(mpid), 200, 0);
  assert.equal((await call(server, 'stat', [token, `${dir}/rock-climbing.mpg`, true])).mimetype, 'video/mpeg');
});

test('multipart/create: X-Agile-Content-Type sets the content type of the final file', async () => {
  const dir = await freshDir();
  const res = await create({ 'X-Agile-Directory': dir, 'X-Agile-Basename': 'data.bin', 'X-Agile-Content-Type': 'text/plain' });
  await expectAgile(res, 200, 0);
  const mpid = res.headers.get('x-agile-multipart')!;
  await addPiece(mpid, 1, 'plain text');
  await expectAgile(await completeAndJoin(mpid), 200, 0);
  assert.equal((await call(server, 'stat', [token, `${dir}/data.bin`, true])).mimetype, 'text/plain');
  const head = await fetch(`${server.url}/${ACCOUNT}${dir}/data.bin`, { method: 'HEAD' });
  assert.equal(head.headers.get('content-type'), 'text/plain');
});

test('multipart/create: -21 @ 400 for an invalid content type', async () => {
  const dir = await freshDir();
  const res = await create({ 'X-Agile-Directory': dir, 'X-Agile-Basename': 'a.txt', 'X-Agile-Content-Type': 'no/such-type' });
  await expectAgile(res, 400, -21);
  assert.equal(res.headers.get('x-agile-multipart'), null);
});

for (const mtime of ['yesterday', '-5', '1.5', '0x10']) {
  test(`multipart/create: -20 @ 400 for an invalid last modified time (X-Agile-MTime: ${mtime})`, async () => {
    const dir = await freshDir();
    await expectAgile(await create({ 'X-Agile-Directory': dir, 'X-Agile-Basename': 'a.txt', 'X-Agile-MTime': mtime }), 400, -20);
  });
}

test('multipart/create: X-Agile-MTime "Defaults to zero (current time)": the final file gets the creation time', async () => {
  const dir = await freshDir();
  const res = await create({ 'X-Agile-Directory': dir, 'X-Agile-Basename': 'now.txt', 'X-Agile-MTime': '0' });
  await expectAgile(res, 200, 0);
  assert.equal(res.headers.get('x-agile-meta'), 'content_type=None mtime=0');
  const mpid = res.headers.get('x-agile-multipart')!;
  const created = (await status(mpid)).created;
  await addPiece(mpid, 1, 'x');
  await completeAndJoin(mpid);
  assert.equal((await call(server, 'stat', [token, `${dir}/now.txt`])).mtime, created);
});

test('multipart/create: the final file has the mtime passed in X-Agile-MTime', async () => {
  const dir = await freshDir();
  const res = await create({ 'X-Agile-Directory': dir, 'X-Agile-Basename': 'old.txt', 'X-Agile-MTime': '1437426380' });
  await expectAgile(res, 200, 0);
  const mpid = res.headers.get('x-agile-multipart')!;
  await addPiece(mpid, 1, 'x');
  await completeAndJoin(mpid);
  assert.equal((await call(server, 'stat', [token, `${dir}/old.txt`])).mtime, 1437426380);
});

test('multipart/create: with X-Agile-Encoding: UTF8, X-Agile-Basename and X-Agile-Directory are URI-unquoted', async () => {
  const dir = await freshDir('utf8');
  const sub = 'файлы';
  assert.equal(await call(server, 'makeDir', [token, `${dir}/${sub}`]), 0);
  const res = await create({
    'X-Agile-Directory': encodeURIComponent(`${dir}/${sub}`).replaceAll('%2F', '/'),
    'X-Agile-Basename': encodeURIComponent('今日は test.txt'),
    'X-Agile-Encoding': 'UTF8',
  });
  await expectAgile(res, 200, 0);
  const mpid = res.headers.get('x-agile-multipart')!;
  assert.equal((await status(mpid)).path, `/${ACCOUNT}${dir}/${sub}/今日は test.txt`);
  assert.equal(decodeURIComponent(res.headers.get('x-agile-path') ?? ''), `/${ACCOUNT}${dir}/${sub}/今日は test.txt`);
  await addPiece(mpid, 1, 'utf8');
  await completeAndJoin(mpid);
  assert.equal(await statCode(server, token, `${dir}/${sub}/今日は test.txt`), 0);
});

test('multipart/create: "Characters %20 and + turn into spaces" under X-Agile-Encoding: UTF8', async () => {
  const dir = await freshDir();
  const res = await create({ 'X-Agile-Directory': dir, 'X-Agile-Basename': 'a+b%20c.txt', 'X-Agile-Encoding': 'UTF8' });
  await expectAgile(res, 200, 0);
  assert.equal((await status(res.headers.get('x-agile-multipart')!)).path, `/${ACCOUNT}${dir}/a b c.txt`);
});

for (const encoding of ['latin1', 'UTF16', 'ascii-ish']) {
  test(`multipart/create: -51 @ 400 for an invalid encoding type (X-Agile-Encoding: ${encoding})`, async () => {
    const dir = await freshDir();
    await expectAgile(await create({ 'X-Agile-Directory': dir, 'X-Agile-Basename': 'a.txt', 'X-Agile-Encoding': encoding }), 400, -51);
  });
}

const badPaths: ReadonlyArray<{ name: string; headers: (dir: string) => Record<string, string> }> = [
  { name: 'a path longer than 4096 bytes', headers: (dir) => ({ 'X-Agile-Directory': dir, 'X-Agile-Basename': 'x'.repeat(4097) }) },
  { name: 'a NUL byte in a UTF8-quoted X-Agile-Basename', headers: (dir) => ({ 'X-Agile-Directory': dir, 'X-Agile-Basename': 'a%00b.txt', 'X-Agile-Encoding': 'UTF8' }) },
  { name: "a '..' segment in X-Agile-Directory", headers: (dir) => ({ 'X-Agile-Directory': `${dir}/../..`, 'X-Agile-Basename': 'a.txt' }) },
  { name: "'..' as X-Agile-Basename", headers: (dir) => ({ 'X-Agile-Directory': dir, 'X-Agile-Basename': '..' }) },
  { name: 'a UTF8 value that is not correctly URI-quoted', headers: (dir) => ({ 'X-Agile-Directory': dir, 'X-Agile-Basename': 'bad%zz.txt', 'X-Agile-Encoding': 'UTF8' }) },
];
for (const row of badPaths) {
  test(`multipart/create: -16 @ 400 for an invalid path: ${row.name}`, async () => {
    const dir = await freshDir();
    const res = await create(row.headers(dir));
    await expectAgile(res, 400, -16);
    assert.equal(res.headers.get('x-agile-multipart'), null);
  });
}

test('multipart/create: -23 @ 400 when one or more parent segments in X-Agile-Directory do not exist', async () => {
  const dir = await freshDir();
  await expectAgile(await create({ 'X-Agile-Directory': `${dir}/missing`, 'X-Agile-Basename': 'a.txt' }), 400, -23);
  await expectAgile(await create({ 'X-Agile-Directory': `${dir}/missing/deeper`, 'X-Agile-Basename': 'a.txt' }), 400, -23);
});

test('multipart/create: -23 @ 400 when a parent segment is a file', async () => {
  const dir = await freshDir();
  const res = await server.postRaw('file', { 'X-Agile-Authorization': token, 'X-Agile-Directory': dir, 'X-Agile-Basename': 'plain' });
  await expectAgile(res, 200, 0);
  await expectAgile(await create({ 'X-Agile-Directory': `${dir}/plain`, 'X-Agile-Basename': 'a.txt' }), 400, -23);
});

test('multipart/create: -1 @ 400 when the upload would exceed the maximum number of multipart uploads not completed or aborted', async (t) => {
  const limited = await startServer({ env: { ORIGINSTORE_MULTIPART_MAX_OPEN: '2' } });
  t.after(() => limited.close());
  const alice = await limited.login();
  const first = await newUpload('/', 'one.txt', alice, limited);
  await newUpload('/', 'two.txt', alice, limited);
  await expectAgile(await create({ 'X-Agile-Basename': 'three.txt' }, alice, limited), 400, -1);
  // Completed or aborted uploads no longer count.
  await addPiece(first, 1, 'one', alice, limited);
  await expectAgile(await postComplete(limited.url, alice, first), 200, 0);
  await limited.app.services.joiner.idle();
  await newUpload('/', 'three.txt', alice, limited);
  await expectAgile(await create({ 'X-Agile-Basename': 'four.txt' }, alice, limited), 400, -1);
});

test('multipart/create: 401 with -10001 without X-Agile-Authorization; 403 with -10001 for an invalid token', async () => {
  await expectAgile(await create({ 'X-Agile-Basename': 'a.txt' }, null), 401, -10001);
  await expectAgile(await create({ 'X-Agile-Basename': 'a.txt' }, UNKNOWN_TOKEN), 403, -10001);
});

// --- Create a Multipart Piece: POST /multipart/piece -------------------------------------------------

test('multipart/piece: answers 200 with X-Agile-Checksum (the piece\'s SHA-256 hex digest) and X-Agile-Size (its size in bytes)', async () => {
  const dir = await freshDir();
  const mpid = await newUpload(dir, 'piece.txt');
  const data = 'twenty-three bytes long';
  const res = await postPiece(server.url, token, mpid, 1, data);
  await expectAgile(res, 200, 0);
  assert.equal(res.headers.get('x-agile-checksum'), sha256(data));
  assert.equal(res.headers.get('x-agile-size'), '23');
  assert.equal(res.headers.get('content-type'), 'text/json;charset=utf-8');
});

test('multipart/piece: an empty piece is accepted with size 0', async () => {
  const dir = await freshDir();
  const mpid = await newUpload(dir, 'empty.txt');
  const res = await postPiece(server.url, token, mpid, 1, '');
  await expectAgile(res, 200, 0);
  assert.equal(res.headers.get('x-agile-size'), '0');
  assert.equal(res.headers.get('x-agile-checksum'), sha256(''));
});

test('multipart/piece: "You can add pieces in any order" as long as there are no gaps when completing', async () => {
  const dir = await freshDir();
  const mpid = await newUpload(dir, 'any-order.txt');
  await addPiece(mpid, 3, 'three;');
  await addPiece(mpid, 1, 'one;');
  await addPiece(mpid, 2, 'two;');
  await expectAgile(await completeAndJoin(mpid), 200, 0);
  const got = await fetch(`${server.url}/${ACCOUNT}${dir}/any-order.txt`);
  assert.equal(await got.text(), 'one;two;three;');
});

test('multipart/piece: "Adding a piece with a duplicate part number replaces the existing piece"', async () => {
  const dir = await freshDir();
  const mpid = await newUpload(dir, 'dup.txt');
  await addPiece(mpid, 1, 'first-1;');
  await addPiece(mpid, 2, 'first-2;');
  await addPiece(mpid, 1, 'second-1;');
  const res = await completeAndJoin(mpid);
  await expectAgile(res, 200, 0);
  assert.equal(res.headers.get('x-agile-parts'), '2');
  const got = await fetch(`${server.url}/${ACCOUNT}${dir}/dup.txt`);
  assert.equal(await got.text(), 'second-1;first-2;');
});

test('multipart/piece: -2 @ 400 for an invalid multipart ID in X-Agile-Multipart', async () => {
  for (const mpid of ['00000000000000000000000000000000', 'not-an-id', '', '5d50c59de3e645ac8df0f209290c1c2']) {
    await expectAgile(await postPiece(server.url, token, mpid, 1, 'x'), 400, -2);
  }
  const res = await fetch(`${server.url}/multipart/piece`, { method: 'POST', headers: { 'X-Agile-Authorization': token, 'X-Agile-Part': '1' }, body: 'x' });
  await expectAgile(res, 400, -2);
});

test('multipart/piece: "Multipart identifiers can only be used and managed by the user who created" them: -2 @ 400 for another user', async () => {
  await server.app.services.admin.addUser(ACCOUNT, 'bob-piece', 'pw');
  const bob = await server.login('bob-piece', 'pw');
  const dir = await freshDir();
  const mpid = await newUpload(dir, 'alice.txt');
  await expectAgile(await postPiece(server.url, bob, mpid, 1, 'intruder'), 400, -2);
  assert.equal((await status(mpid)).state, 1, 'the upload took a piece from another user');
  await expectAgile(await postComplete(server.url, bob, mpid), 400, -2);
});

for (const part of ['0', '-1', 'abc', '', ' ', '1.5', '1e3', '0x1', '1234567890']) {
  test(`multipart/piece: -3 @ 400 for an invalid piece number in X-Agile-Part (${JSON.stringify(part)})`, async () => {
    const dir = await freshDir();
    const mpid = await newUpload(dir, 'bad-part.txt');
    await expectAgile(await postPiece(server.url, token, mpid, part, 'x'), 400, -3);
    assert.equal((await status(mpid)).state, 1);
  });
}

test('multipart/piece: -3 @ 400 without X-Agile-Part', async () => {
  const dir = await freshDir();
  const mpid = await newUpload(dir, 'no-part.txt');
  const res = await fetch(`${server.url}/multipart/piece`, {
    method: 'POST', headers: { 'X-Agile-Authorization': token, 'X-Agile-Multipart': mpid }, body: 'x',
  });
  await expectAgile(res, 400, -3);
});

test('multipart/piece: -8 @ 400 when adding a piece to an upload that has been completed', async () => {
  const dir = await freshDir();
  const mpid = await newUpload(dir, 'closed.txt');
  await addPiece(mpid, 1, 'one');
  await expectAgile(await postComplete(server.url, token, mpid), 200, 0);
  await expectAgile(await postPiece(server.url, token, mpid, 2, 'two'), 400, -8);
  await server.app.services.joiner.idle();
  await expectAgile(await postPiece(server.url, token, mpid, 2, 'two'), 400, -8);
  assert.equal(await (await fetch(`${server.url}/${ACCOUNT}${dir}/closed.txt`)).text(), 'one');
});

test('multipart/piece: -17 @ 400 when adding a piece to an upload that has been aborted', async () => {
  const dir = await freshDir();
  const mpid = await newUpload(dir, 'aborted.txt');
  await addPiece(mpid, 1, 'one');
  assert.equal(await call(server, 'abortMultipart', [token, mpid]), 0);
  await expectAgile(await postPiece(server.url, token, mpid, 2, 'two'), 400, -17);
  await expectAgile(await postPiece(server.url, token, mpid, 1, 'one again'), 400, -17);
});

test('multipart/piece: -6 @ 400 when the optional X-Agile-Checksum does not match the piece', async () => {
  const dir = await freshDir();
  const mpid = await newUpload(dir, 'checked.txt');
  await server.app.services.garbage.drain();
  const blobs = await server.blobs.count();
  await expectAgile(await postPiece(server.url, token, mpid, 1, 'data', { 'X-Agile-Checksum': sha256('other data') }), 400, -6);
  await expectAgile(await postPiece(server.url, token, mpid, 1, 'data', { 'X-Agile-Checksum': 'not-a-digest' }), 400, -6);
  const pieces = await call(server, 'listMultipartPiece', [token, mpid]);
  assert.deepEqual(pieces.pieces, [], 'a refused piece was recorded');
  assert.equal(await server.blobs.count(), blobs, 'a refused piece left its blob behind');
  const ok = await postPiece(server.url, token, mpid, 1, 'data', { 'X-Agile-Checksum': sha256('data').toUpperCase() });
  await expectAgile(ok, 200, 0);
  assert.equal(ok.headers.get('x-agile-checksum'), sha256('data'));
});

test('multipart/piece: -49 @ 500 when the size received does not match the Content-Length the client sent; nothing is recorded', async () => {
  const dir = await freshDir();
  const mpid = await newUpload(dir, 'short.bin');
  await server.app.services.garbage.drain();
  const blobs = await server.blobs.count();
  const request = `POST /multipart/piece HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Agile-Authorization: ${token}\r\n` +
    `X-Agile-Multipart: ${mpid}\r\nX-Agile-Part: 1\r\nContent-Length: 100\r\n\r\nonly 21 bytes of 100`;
  // The client closes its side after 21 bytes: the server sees the end of the body early.
  const answer = await rawRequest(server.port, request, { halfClose: true });
  assert.equal(answer.status, 500);
  assert.equal(answer.headers['x-agile-status'], '-49');
  assert.equal(answer.headers['access-control-allow-origin'], '*');
  assert.deepEqual((await call(server, 'listMultipartPiece', [token, mpid])).pieces, [], 'a short piece was recorded');
  assert.equal((await status(mpid)).state, 1, 'a short piece moved the upload to READY');
  assert.equal(await server.blobs.count(), blobs, 'a short piece left a blob behind');
  await expectAgile(await postComplete(server.url, token, mpid), 400, -4);
});

test('multipart/piece: 401 with -10001 without X-Agile-Authorization; 403 with -10001 for an invalid token', async () => {
  const dir = await freshDir();
  const mpid = await newUpload(dir, 'auth.txt');
  await expectAgile(await postPiece(server.url, undefined, mpid, 1, 'x'), 401, -10001);
  await expectAgile(await postPiece(server.url, UNKNOWN_TOKEN, mpid, 1, 'x'), 403, -10001);
  assert.equal((await status(mpid)).state, 1);
});

// --- the limits: pieces per upload, piece size, upload size ---------------------------------------

/** A server whose limits are small enough to reach: 3 pieces, 10 bytes a piece, 25 bytes an upload. */
async function limitedServer(t: { after(fn: () => Promise<void>): void }): Promise<{ limited: TestServer; alice: string }> {
  const limited = await startServer({
    env: { ORIGINSTORE_MULTIPART_MAX_PIECES: '3', ORIGINSTORE_MULTIPART_MAX_PIECE_SIZE: '10', ORIGINSTORE_MULTIPART_MAX_SIZE: '25' },
  });
  t.after(() => limited.close());
  return { limited, alice: await limited.login() };
}

test('multipart/piece: -10 @ 400 for a piece that would exceed the maximum number of pieces', async (t) => {
  const { limited, alice } = await limitedServer(t);
  const mpid = await newUpload('/', 'many.txt', alice, limited);
  await addPiece(mpid, 3, 'c', alice, limited);
  await expectAgile(await postPiece(limited.url, alice, mpid, 4, 'd'), 400, -10);
  await expectAgile(await postPiece(limited.url, alice, mpid, 999_999_999, 'd'), 400, -10);
  await addPiece(mpid, 1, 'a', alice, limited);
  await addPiece(mpid, 2, 'b', alice, limited);
  const res = await completeAndJoin(mpid, alice, limited);
  await expectAgile(res, 200, 0);
  assert.equal(res.headers.get('x-agile-parts'), '3');
});

test('multipart/piece: -11 @ 400 for a piece larger than the maximum allowable size', async (t) => {
  const { limited, alice } = await limitedServer(t);
  const mpid = await newUpload('/', 'big-piece.txt', alice, limited);
  await expectAgile(await postPiece(limited.url, alice, mpid, 1, 'x'.repeat(11)), 400, -11);
  await addPiece(mpid, 1, 'x'.repeat(10), alice, limited);
  const pieces = await call(limited, 'listMultipartPiece', [alice, mpid]);
  assert.deepEqual(pieces.pieces.map((p: any) => p.size), [10]);
});

test('multipart/piece: -11 @ 400 for a piece sent without Content-Length that grows past the maximum size', async (t) => {
  const { limited, alice } = await limitedServer(t);
  const mpid = await newUpload('/', 'chunked.txt', alice, limited);
  const chunks = [Buffer.from('123456'), Buffer.from('789012')];
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
  const res = await fetch(`${limited.url}/multipart/piece`, {
    method: 'POST',
    headers: { 'X-Agile-Authorization': alice, 'X-Agile-Multipart': mpid, 'X-Agile-Part': '1' },
    body,
    duplex: 'half',
  } as RequestInit);
  await expectAgile(res, 400, -11);
  assert.equal((await status(mpid, alice, limited)).state, 1);
  assert.equal(await limited.blobs.count(), 0, 'the refused piece was kept');
  assert.equal(await limited.blobs.temporaries(), 0, 'the refused piece left a temporary');
});

test('multipart/piece: -25 @ 400 for a piece that would make the upload exceed its maximum size', async (t) => {
  const { limited, alice } = await limitedServer(t);
  const mpid = await newUpload('/', 'total.txt', alice, limited);
  await addPiece(mpid, 1, 'a'.repeat(10), alice, limited);
  await addPiece(mpid, 2, 'b'.repeat(10), alice, limited);
  await expectAgile(await postPiece(limited.url, alice, mpid, 3, 'c'.repeat(6)), 400, -25);
  // A replaced piece no longer counts: 10 + 5 + 10 = 25 fits.
  await addPiece(mpid, 2, 'b'.repeat(5), alice, limited);
  await addPiece(mpid, 3, 'c'.repeat(10), alice, limited);
  await expectAgile(await completeAndJoin(mpid, alice, limited), 200, 0);
  const got = await streamedGet(`${limited.url}/${ACCOUNT}/total.txt`);
  assert.equal(got.sizeBytes, 25);
  assert.equal(got.sha256, sha256(`${'a'.repeat(10)}${'b'.repeat(5)}${'c'.repeat(10)}`));
});

// --- Complete a Multipart Upload: POST /multipart/complete -------------------------------------------

test('multipart/complete: answers 200 with X-Agile-Parts (total pieces) and X-Agile-Multipart; the file then has the pieces joined in order', async () => {
  const dir = await freshDir('multipart');
  const mpid = await newUpload(dir, 'text-file1.txt');
  const pieces = ['Lorem ipsum dolor sit amet, ', 'consectetur adipiscing elit, ', 'sed do eiusmod tempor.'];
  for (const [i, p] of pieces.entries()) await addPiece(mpid, i + 1, p);
  const res = await postComplete(server.url, token, mpid);
  await expectAgile(res, 200, 0);
  assert.equal(res.headers.get('x-agile-parts'), '3');
  assert.equal(res.headers.get('x-agile-multipart'), mpid);
  await server.app.services.joiner.idle();
  const whole = pieces.join('');
  const head = await fetch(`${server.url}/${ACCOUNT}${dir}/text-file1.txt`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String(whole.length));
  assert.equal(head.headers.get('x-agile-checksum'), sha256(whole));
  const st = await call(server, 'stat', [token, `${dir}/text-file1.txt`, true]);
  assert.equal(st.checksum, sha256(whole));
  assert.equal(st.size, whole.length);
  assert.equal(st.mimetype, 'text/plain');
});

test('multipart/complete: "When the file creation is complete, the system sets the parent directory\'s mtime"', async () => {
  const dir = await freshDir();
  const mpid = await newUpload(dir, 'touch.txt');
  await addPiece(mpid, 1, 'x');
  await ageMtime(server, token, dir);
  await expectAgile(await completeAndJoin(mpid), 200, 0);
  await assertMtimeMoved(server, token, dir);
});

test('multipart/complete: a completed upload replaces an existing file of the same name', async () => {
  const dir = await freshDir();
  await expectAgile(await server.postRaw('old content', { 'X-Agile-Authorization': token, 'X-Agile-Directory': dir, 'X-Agile-Basename': 'same.txt' }), 200, 0);
  const mpid = await newUpload(dir, 'same.txt');
  await addPiece(mpid, 1, 'new content');
  await expectAgile(await completeAndJoin(mpid), 200, 0);
  assert.equal(await (await fetch(`${server.url}/${ACCOUNT}${dir}/same.txt`)).text(), 'new content');
});

test('multipart/complete: -2 @ 400 for an invalid ID in X-Agile-Multipart', async () => {
  await expectAgile(await postComplete(server.url, token, '00000000000000000000000000000000'), 400, -2);
  await expectAgile(await postComplete(server.url, token, 'junk'), 400, -2);
  await expectAgile(await fetch(`${server.url}/multipart/complete`, { method: 'POST', headers: { 'X-Agile-Authorization': token } }), 400, -2);
});

test('multipart/complete: -4 @ 400 for an upload that has no pieces', async () => {
  const dir = await freshDir();
  const mpid = await newUpload(dir, 'none.txt');
  await expectAgile(await postComplete(server.url, token, mpid), 400, -4);
  assert.equal((await status(mpid)).state, 1);
  // "You can't complete a multipart upload that has no pieces, you can only abort it."
  assert.equal(await call(server, 'abortMultipart', [token, mpid]), 0);
});

test('multipart/complete: -5 @ 400 when piece numbers are not contiguous (pieces 1 and 3 without 2)', async () => {
  const dir = await freshDir();
  const mpid = await newUpload(dir, 'gap.txt');
  await addPiece(mpid, 1, 'one');
  await addPiece(mpid, 3, 'three');
  await expectAgile(await postComplete(server.url, token, mpid), 400, -5);
  assert.equal((await status(mpid)).state, 2);
  await addPiece(mpid, 2, 'two');
  await expectAgile(await completeAndJoin(mpid), 200, 0);
  assert.equal(await (await fetch(`${server.url}/${ACCOUNT}${dir}/gap.txt`)).text(), 'onetwothree');
});

test('multipart/complete: -5 @ 400 when the pieces do not start at 1', async () => {
  const dir = await freshDir();
  const mpid = await newUpload(dir, 'from-two.txt');
  await addPiece(mpid, 2, 'two');
  await addPiece(mpid, 3, 'three');
  await expectAgile(await postComplete(server.url, token, mpid), 400, -5);
});

test('multipart/complete: -8 @ 400 for an upload that has already been completed', async () => {
  const dir = await freshDir();
  const mpid = await newUpload(dir, 'twice.txt');
  await addPiece(mpid, 1, 'once');
  await expectAgile(await postComplete(server.url, token, mpid), 200, 0);
  await expectAgile(await postComplete(server.url, token, mpid), 400, -8);
  await server.app.services.joiner.idle();
  await expectAgile(await postComplete(server.url, token, mpid), 400, -8);
  assert.equal((await status(mpid)).state, 6);
});

test('multipart/complete: -17 @ 400 for an upload that has been aborted', async () => {
  const dir = await freshDir();
  const mpid = await newUpload(dir, 'gone.txt');
  await addPiece(mpid, 1, 'x');
  assert.equal(await call(server, 'abortMultipart', [token, mpid]), 0);
  await expectAgile(await postComplete(server.url, token, mpid), 400, -17);
  assert.equal(await statCode(server, token, `${dir}/gone.txt`), -1);
});

test('multipart/complete: 401 with -10001 without X-Agile-Authorization; 403 with -10001 for an invalid token', async () => {
  const dir = await freshDir();
  const mpid = await newUpload(dir, 'auth.txt');
  await addPiece(mpid, 1, 'x');
  await expectAgile(await postComplete(server.url, undefined, mpid), 401, -10001);
  await expectAgile(await postComplete(server.url, UNKNOWN_TOKEN, mpid), 403, -10001);
  assert.equal((await status(mpid)).state, 2);
});

test('multipart: the example of file_upload_examples.md end to end (create, one piece, complete, HEAD, stat)', async () => {
  const dir = await freshDir('multipart');
  const content = Buffer.from('The quick brown fox jumps over the lazy dog, seventy bytes long text.\n');
  const r = await create({ 'X-Agile-Basename': 'text-file1.txt', 'X-Agile-Directory': dir });
  await expectAgile(r, 200, 0);
  assert.equal(r.headers.get('x-agile-meta'), 'content_type=None mtime=0');
  const mpid = r.headers.get('x-agile-multipart')!;
  assert.equal((await fetch(`${server.url}/${ACCOUNT}${dir}/text-file1.txt`, { method: 'HEAD' })).status, 404);
  const r2 = await postPiece(server.url, token, mpid, '1', content);
  await expectAgile(r2, 200, 0);
  assert.equal(r2.headers.get('x-agile-checksum'), sha256(content));
  assert.equal(r2.headers.get('x-agile-size'), String(content.length));
  const r3 = await postComplete(server.url, token, mpid);
  await expectAgile(r3, 200, 0);
  assert.equal(r3.headers.get('x-agile-parts'), '1');
  await server.app.services.joiner.idle();
  const r4 = await fetch(`${server.url}/${ACCOUNT}${dir}/text-file1.txt`, { method: 'HEAD' });
  assert.equal(r4.status, 200);
  assert.equal(r4.headers.get('x-agile-checksum'), sha256(content));
  assert.equal(r4.headers.get('content-length'), String(content.length));
  assert.equal(r4.headers.get('content-type'), 'text/plain');
  const st = await call(server, 'stat', [token, `${dir}/text-file1.txt`, true]);
  assert.equal(st.code, 0);
  assert.equal(st.checksum, sha256(content));
  assert.equal(st.size, content.length);
  assert.equal(st.type, 2);
});
