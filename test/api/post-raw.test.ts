/**
 * POST /post/raw against a real server (uploading_files_nonmultipart.md,
 * "File Raw Post", "Content Type Handling"; using_utf8.md;
 * path_segment_and_file_name_limitations.md; file_upload_examples.md).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { rawRequest, sha256, statOf, utf8Bytes, utf8Header } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let token: string;

before(async () => {
  server = await startServer();
  token = await server.login();
});
after(() => server.close());

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const BINARY = Buffer.from([0x00, 0x01, 0x02, 0xfe, 0xff, 0x00, 0x13, 0x37]);
/** Formats a magic-number library knows and the Content Types table does not list. */
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 '), Buffer.alloc(40)]);
const GZIP = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3]), Buffer.alloc(30)]);

let seq = 0;
/** A fresh directory under the root for one test, so tests do not see each other's files. */
async function freshDir(): Promise<string> {
  const dir = `/raw-${++seq}`;
  assert.equal(await server.rpc('makeDir', [token, dir]), 0);
  return dir;
}

function upload(data: string | Buffer, headers: Record<string, string>, withToken = true): Promise<Response> {
  return server.postRaw(data, withToken ? { 'X-Agile-Authorization': token, ...headers } : headers);
}

async function expectStatus(res: Response, httpStatus: number, agileStatus: number): Promise<void> {
  await res.arrayBuffer();
  assert.equal(res.status, httpStatus, `HTTP status (X-Agile-Status ${res.headers.get('x-agile-status')})`);
  assert.equal(res.headers.get('x-agile-status'), String(agileStatus));
}

async function mimeOf(path: string): Promise<string | undefined> {
  const st = await statOf(server.rpc, token, path);
  assert.equal(st.code, 0, `stat ${path}`);
  return st.mimetype;
}

async function blobFiles(): Promise<number> {
  return server.blobs.count();
}

// --- success and the answer headers -------------------------------------------------------------

test('post/raw: answers 200 with X-Agile-Status 0, X-Agile-Path with the account, X-Agile-Size and X-Agile-Checksum', async () => {
  const dir = await freshDir();
  const res = await upload('Sample data', { 'X-Agile-Basename': 'sample.txt', 'X-Agile-Directory': dir });
  assert.equal(await res.text(), '');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-agile-status'), '0');
  assert.equal(res.headers.get('x-agile-path'), `/acme${dir}/sample.txt`);
  assert.equal(res.headers.get('x-agile-size'), '11');
  assert.equal(res.headers.get('x-agile-checksum'), sha256('Sample data'));
  assert.equal(res.headers.get('content-type'), 'text/json;charset=utf-8');
  const st = await statOf(server.rpc, token, `${dir}/sample.txt`);
  assert.equal(st.size, 11);
  assert.equal(st.checksum, sha256('Sample data'));
});

test('post/raw: without X-Agile-Basename the file is named post-<UUID4 in hex notation>', async () => {
  const dir = await freshDir();
  const res = await upload('nameless', { 'X-Agile-Directory': dir });
  await expectStatus(res, 200, 0);
  const path = res.headers.get('x-agile-path') ?? '';
  assert.match(path, new RegExp(`^/acme${dir}/post-[0-9a-f]{32}$`));
  assert.equal((await statOf(server.rpc, token, path.slice('/acme'.length))).code, 0);
  const second = await upload('nameless', { 'X-Agile-Directory': dir });
  await second.arrayBuffer();
  assert.notEqual(second.headers.get('x-agile-path'), path, 'each upload gets its own name');
});

test('post/raw: without X-Agile-Directory the file goes to the root directory', async () => {
  const res = await upload('at the root', { 'X-Agile-Basename': 'root-file.txt' });
  await expectStatus(res, 200, 0);
  assert.equal(res.headers.get('x-agile-path'), '/acme/root-file.txt');
});

test('post/raw: a directory without a leading slash is read from the root', async () => {
  const dir = await freshDir();
  const res = await upload('x', { 'X-Agile-Basename': 'rel.txt', 'X-Agile-Directory': dir.slice(1) });
  await expectStatus(res, 200, 0);
  assert.equal(res.headers.get('x-agile-path'), `/acme${dir}/rel.txt`);
});

