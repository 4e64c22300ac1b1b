/**
 * POST /post/file against a real server (uploading_files_nonmultipart.md,
 * "Web Browser Upload", "Content Type Handling"; file_upload_examples.md
 * "/post/file Example"). Bodies are built with FormData and Blob, and a few
 * by hand where field order or an odd part matters.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sha256, statOf, utf8Header } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let token: string;

before(async () => {
  server = await startServer();
  token = await server.login();
});
after(() => server.close());

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

let seq = 0;
async function freshDir(): Promise<string> {
  const dir = `/file-${++seq}`;
  assert.equal(await server.rpc('makeDir', [token, dir]), 0);
  return dir;
}

interface PostOptions {
  readonly headers?: Record<string, string>;
  readonly query?: string;
  readonly withToken?: boolean;
}

function post(body: FormData | { raw: string | Buffer; boundary: string }, opts: PostOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...(opts.withToken === false ? {} : { 'X-Agile-Authorization': token }), ...(opts.headers ?? {}) };
  if (body instanceof FormData) {
    return fetch(`${server.url}/post/file${opts.query ?? ''}`, { method: 'POST', headers, body, redirect: 'manual' });
  }
  headers['Content-Type'] = `multipart/form-data; boundary=${body.boundary}`;
  return fetch(`${server.url}/post/file${opts.query ?? ''}`, { method: 'POST', headers, body: bytes(body.raw), redirect: 'manual' });
}

function form(fields: Record<string, string>, file?: { data: string | Buffer; name: string; type?: string }): FormData {
  const f = new FormData();
  if (file) f.append('uploadFile', new Blob([bytes(file.data)], file.type === undefined ? {} : { type: file.type }), file.name);
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  return f;
}

function bytes(data: string | Buffer): string | Uint8Array<ArrayBuffer> {
  return typeof data === 'string' ? data : new Uint8Array(data);
}

/** A hand-written multipart body: each part is [headers..., content]. */
function rawForm(parts: { headers: string[]; content: string }[]): { raw: string; boundary: string } {
  const boundary = '----------------------------44f9af2ecd0c';
  const raw = parts.map((p) => `--${boundary}\r\n${p.headers.join('\r\n')}\r\n\r\n${p.content}\r\n`).join('') + `--${boundary}--\r\n`;
  return { raw, boundary };
}

const field = (name: string, value: string) => ({ headers: [`Content-Disposition: form-data; name="${name}"`], content: value });

async function expectStatus(res: Response, httpStatus: number, agileStatus: number): Promise<void> {
  await res.arrayBuffer();
  assert.equal(res.status, httpStatus, `HTTP status (X-Agile-Status ${res.headers.get('x-agile-status')})`);
  assert.equal(res.headers.get('x-agile-status'), String(agileStatus));
}

async function exists(path: string): Promise<boolean> {
  return (await statOf(server.rpc, token, path)).code === 0;
}

// --- success -----------------------------------------------------------------------------------

test('post/file: answers 200 with X-Agile-Status 0, X-Agile-Path, X-Agile-Size and X-Agile-Checksum (curl sample 1)', async () => {
  const res = await post(form({ basename: 'super test file.txt', directory: '/' }, { data: 'Sample dat', name: 'super test file.txt', type: 'text/plain' }));
  assert.equal(await res.text(), '');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-agile-status'), '0');
  assert.equal(res.headers.get('x-agile-path'), '/acme/super test file.txt');
  assert.equal(res.headers.get('x-agile-size'), '10');
  assert.equal(res.headers.get('x-agile-checksum'), sha256('Sample dat'));
  assert.equal(res.headers.get('content-type'), 'text/json;charset=utf-8');
  const st = await statOf(server.rpc, token, '/super test file.txt');
  assert.equal(st.size, 10);
  assert.equal(st.mimetype, 'text/plain');
});

