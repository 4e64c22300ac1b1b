/**
 * POST /post/directory against a real server (working_with_directories_http.md):
 * every documented code with its HTTP status, the {"message", "code"} body,
 * X-Agile-Recursive (default true) and the reason phrase of a failure.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { statOf } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let token: string;

before(async () => {
  server = await startServer();
  token = await server.login();
});
after(() => server.close());

let seq = 0;
async function freshDir(): Promise<string> {
  const dir = `/dir-${++seq}`;
  assert.equal(await server.rpc('makeDir', [token, dir]), 0);
  return dir;
}

interface Answer {
  readonly status: number;
  readonly statusText: string;
  readonly agileStatus: string | null;
  readonly contentType: string | null;
  readonly body: { message: string; code: number };
}

async function mkdir(headers: Record<string, string>, withToken = true): Promise<Answer> {
  const res = await fetch(`${server.url}/post/directory`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/json', ...(withToken ? { 'X-Agile-Authorization': token } : {}), ...headers },
  });
  const text = await res.text();
  return {
    status: res.status,
    statusText: res.statusText,
    agileStatus: res.headers.get('x-agile-status'),
    contentType: res.headers.get('content-type'),
    body: JSON.parse(text),
  };
}

function expectAnswer(a: Answer, status: number, code: number): void {
  assert.equal(a.status, status, `HTTP status (${JSON.stringify(a.body)})`);
  assert.equal(a.agileStatus, String(code));
  assert.equal(a.body.code, code);
  assert.equal(typeof a.body.message, 'string');
  assert.equal(a.contentType, 'text/json;charset=utf-8');
}

async function isDir(path: string): Promise<boolean> {
  const st = await statOf(server.rpc, token, path);
  return st.code === 0 && st.type === 1;
}

test('post/directory: answers 200, X-Agile-Status 0 and {"message": "success", "code": 0}', async () => {
  const dir = await freshDir();
  const a = await mkdir({ 'X-Agile-Directory': `${dir}/new` });
  expectAnswer(a, 200, 0);
  assert.deepEqual(a.body, { message: 'success', code: 0 });
  assert.equal(await isDir(`${dir}/new`), true);
});

test('post/directory: X-Agile-Recursive defaults to true and creates every leading path (curl sample 1, /APAC/a/b)', async () => {
  expectAnswer(await mkdir({ 'X-Agile-Directory': '/APAC/a/b' }), 200, 0);
  assert.equal(await isDir('/APAC'), true);
  assert.equal(await isDir('/APAC/a/b'), true);
});

test('post/directory: an existing directory answers 0', async () => {
  const dir = await freshDir();
  expectAnswer(await mkdir({ 'X-Agile-Directory': dir }), 200, 0);
  expectAnswer(await mkdir({ 'X-Agile-Directory': dir, 'X-Agile-Recursive': 'false' }), 200, 0);
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
  test(`post/directory: X-Agile-Recursive: ${row.value} ${row.creates ? 'creates' : 'does not create'} missing leading paths`, async () => {
    const dir = await freshDir();
    const a = await mkdir({ 'X-Agile-Directory': `${dir}/a/b/c`, 'X-Agile-Recursive': row.value });
    if (row.creates) {
      expectAnswer(a, 200, 0);
      assert.equal(await isDir(`${dir}/a/b/c`), true);
    } else {
      expectAnswer(a, 400, -3);
      assert.equal(await isDir(`${dir}/a`), false);
    }
  });
}

test('post/directory: X-Agile-Recursive: false still creates a directory whose parent exists', async () => {
  const dir = await freshDir();
  expectAnswer(await mkdir({ 'X-Agile-Directory': `${dir}/child`, 'X-Agile-Recursive': 'false' }), 200, 0);
  assert.equal(await isDir(`${dir}/child`), true);
});

test("post/directory: answers -3 @400 with the reason 'parent directory does not exist' (curl sample 2)", async () => {
  const a = await mkdir({ 'X-Agile-Directory': '/future-releases/hot', 'X-Agile-Recursive': 'false' });
  expectAnswer(a, 400, -3);
  assert.deepEqual(a.body, { message: 'parent directory does not exist', code: -3 });
  assert.equal(a.statusText, 'parent directory does not exist');
  assert.equal(await isDir('/future-releases'), false);
});

test('post/directory: answers -2 @400 when a file holds the name', async () => {
  const dir = await freshDir();
  const up = await server.postRaw('x', { 'X-Agile-Authorization': token, 'X-Agile-Directory': dir, 'X-Agile-Basename': 'taken' });
  assert.equal(up.headers.get('x-agile-status'), '0');
  const a = await mkdir({ 'X-Agile-Directory': `${dir}/taken` });
  expectAnswer(a, 400, -2);
  assert.equal(a.statusText, a.body.message);
});

test('post/directory: answers -2 @400 when a file holds a leading path to create', async () => {
  const dir = await freshDir();
  await server.postRaw('x', { 'X-Agile-Authorization': token, 'X-Agile-Directory': dir, 'X-Agile-Basename': 'plain' });
  expectAnswer(await mkdir({ 'X-Agile-Directory': `${dir}/plain/sub` }), 400, -2);
});

const badPathRows = [
  { name: "a '..' segment", directory: '/a/../b' },
  { name: "a '.' segment", directory: '/a/./b' },
  { name: 'a path longer than 4096 bytes', directory: `/${'p'.repeat(4097)}` },
  { name: 'a missing X-Agile-Directory (the root)', directory: undefined },
  { name: 'the root itself', directory: '/' },
];
for (const row of badPathRows) {
  test(`post/directory: answers -8 @400 for ${row.name}`, async () => {
    const before = await server.rpc('listPath', [token, '/', 1000]);
    expectAnswer(await mkdir(row.directory === undefined ? {} : { 'X-Agile-Directory': row.directory }), 400, -8);
    assert.deepEqual(await server.rpc('listPath', [token, '/', 1000]), before);
  });
}

test('post/directory: answers -39 @400 for an invalid X-Agile-Recursive value', async () => {
  const dir = await freshDir();
  expectAnswer(await mkdir({ 'X-Agile-Directory': `${dir}/x`, 'X-Agile-Recursive': 'perhaps' }), 400, -39);
  assert.equal(await isDir(`${dir}/x`), false);
});

test('post/directory: answers -10001 @401 without X-Agile-Authorization', async () => {
  const dir = await freshDir();
  expectAnswer(await mkdir({ 'X-Agile-Directory': `${dir}/x` }, false), 401, -10001);
  assert.equal(await isDir(`${dir}/x`), false);
});

test('post/directory: answers -10001 @403 for an invalid token', async () => {
  const dir = await freshDir();
  expectAnswer(await mkdir({ 'X-Agile-Directory': `${dir}/x`, 'X-Agile-Authorization': 'not-a-token' }, false), 403, -10001);
  assert.equal(await isDir(`${dir}/x`), false);
});

test('post/directory: a Windows separator \\ becomes part of the name', async () => {
  const dir = await freshDir();
  expectAnswer(await mkdir({ 'X-Agile-Directory': `${dir}/a\\b` }), 200, 0);
  const listed = await server.rpc('listDir', [token, dir]);
  assert.deepEqual(listed.list.map((e: { name: string }) => e.name), ['a\\b']);
});

test("post/directory: sets the parent directory's mtime to the current time", async () => {
  const dir = await freshDir();
  assert.equal(await server.rpc('setMTime', [token, dir, 1000]), 0);
  const before = Math.floor(Date.now() / 1000);
  expectAnswer(await mkdir({ 'X-Agile-Directory': `${dir}/child` }), 200, 0);
  assert.ok((await statOf(server.rpc, token, dir)).mtime >= before);
});

test('post/directory: a directory is created under the root of a sub-directory token', async () => {
  const dir = await freshDir();
  const login = await fetch(`${server.url}/account/login`, {
    method: 'POST', headers: { 'X-Agile-Username': 'alice', 'X-Agile-Password': 'secret', 'X-Agile-Subdir': dir },
  });
  const subToken = login.headers.get('x-agile-token');
  assert.ok(subToken);
  expectAnswer(await mkdir({ 'X-Agile-Directory': '/inside', 'X-Agile-Authorization': subToken }, false), 200, 0);
  assert.equal(await isDir(`${dir}/inside`), true);
  assert.equal(await isDir('/inside'), false);
});