test("post/raw: an X-Agile-Basename with slashes keeps its last component, as the vendor example's '/test.mp3'", async () => {
  const dir = await freshDir();
  const res = await upload('ID3', { 'X-Agile-Basename': '/test.mp3', 'X-Agile-Directory': dir });
  await expectStatus(res, 200, 0);
  assert.equal(res.headers.get('x-agile-path'), `/acme${dir}/test.mp3`);
  const nested = await upload('ID3', { 'X-Agile-Basename': '1983/img001.jpg', 'X-Agile-Directory': dir });
  await expectStatus(nested, 200, 0);
  assert.equal(nested.headers.get('x-agile-path'), `/acme${dir}/img001.jpg`);
  assert.equal(await mimeOf(`${dir}/test.mp3`), 'audio/mpeg');
});

test('post/raw: answers 200 with an empty file for Content-Length: 0', async () => {
  const dir = await freshDir();
  const res = await upload('', { 'X-Agile-Basename': 'empty.bin', 'X-Agile-Directory': dir });
  await expectStatus(res, 200, 0);
  assert.equal(res.headers.get('x-agile-size'), '0');
  assert.equal(res.headers.get('x-agile-checksum'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal((await statOf(server.rpc, token, `${dir}/empty.bin`)).size, 0);
});

test('post/raw: a chunked body is stored whole', async () => {
  const dir = await freshDir();
  const answer = await rawRequest(server.port, [
    'POST /post/raw HTTP/1.1', 'Host: localhost', `X-Agile-Authorization: ${token}`, 'X-Agile-Basename: chunked.txt',
    `X-Agile-Directory: ${dir}`, 'Transfer-Encoding: chunked', 'Connection: close', '', '5', 'hello', '6', ' world', '0', '', '',
  ].join('\r\n'));
  assert.equal(answer.status, 200);
  assert.equal(answer.headers['x-agile-status'], '0');
  assert.equal(answer.headers['x-agile-size'], '11');
  assert.equal(answer.headers['x-agile-checksum'], sha256('hello world'));
});

test('post/raw: answers -24 @400 when the request has no body at all (no Content-Length, no Transfer-Encoding)', async () => {
  const dir = await freshDir();
  const answer = await rawRequest(server.port, [
    'POST /post/raw HTTP/1.1', 'Host: localhost', `X-Agile-Authorization: ${token}`, 'X-Agile-Basename: nobody.txt',
    `X-Agile-Directory: ${dir}`, 'Connection: close', '', '',
  ].join('\r\n'));
  assert.equal(answer.status, 400);
  assert.equal(answer.headers['x-agile-status'], '-24');
  assert.equal((await statOf(server.rpc, token, `${dir}/nobody.txt`)).code, -1);
});

test('post/raw: uploading over an existing file replaces it', async () => {
  const dir = await freshDir();
  await expectStatus(await upload('first version', { 'X-Agile-Basename': 'v.txt', 'X-Agile-Directory': dir }), 200, 0);
  const res = await upload('the second, longer version', { 'X-Agile-Basename': 'v.txt', 'X-Agile-Directory': dir });
  await expectStatus(res, 200, 0);
  assert.equal(res.headers.get('x-agile-size'), '26');
  const got = await fetch(`${server.url}/acme${dir}/v.txt`);
  assert.equal(await got.text(), 'the second, longer version');
  const listed = await server.rpc('listFile', [token, dir]);
  assert.equal(listed.list.length, 1);
});

test('post/raw: answers -2 @400 when the name is held by a directory', async () => {
  const dir = await freshDir();
  assert.equal(await server.rpc('makeDir', [token, `${dir}/taken`]), 0);
  await expectStatus(await upload('x', { 'X-Agile-Basename': 'taken', 'X-Agile-Directory': dir }), 400, -2);
  assert.equal((await statOf(server.rpc, token, `${dir}/taken`)).type, 1, 'the directory is still a directory');
});

test("post/raw: sets the parent directory's mtime to the current time", async () => {
  const dir = await freshDir();
  assert.equal(await server.rpc('setMTime', [token, dir, 1000]), 0);
  const before = Math.floor(Date.now() / 1000);
  await expectStatus(await upload('x', { 'X-Agile-Basename': 'touch.txt', 'X-Agile-Directory': dir }), 200, 0);
  const st = await statOf(server.rpc, token, dir);
  assert.ok(st.mtime >= before, `parent mtime ${st.mtime} is the upload time`);
});

// --- authorization --------------------------------------------------------------------------------

test('post/raw: answers -10001 @401 without X-Agile-Authorization', async () => {
  await expectStatus(await upload('x', { 'X-Agile-Basename': 'noauth.txt' }, false), 401, -10001);
  assert.equal((await statOf(server.rpc, token, '/noauth.txt')).code, -1);
});

test('post/raw: answers -10001 @403 for an invalid token', async () => {
  const res = await upload('x', { 'X-Agile-Authorization': '00000000-0000-4000-8000-000000000000', 'X-Agile-Basename': 'badauth.txt' }, false);
  await expectStatus(res, 403, -10001);
  assert.equal((await statOf(server.rpc, token, '/badauth.txt')).code, -1);
});

// --- X-Agile-Directory and X-Agile-Recursive -------------------------------------------------------

test('post/raw: answers -3 @400 when a leading path of X-Agile-Directory does not exist', async () => {
  const dir = await freshDir();
  await expectStatus(await upload('x', { 'X-Agile-Basename': 'a.txt', 'X-Agile-Directory': `${dir}/no/such` }), 400, -3);
  assert.equal((await statOf(server.rpc, token, `${dir}/no`)).code, -1, 'no directory was created');
});

const recursiveRows = [
  { value: 'true', creates: true },
  { value: 'yes', creates: true },
  { value: '1', creates: true },
  { value: 'false', creates: false },
  { value: 'no', creates: false },
  { value: '0', creates: false },
];
for (const row of recursiveRows) {
  test(`post/raw: X-Agile-Recursive: ${row.value} ${row.creates ? 'creates' : 'does not create'} missing leading paths`, async () => {
    const dir = await freshDir();
    const res = await upload('x', { 'X-Agile-Basename': 'r.txt', 'X-Agile-Directory': `${dir}/a/b`, 'X-Agile-Recursive': row.value });
    if (row.creates) {
      await expectStatus(res, 200, 0);
      assert.equal(res.headers.get('x-agile-path'), `/acme${dir}/a/b/r.txt`);
      assert.equal((await statOf(server.rpc, token, `${dir}/a/b`)).type, 1);
    } else {
      await expectStatus(res, 400, -3);
      assert.equal((await statOf(server.rpc, token, `${dir}/a`)).code, -1);
    }
  });
}

test('post/raw: answers -39 @400 for an invalid X-Agile-Recursive value', async () => {
  const dir = await freshDir();
  await expectStatus(await upload('x', { 'X-Agile-Basename': 'r.txt', 'X-Agile-Directory': `${dir}/a`, 'X-Agile-Recursive': 'maybe' }), 400, -39);
  assert.equal((await statOf(server.rpc, token, `${dir}/a`)).code, -1);
});

// --- invalid paths ----------------------------------------------------------------------------------

const badPathRows: { name: string; headers: Record<string, string> }[] = [
  { name: "a '..' segment in X-Agile-Directory", headers: { 'X-Agile-Directory': '/a/../b', 'X-Agile-Basename': 'x.txt' } },
  { name: "a '.' segment in X-Agile-Directory", headers: { 'X-Agile-Directory': '/./b', 'X-Agile-Basename': 'x.txt' } },
  { name: "X-Agile-Basename '..'", headers: { 'X-Agile-Basename': '..' } },
  { name: 'an X-Agile-Basename with two consecutive periods', headers: { 'X-Agile-Basename': 'a..b.txt' } },
  { name: 'an X-Agile-Directory longer than 4096 bytes', headers: { 'X-Agile-Directory': `/${'d'.repeat(4100)}`, 'X-Agile-Basename': 'x.txt' } },
  {
    name: 'a path (directory + file name) longer than 4096 bytes',
    headers: { 'X-Agile-Directory': `/${'d'.repeat(4000)}`, 'X-Agile-Basename': `${'f'.repeat(200)}.txt`, 'X-Agile-Recursive': 'true' },
  },
  { name: 'a NUL byte in a UTF8-quoted X-Agile-Basename', headers: { 'X-Agile-Basename': 'a%00b.txt', 'X-Agile-Encoding': 'UTF8' } },
  { name: "an encoded '..' segment in a UTF8-quoted X-Agile-Directory", headers: { 'X-Agile-Directory': '%2E%2E%2Fetc', 'X-Agile-Basename': 'x.txt', 'X-Agile-Encoding': 'UTF8', 'X-Agile-Recursive': 'true' } },
];
for (const row of badPathRows) {
  test(`post/raw: answers -8 @400 for ${row.name}`, async () => {
    const before = await server.rpc('listPath', [token, '/', 1000]);
    await expectStatus(await upload('x', row.headers), 400, -8);
    assert.deepEqual(await server.rpc('listPath', [token, '/', 1000]), before, 'nothing was created');
  });
}

// --- X-Agile-MTime -------------------------------------------------------------------------------

test('post/raw: X-Agile-MTime sets the file modification time', async () => {
  const dir = await freshDir();
  await expectStatus(await upload('x', { 'X-Agile-Basename': 'm.txt', 'X-Agile-Directory': dir, 'X-Agile-MTime': '1439831425' }), 200, 0);
  assert.equal((await statOf(server.rpc, token, `${dir}/m.txt`)).mtime, 1439831425);
});

test('post/raw: X-Agile-MTime 0 means the current time', async () => {
  const dir = await freshDir();
  const before = Math.floor(Date.now() / 1000);
  await expectStatus(await upload('x', { 'X-Agile-Basename': 'm0.txt', 'X-Agile-Directory': dir, 'X-Agile-MTime': '0' }), 200, 0);
  assert.ok((await statOf(server.rpc, token, `${dir}/m0.txt`)).mtime >= before);
});

for (const value of ['yesterday', '-5', '1.5', '253402300800']) {
  test(`post/raw: answers -27 @400 for X-Agile-MTime '${value}'`, async () => {
    const dir = await freshDir();
    await expectStatus(await upload('x', { 'X-Agile-Basename': 'm.txt', 'X-Agile-Directory': dir, 'X-Agile-MTime': value }), 400, -27);
    assert.equal((await statOf(server.rpc, token, `${dir}/m.txt`)).code, -1);
  });
}

// --- X-Agile-Checksum ------------------------------------------------------------------------------

test('post/raw: stores the file when X-Agile-Checksum matches', async () => {
  const dir = await freshDir();
  const data = 'checked content';
  const res = await upload(data, { 'X-Agile-Basename': 'c.txt', 'X-Agile-Directory': dir, 'X-Agile-Checksum': sha256(data).toUpperCase() });
  await expectStatus(res, 200, 0);
  assert.equal(res.headers.get('x-agile-checksum'), sha256(data));
});

for (const row of [
  { name: 'does not match', checksum: sha256('something else') },
  { name: 'is not a SHA-256 digest', checksum: 'not-a-checksum' },
]) {
  test(`post/raw: answers -26 and stores nothing when X-Agile-Checksum ${row.name}`, async () => {
    const dir = await freshDir();
    const blobsBefore = await blobFiles();
    const res = await upload('checked content', { 'X-Agile-Basename': 'c.txt', 'X-Agile-Directory': dir, 'X-Agile-Checksum': row.checksum });
    await expectStatus(res, 400, -26);
    assert.equal((await statOf(server.rpc, token, `${dir}/c.txt`)).code, -1);
    assert.equal(await blobFiles(), blobsBefore, 'the received bytes were removed');
    assert.equal(await server.blobs.temporaries(), 0);
  });
}

test('post/raw: a -26 answer carries X-Agile-Size and X-Agile-Checksum of the bytes received, and no X-Agile-Path', async () => {
  const dir = await freshDir();
  const res = await upload('what was really sent', { 'X-Agile-Basename': 'c.txt', 'X-Agile-Directory': dir, 'X-Agile-Checksum': sha256('what the client meant') });
  await expectStatus(res, 400, -26);
  assert.equal(res.headers.get('x-agile-size'), String('what was really sent'.length));
  assert.equal(res.headers.get('x-agile-checksum'), sha256('what was really sent'));
  assert.equal(res.headers.get('x-agile-path'), null, 'nothing was stored');
});

test('post/raw: a mismatching X-Agile-Checksum leaves an existing file as it was', async () => {
  const dir = await freshDir();
  await expectStatus(await upload('original', { 'X-Agile-Basename': 'keep.txt', 'X-Agile-Directory': dir }), 200, 0);
  const res = await upload('replacement', { 'X-Agile-Basename': 'keep.txt', 'X-Agile-Directory': dir, 'X-Agile-Checksum': sha256('nope') });
  await expectStatus(res, 400, -26);
  assert.equal(await (await fetch(`${server.url}/acme${dir}/keep.txt`)).text(), 'original');
});

// --- X-Agile-Expose-Egress -------------------------------------------------------------------------

for (const value of ['PARTIAL', 'COMPLETE', 'POLICY']) {
  test(`post/raw: X-Agile-Expose-Egress: ${value} is accepted and the file is served once complete`, async () => {
    const dir = await freshDir();
    await expectStatus(await upload('egress', { 'X-Agile-Basename': 'e.txt', 'X-Agile-Directory': dir, 'X-Agile-Expose-Egress': value }), 200, 0);
    assert.equal(await (await fetch(`${server.url}/acme${dir}/e.txt`)).text(), 'egress');
  });
}

test('post/raw: answers -21 @400 for an invalid X-Agile-Expose-Egress value', async () => {
  const dir = await freshDir();
  await expectStatus(await upload('x', { 'X-Agile-Basename': 'e.txt', 'X-Agile-Directory': dir, 'X-Agile-Expose-Egress': 'SOMETIMES' }), 400, -21);
  assert.equal((await statOf(server.rpc, token, `${dir}/e.txt`)).code, -1);
});

// --- X-Agile-Encoding ------------------------------------------------------------------------------

const utf8Rows = [
  { name: '%20 turns into a space', basename: 'test%20file.txt', stored: 'test file.txt', answered: 'test%20file.txt' },
  { name: '+ turns into a space', basename: 'plus+name.txt', stored: 'plus name.txt', answered: 'plus%20name.txt' },
  { name: 'UTF-8 characters are URI-unquoted', basename: '%E4%BB%8A%E6%97%A5%E3%81%AF.txt', stored: '今日は.txt', answered: '%E4%BB%8A%E6%97%A5%E3%81%AF.txt' },
  {
    name: 'quoted special characters keep their meaning',
    basename: '100%25%20sure%2C%20a%26b%3Dc%3B%40%24.txt',
    stored: '100% sure, a&b=c;@$.txt',
    answered: '100%25%20sure%2C%20a%26b%3Dc%3B%40%24.txt',
  },
];
for (const row of utf8Rows) {
  test(`post/raw: with X-Agile-Encoding: UTF8, ${row.name} and X-Agile-Path is answered URI-quoted`, async () => {
    const dir = await freshDir();
    const res = await upload('utf8', { 'X-Agile-Basename': row.basename, 'X-Agile-Directory': dir, 'X-Agile-Encoding': 'UTF8' });
    await expectStatus(res, 200, 0);
    assert.equal(res.headers.get('x-agile-path'), `/acme${dir}/${row.answered}`);
    const listed = await server.rpc('listFile', [token, dir]);
    assert.deepEqual(listed.list.map((e: { name: string }) => e.name), [row.stored]);
  });
}

test('post/raw: with X-Agile-Encoding: UTF8 the directory is URI-unquoted too, keeping its slashes', async () => {
  const dir = await freshDir();
  const res = await upload('utf8', {
    'X-Agile-Basename': 'f.txt', 'X-Agile-Directory': `${dir}/caf%C3%A9/%D1%84%D0%B0%D0%B9%D0%BB%D1%8B`,
    'X-Agile-Encoding': 'UTF8', 'X-Agile-Recursive': 'true',
  });
  await expectStatus(res, 200, 0);
  assert.equal(res.headers.get('x-agile-path'), `/acme${dir}/caf%C3%A9/%D1%84%D0%B0%D0%B9%D0%BB%D1%8B/f.txt`);
  assert.equal((await statOf(server.rpc, token, `${dir}/café/файлы/f.txt`)).code, 0);
});

test('post/raw: without X-Agile-Encoding a quoted name is taken literally (US ASCII)', async () => {
  const dir = await freshDir();
  const res = await upload('ascii', { 'X-Agile-Basename': 'a%20b.txt', 'X-Agile-Directory': dir });
  await expectStatus(res, 200, 0);
  assert.equal(res.headers.get('x-agile-path'), `/acme${dir}/a%20b.txt`);
  assert.equal((await statOf(server.rpc, token, `${dir}/a%20b.txt`)).code, 0);
});

test('post/raw: without X-Agile-Encoding raw UTF-8 header bytes are read as UTF-8 and echoed as UTF-8 bytes', async () => {
  const dir = await freshDir();
  const res = await upload('raw utf8', { 'X-Agile-Basename': utf8Bytes('тї_私する.txt'), 'X-Agile-Directory': dir });
  await expectStatus(res, 200, 0);
  assert.equal(utf8Header(res.headers.get('x-agile-path')), `/acme${dir}/тї_私する.txt`);
  assert.equal((await statOf(server.rpc, token, `${dir}/тї_私する.txt`)).code, 0);
});

for (const value of ['latin1', 'UTF16', 'ascii']) {
  test(`post/raw: answers -51 @400 for X-Agile-Encoding: ${value}`, async () => {
    const dir = await freshDir();
    await expectStatus(await upload('x', { 'X-Agile-Basename': 'enc.txt', 'X-Agile-Directory': dir, 'X-Agile-Encoding': value }), 400, -51);
    assert.equal((await statOf(server.rpc, token, `${dir}/enc.txt`)).code, -1);
  });
}

// --- content types ---------------------------------------------------------------------------------

test('post/raw: answers -33 @400 for an X-Agile-Content-Type that is not in the Content Types table', async () => {
  const dir = await freshDir();
  await expectStatus(await upload('x', { 'X-Agile-Basename': 'ct.txt', 'X-Agile-Directory': dir, 'X-Agile-Content-Type': 'application/x-nonsense' }), 400, -33);
  assert.equal((await statOf(server.rpc, token, `${dir}/ct.txt`)).code, -1);
});

test('post/raw: answers -33 @400 for the legacy X-Content-Type: auto', async () => {
  const dir = await freshDir();
  await expectStatus(await upload('x', { 'X-Agile-Basename': 'ct.txt', 'X-Agile-Directory': dir, 'X-Content-Type': 'auto' }), 400, -33);
});

for (const name of ['X-Agile-Content-Detect', 'X-Content-Detect']) {
  test(`post/raw: answers -48 @400 for an invalid ${name} value`, async () => {
    const dir = await freshDir();
    await expectStatus(await upload('x', { 'X-Agile-Basename': 'cd.txt', 'X-Agile-Directory': dir, [name]: 'guess' }), 400, -48);
    assert.equal((await statOf(server.rpc, token, `${dir}/cd.txt`)).code, -1);
  });
}

interface ContentRow {
  readonly name: string;
  readonly basename: string;
  readonly data: Buffer | string;
  readonly headers: Record<string, string>;
  readonly mime: string;
}

// "Content Type Handling": X-Agile-Content-Type over X-Agile-Content-Detect; application/octet-stream
// means "detect by name"; neither header means auto (by name, then by content).
const contentRows: ContentRow[] = [
  { name: 'a valid X-Agile-Content-Type is stored as given', basename: 'pic.bin', data: PNG, headers: { 'X-Agile-Content-Type': 'image/gif' }, mime: 'image/gif' },
  { name: 'X-Agile-Content-Type is matched case-insensitively', basename: 'x.dat', data: 'x', headers: { 'X-Agile-Content-Type': 'Video/MP4' }, mime: 'video/mp4' },
  { name: 'X-Agile-Content-Type takes precedence over X-Agile-Content-Detect', basename: 'pic.png', data: PNG, headers: { 'X-Agile-Content-Type': 'text/css', 'X-Agile-Content-Detect': 'content' }, mime: 'text/css' },
  { name: 'X-Agile-Content-Type: application/octet-stream detects the type from the file name', basename: 'doc.pdf', data: 'x', headers: { 'X-Agile-Content-Type': 'application/octet-stream' }, mime: 'application/pdf' },
  { name: 'X-Agile-Content-Type: application/octet-stream does not scan the content', basename: 'noext', data: PNG, headers: { 'X-Agile-Content-Type': 'application/octet-stream' }, mime: 'application/octet-stream' },
  { name: 'X-Agile-Content-Detect: name looks up the extension', basename: 'song.mp3', data: PNG, headers: { 'X-Agile-Content-Detect': 'name' }, mime: 'audio/mpeg' },
  { name: 'X-Agile-Content-Detect: name with an unknown extension is application/octet-stream', basename: 'noext', data: PNG, headers: { 'X-Agile-Content-Detect': 'name' }, mime: 'application/octet-stream' },
  { name: 'X-Agile-Content-Detect: content scans the bytes, ignoring the name', basename: 'pic.txt', data: PNG, headers: { 'X-Agile-Content-Detect': 'content' }, mime: 'image/png' },
  { name: 'X-Agile-Content-Detect: auto looks up by name first', basename: 'pic.gif', data: PNG, headers: { 'X-Agile-Content-Detect': 'auto' }, mime: 'image/gif' },
  { name: 'X-Agile-Content-Detect: auto scans the content when no name matches', basename: 'noext', data: GIF, headers: { 'X-Agile-Content-Detect': 'auto' }, mime: 'image/gif' },
  { name: 'without either header the name decides (auto)', basename: 'page.html', data: PNG, headers: {}, mime: 'text/html' },
  { name: 'without either header an unknown name falls back to the content (auto)', basename: 'noext', data: PNG, headers: {}, mime: 'image/png' },
  { name: 'without either header unknown text content is text/plain', basename: 'README', data: 'just some words\n', headers: {}, mime: 'text/plain' },
  { name: 'without either header unknown binary content is application/octet-stream', basename: 'blob', data: BINARY, headers: {}, mime: 'application/octet-stream' },
  { name: 'content detection keeps to the Content Types table: a WebP image (not in it) is application/octet-stream', basename: 'noext', data: WEBP, headers: { 'X-Agile-Content-Detect': 'content' }, mime: 'application/octet-stream' },
  { name: 'content detection keeps to the Content Types table: gzip data (not in it) is application/octet-stream', basename: 'noext', data: GZIP, headers: {}, mime: 'application/octet-stream' },
  { name: 'legacy X-Agile-Content-Type: name detects by name', basename: 'style.css', data: PNG, headers: { 'X-Agile-Content-Type': 'name' }, mime: 'text/css' },
  { name: 'legacy X-Agile-Content-Type: content detects by content', basename: 'style.css', data: PNG, headers: { 'X-Agile-Content-Type': 'content' }, mime: 'image/png' },
  { name: 'legacy X-Agile-Content-Type: auto detects by name, then content', basename: 'noext', data: PNG, headers: { 'X-Agile-Content-Type': 'auto' }, mime: 'image/png' },
  { name: 'the legacy X-Content-Type header with a valid type is honoured', basename: 'x.dat', data: 'x', headers: { 'X-Content-Type': 'application/json' }, mime: 'application/json' },
  { name: 'the request Content-Type is not the file type (the body is not a form attachment)', basename: 'page.html', data: 'x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, mime: 'text/html' },
];
for (const row of contentRows) {
  test(`post/raw: content type: ${row.name}`, async () => {
    const dir = await freshDir();
    await expectStatus(await upload(row.data, { 'X-Agile-Basename': row.basename, 'X-Agile-Directory': dir, ...row.headers }), 200, 0);
    assert.equal(await mimeOf(`${dir}/${row.basename}`), row.mime);
    const got = await fetch(`${server.url}/acme${dir}/${row.basename}`, { method: 'HEAD' });
    assert.equal(got.headers.get('content-type'), row.mime, 'egress serves the stored type');
  });
}

test("post/raw: the vendor's curl sample (all headers) stores /symbols/warning/warning.png", async () => {
  assert.equal(await server.rpc('makeDir2', [token, '/symbols/warning']), 0);
  const res = await upload(PNG, {
    'X-Agile-Basename': 'warning.png', 'X-Agile-Content-Detect': 'name', 'X-Agile-Content-Type': 'image/png',
    'X-Agile-Directory': '/symbols/warning', 'X-Agile-Expose-Egress': 'POLICY', 'X-Agile-MTime': '0',
  });
  await expectStatus(res, 200, 0);
  assert.equal(res.headers.get('x-agile-path'), '/acme/symbols/warning/warning.png');
  assert.equal(res.headers.get('x-agile-size'), String(PNG.length));
  assert.equal(res.headers.get('x-agile-checksum'), sha256(PNG));
});