test('post/file: takes the token from ?token= instead of X-Agile-Authorization (curl sample 2)', async () => {
  const res = await post(form({ basename: 'super file2.txt', directory: '/' }, { data: 'x', name: 'super file2.txt' }), {
    withToken: false, query: `?token=${token}`,
  });
  await expectStatus(res, 200, 0);
  assert.equal(res.headers.get('x-agile-path'), '/acme/super file2.txt');
});

test('post/file: the path is directory + / + basename (file_upload_examples.md)', async () => {
  assert.equal(await server.rpc('makeDir', [token, '/zz']), 0);
  const res = await post(form({ basename: 'file1.txt', directory: '/zz' }, { data: '', name: 'file1.txt' }));
  await expectStatus(res, 200, 0);
  assert.equal(res.headers.get('x-agile-path'), '/acme/zz/file1.txt');
  assert.equal(res.headers.get('x-agile-checksum'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
});

test("post/file: a basename with slashes keeps its last path component ('/1983/img001.jpg' → img001.jpg)", async () => {
  assert.equal(await server.rpc('makeDir', [token, '/test']), 0);
  const res = await post(form({ basename: '/1983/img001.jpg', directory: '/test' }, { data: 'jpeg', name: 'local.jpg' }));
  await expectStatus(res, 200, 0);
  assert.equal(res.headers.get('x-agile-path'), '/acme/test/img001.jpg');
  assert.equal(await exists('/1983'), false, 'no 1983 directory');
});

test('post/file: without basename the attachment file name is used, without its client-side path', async () => {
  const dir = await freshDir();
  const res = await post(form({ directory: dir }, { data: 'x', name: 'C:\\Users\\me\\report.pdf' }));
  await expectStatus(res, 200, 0);
  assert.equal(res.headers.get('x-agile-path'), `/acme${dir}/report.pdf`);
});

test('post/file: without directory the file goes to the root directory', async () => {
  const res = await post(form({ basename: 'file-at-root.txt' }, { data: 'x', name: 'a.txt' }));
  await expectStatus(res, 200, 0);
  assert.equal(res.headers.get('x-agile-path'), '/acme/file-at-root.txt');
});

test('post/file: a zero-byte file with a file name is stored', async () => {
  const dir = await freshDir();
  const res = await post(form({ directory: dir }, { data: '', name: 'zero.txt' }));
  await expectStatus(res, 200, 0);
  assert.equal(res.headers.get('x-agile-size'), '0');
  assert.equal((await statOf(server.rpc, token, `${dir}/zero.txt`)).size, 0);
});

test('post/file: fields may come after the file part', async () => {
  const dir = await freshDir();
  const body = rawForm([
    { headers: ['Content-Disposition: form-data; name="uploadFile"; filename="test.txt"', 'Content-Type: text/plain'], content: 'Sample data' },
    field('basename', 'after.txt'),
    field('directory', dir),
    field('mtime', '1439842997'),
  ]);
  const res = await post(body);
  await expectStatus(res, 200, 0);
  assert.equal(res.headers.get('x-agile-path'), `/acme${dir}/after.txt`);
  const st = await statOf(server.rpc, token, `${dir}/after.txt`);
  assert.equal(st.size, 11);
  assert.equal(st.mtime, 1439842997);
});

test('post/file: UTF-8 field values are stored as UTF-8 and X-Agile-Path carries the UTF-8 bytes', async () => {
  const dir = await freshDir();
  const res = await post(form({ basename: 'тї_私する.txt', directory: dir }, { data: 'x', name: 'a.txt' }));
  await expectStatus(res, 200, 0);
  assert.equal(utf8Header(res.headers.get('x-agile-path')), `/acme${dir}/тї_私する.txt`);
  assert.equal(await exists(`${dir}/тї_私する.txt`), true);
});

test('post/file: uploading over an existing file replaces it', async () => {
  const dir = await freshDir();
  await expectStatus(await post(form({ directory: dir }, { data: 'old', name: 'r.txt' })), 200, 0);
  await expectStatus(await post(form({ directory: dir }, { data: 'brand new', name: 'r.txt' })), 200, 0);
  assert.equal(await (await fetch(`${server.url}/acme${dir}/r.txt`)).text(), 'brand new');
});

test("post/file: sets the parent directory's mtime to the current time", async () => {
  const dir = await freshDir();
  assert.equal(await server.rpc('setMTime', [token, dir, 1000]), 0);
  const before = Math.floor(Date.now() / 1000);
  await expectStatus(await post(form({ directory: dir }, { data: 'x', name: 't.txt' })), 200, 0);
  assert.ok((await statOf(server.rpc, token, dir)).mtime >= before);
});

// --- authorization --------------------------------------------------------------------------------

test('post/file: answers -10001 @401 without a token', async () => {
  await expectStatus(await post(form({}, { data: 'x', name: 'noauth.txt' }), { withToken: false }), 401, -10001);
  assert.equal(await exists('/noauth.txt'), false);
});

test('post/file: answers -10001 @403 for an invalid token', async () => {
  const res = await post(form({}, { data: 'x', name: 'badauth.txt' }), { withToken: false, query: '?token=00000000-0000-4000-8000-000000000000' });
  await expectStatus(res, 403, -10001);
  assert.equal(await exists('/badauth.txt'), false);
});

// --- directory, recursive -----------------------------------------------------------------------

test('post/file: answers -3 @400 when the directory does not exist and recursive is not set', async () => {
  const dir = await freshDir();
  await expectStatus(await post(form({ directory: `${dir}/a/b` }, { data: 'x', name: 'f.txt' })), 400, -3);
  assert.equal(await exists(`${dir}/a`), false);
});

const recursiveRows: { name: string; fields: Record<string, string>; headers: Record<string, string>; creates: boolean }[] = [
  { name: 'recursive=true creates leading directories', fields: { recursive: 'true' }, headers: {}, creates: true },
  { name: 'recursive=false does not create leading directories', fields: { recursive: 'false' }, headers: {}, creates: false },
  { name: 'X-Agile-Recursive: true creates leading directories', fields: {}, headers: { 'X-Agile-Recursive': 'true' }, creates: true },
  { name: 'X-Agile-Recursive: true takes precedence over recursive=false', fields: { recursive: 'false' }, headers: { 'X-Agile-Recursive': 'true' }, creates: true },
  { name: 'X-Agile-Recursive: false takes precedence over recursive=true', fields: { recursive: 'true' }, headers: { 'X-Agile-Recursive': 'false' }, creates: false },
];
for (const row of recursiveRows) {
  test(`post/file: ${row.name}`, async () => {
    const dir = await freshDir();
    const res = await post(form({ directory: `${dir}/a/b`, ...row.fields }, { data: 'x', name: 'f.txt' }), { headers: row.headers });
    if (row.creates) {
      await expectStatus(res, 200, 0);
      assert.equal(res.headers.get('x-agile-path'), `/acme${dir}/a/b/f.txt`);
    } else {
      await expectStatus(res, 400, -3);
      assert.equal(await exists(`${dir}/a`), false);
    }
  });
}

const badPathRows: { name: string; fields: Record<string, string> }[] = [
  { name: "a '..' segment in directory", fields: { directory: '/a/../b' } },
  { name: 'a directory longer than 4096 bytes', fields: { directory: `/${'d'.repeat(4100)}`, recursive: 'true' } },
  { name: "basename '..'", fields: { basename: '..' } },
  { name: 'a basename with two consecutive periods', fields: { basename: 'a..b.txt' } },
];
for (const row of badPathRows) {
  test(`post/file: answers -8 @400 for ${row.name}`, async () => {
    const before = await server.rpc('listPath', [token, '/', 1000]);
    await expectStatus(await post(form(row.fields, { data: 'x', name: 'f.txt' })), 400, -8);
    assert.deepEqual(await server.rpc('listPath', [token, '/', 1000]), before);
  });
}

test('post/file: answers -2 @400 when the name is held by a directory', async () => {
  const dir = await freshDir();
  assert.equal(await server.rpc('makeDir', [token, `${dir}/held`]), 0);
  await expectStatus(await post(form({ directory: dir, basename: 'held' }, { data: 'x', name: 'f.txt' })), 400, -2);
});

// --- mtime, expose_egress, checksum ------------------------------------------------------------------

test('post/file: the mtime field sets the modification time; 0 means now', async () => {
  const dir = await freshDir();
  await expectStatus(await post(form({ directory: dir, mtime: '1439842997' }, { data: 'x', name: 'm.txt' })), 200, 0);
  assert.equal((await statOf(server.rpc, token, `${dir}/m.txt`)).mtime, 1439842997);
  const before = Math.floor(Date.now() / 1000);
  await expectStatus(await post(form({ directory: dir, mtime: '0' }, { data: 'x', name: 'm0.txt' })), 200, 0);
  assert.ok((await statOf(server.rpc, token, `${dir}/m0.txt`)).mtime >= before);
});

for (const value of ['soon', '-1', '12.5', '253402300800']) {
  test(`post/file: answers -27 @400 for mtime '${value}' and stores nothing`, async () => {
    const dir = await freshDir();
    await expectStatus(await post(form({ directory: dir, mtime: value }, { data: 'x', name: 'm.txt' })), 400, -27);
    assert.equal(await exists(`${dir}/m.txt`), false);
  });
}

for (const value of ['PARTIAL', 'COMPLETE', 'POLICY']) {
  test(`post/file: expose_egress=${value} is accepted`, async () => {
    const dir = await freshDir();
    await expectStatus(await post(form({ directory: dir, expose_egress: value }, { data: 'served', name: 'e.txt' })), 200, 0);
    assert.equal(await (await fetch(`${server.url}/acme${dir}/e.txt`)).text(), 'served');
  });
}

test('post/file: answers -21 @400 for an invalid expose_egress value', async () => {
  const dir = await freshDir();
  await expectStatus(await post(form({ directory: dir, expose_egress: 'EVENTUALLY' }, { data: 'x', name: 'e.txt' })), 400, -21);
  assert.equal(await exists(`${dir}/e.txt`), false);
});

test('post/file: stores the file when X-Agile-Checksum matches', async () => {
  const dir = await freshDir();
  const res = await post(form({ directory: dir }, { data: 'summed', name: 'c.txt' }), { headers: { 'X-Agile-Checksum': sha256('summed') } });
  await expectStatus(res, 200, 0);
  assert.equal(res.headers.get('x-agile-checksum'), sha256('summed'));
});

test('post/file: answers -26 and stores nothing when X-Agile-Checksum does not match', async () => {
  const dir = await freshDir();
  const blobsBefore = await blobFiles();
  const res = await post(form({ directory: dir }, { data: 'summed', name: 'c.txt' }), { headers: { 'X-Agile-Checksum': sha256('other') } });
  await expectStatus(res, 400, -26);
  assert.equal(await exists(`${dir}/c.txt`), false);
  assert.equal(await blobFiles(), blobsBefore);
});

test('post/file: a -26 answer carries X-Agile-Size and X-Agile-Checksum of the file received, and no X-Agile-Path', async () => {
  const dir = await freshDir();
  const res = await post(form({ directory: dir }, { data: 'summed', name: 'c2.txt' }), { headers: { 'X-Agile-Checksum': sha256('other') } });
  await expectStatus(res, 400, -26);
  assert.equal(res.headers.get('x-agile-size'), '6');
  assert.equal(res.headers.get('x-agile-checksum'), sha256('summed'));
  assert.equal(res.headers.get('x-agile-path'), null, 'nothing was stored');
});

async function blobFiles(): Promise<number> {
  return server.blobs.count();
}

// --- the form itself --------------------------------------------------------------------------------

test('post/file: answers -24 @400 when the form has no file part', async () => {
  const dir = await freshDir();
  await expectStatus(await post(form({ directory: dir, basename: 'none.txt' })), 400, -24);
  assert.equal(await exists(`${dir}/none.txt`), false);
});

test('post/file: answers -24 @400 when the body is not multipart/form-data', async () => {
  const res = await fetch(`${server.url}/post/file`, {
    method: 'POST', headers: { 'X-Agile-Authorization': token, 'Content-Type': 'application/octet-stream' }, body: 'just bytes',
  });
  await expectStatus(res, 400, -24);
});

test('post/file: answers -24 @400 when the multipart/form-data has no boundary', async () => {
  const res = await fetch(`${server.url}/post/file`, {
    method: 'POST', headers: { 'X-Agile-Authorization': token, 'Content-Type': 'multipart/form-data' }, body: 'just bytes',
  });
  await expectStatus(res, 400, -24);
});

test('post/file: answers -25 @400 and stores nothing when two files are sent', async () => {
  const dir = await freshDir();
  const f = new FormData();
  f.append('directory', dir);
  f.append('uploadFile', new Blob(['one']), 'one.txt');
  f.append('uploadFile', new Blob(['two']), 'two.txt');
  const blobsBefore = await blobFiles();
  await expectStatus(await post(f), 400, -25);
  assert.deepEqual((await server.rpc('listFile', [token, dir])).list, []);
  assert.equal(await blobFiles(), blobsBefore);
});

test('post/file: answers -23 @400 for an empty file part with an empty file name (a form sent without choosing a file)', async () => {
  const dir = await freshDir();
  const body = rawForm([
    field('directory', dir),
    { headers: ['Content-Disposition: form-data; name="uploadFile"; filename=""', 'Content-Type: application/octet-stream'], content: '' },
  ]);
  await expectStatus(await post(body), 400, -23);
  assert.deepEqual((await server.rpc('listFile', [token, dir])).list, []);
});

// --- return_url / return_referer ------------------------------------------------------------------------

test('post/file: return_url redirects (302) to the given location on success', async () => {
  const dir = await freshDir();
  const res = await post(form({ directory: dir, return_url: 'https://example.com/done?x=1' }, { data: 'x', name: 'u.txt' }));
  await expectStatus(res, 302, 0);
  assert.equal(res.headers.get('location'), 'https://example.com/done?x=1');
  assert.equal(res.headers.get('x-agile-path'), `/acme${dir}/u.txt`);
  assert.equal(await exists(`${dir}/u.txt`), true);
});

test('post/file: return_referer redirects (302) to the Referer header', async () => {
  const dir = await freshDir();
  const res = await post(form({ directory: dir, return_referer: '1' }, { data: 'x', name: 'r.txt' }), {
    headers: { Referer: 'http://uploader.example/page.html' },
  });
  await expectStatus(res, 302, 0);
  assert.equal(res.headers.get('location'), 'http://uploader.example/page.html');
});

test('post/file: return_referer without a Referer header answers 200', async () => {
  const dir = await freshDir();
  const res = await post(form({ directory: dir, return_referer: '1' }, { data: 'x', name: 'r.txt' }));
  await expectStatus(res, 200, 0);
  assert.equal(res.headers.get('location'), null);
});

test('post/file: return_url does not redirect when the upload fails', async () => {
  const dir = await freshDir();
  const res = await post(form({ directory: `${dir}/missing`, return_url: 'https://example.com/done' }, { data: 'x', name: 'u.txt' }));
  await expectStatus(res, 400, -3);
  assert.equal(res.headers.get('location'), null);
});

test('post/file: return_url redirects only to http(s) locations', async () => {
  const dir = await freshDir();
  const res = await post(form({ directory: dir, return_url: 'javascript:alert(1)' }, { data: 'x', name: 'j.txt' }));
  await expectStatus(res, 200, 0);
  assert.equal(res.headers.get('location'), null);
});

// --- content types --------------------------------------------------------------------------------------------

interface ContentRow {
  readonly name: string;
  readonly file: { data: string | Buffer; name: string; type?: string };
  readonly headers?: Record<string, string>;
  readonly mime: string;
}

// "The content type specified by the Content-Type field of the attachment takes precedence if set."
// Parts without a Content-Type are reported as text/plain, and browsers send application/octet-stream
// for unknown files, so those two do not count as set.
const contentRows: ContentRow[] = [
  { name: "the attachment's Content-Type takes precedence over the name", file: { data: 'x', name: 'a.png', type: 'image/gif' }, mime: 'image/gif' },
  { name: "the attachment's Content-Type takes precedence over X-Agile-Content-Type", file: { data: 'x', name: 'a.png', type: 'image/gif' }, headers: { 'X-Agile-Content-Type': 'image/png' }, mime: 'image/gif' },
  { name: "the attachment's Content-Type takes precedence over X-Agile-Content-Detect", file: { data: PNG, name: 'a.txt', type: 'video/mp4' }, headers: { 'X-Agile-Content-Detect': 'content' }, mime: 'video/mp4' },
  { name: 'an attachment of text/plain does not count as set: the name decides', file: { data: 'x', name: 'a.css', type: 'text/plain' }, mime: 'text/css' },
  { name: 'an attachment of application/octet-stream does not count as set: the name decides', file: { data: 'x', name: 'a.pdf', type: 'application/octet-stream' }, mime: 'application/pdf' },
  { name: 'an attachment type outside the Content Types table does not count: auto detection', file: { data: PNG, name: 'noext', type: 'application/x-unknown' }, mime: 'image/png' },
  { name: 'with an unset attachment type X-Agile-Content-Type decides', file: { data: 'x', name: 'a.txt', type: 'text/plain' }, headers: { 'X-Agile-Content-Type': 'text/xml' }, mime: 'text/xml' },
  { name: 'with an unset attachment type X-Agile-Content-Detect: content scans the bytes', file: { data: PNG, name: 'a.txt' }, headers: { 'X-Agile-Content-Detect': 'content' }, mime: 'image/png' },
  { name: 'an invalid X-Agile-Content-Type falls back to the attachment type', file: { data: 'x', name: 'a.txt', type: 'image/gif' }, headers: { 'X-Agile-Content-Type': 'image/nonsense' }, mime: 'image/gif' },
  { name: 'an invalid X-Agile-Content-Type with no attachment type falls back to the file name', file: { data: 'x', name: 'a.json', type: 'text/plain' }, headers: { 'X-Agile-Content-Type': 'image/nonsense' }, mime: 'application/json' },
];
for (const row of contentRows) {
  test(`post/file: content type: ${row.name}`, async () => {
    const dir = await freshDir();
    await expectStatus(await post(form({ directory: dir }, row.file), { headers: row.headers ?? {} }), 200, 0);
    const base = row.file.name;
    assert.equal((await statOf(server.rpc, token, `${dir}/${base}`)).mimetype, row.mime);
  });
}

test('post/file: answers -33 @400 for X-Content-Type: auto', async () => {
  const dir = await freshDir();
  await expectStatus(await post(form({ directory: dir }, { data: 'x', name: 'a.txt' }), { headers: { 'X-Content-Type': 'auto' } }), 400, -33);
  assert.equal(await exists(`${dir}/a.txt`), false);
});

test('post/file: answers -48 @400 for an invalid X-Agile-Content-Detect value', async () => {
  const dir = await freshDir();
  await expectStatus(await post(form({ directory: dir }, { data: 'x', name: 'a.txt' }), { headers: { 'X-Agile-Content-Detect': 'psychic' } }), 400, -48);
  assert.equal(await exists(`${dir}/a.txt`), false);
});
