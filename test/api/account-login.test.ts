/**
 * POST /account/login against a real server (logging_in_using_http_interface.md,
 * file_upload_examples.md "HTTP Example"): the answer headers, sub-directory
 * tokens (UTF-8 names included), expiry, and -10001 / -34 / -47 @400.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { utf8Bytes, utf8Header } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let token: string;

before(async () => {
  server = await startServer();
  token = await server.login();
  assert.equal(await server.rpc('makeDir2', [token, '/EMEA/pictures/ocean']), 0);
});
after(() => server.close());

function login(headers: Record<string, string>): Promise<Response> {
  return fetch(`${server.url}/account/login`, { method: 'POST', headers });
}

const ALICE = { 'X-Agile-Username': 'alice', 'X-Agile-Password': 'secret' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function expectFailure(res: Response, code: number): Promise<void> {
  assert.equal(await res.text(), '');
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('x-agile-status'), String(code));
  assert.equal(res.headers.get('x-agile-token'), null, 'no token on failure');
}

/** Where a /post/raw upload to '/' lands with this token. */
async function rootOf(t: string): Promise<string | null> {
  const res = await server.postRaw('x', { 'X-Agile-Authorization': t, 'X-Agile-Directory': '/', 'X-Agile-Basename': 'probe.txt' });
  await res.arrayBuffer();
  assert.equal(res.headers.get('x-agile-status'), '0');
  return utf8Header(res.headers.get('x-agile-path'));
}

test('account/login: answers 200 with X-Agile-Status 0, X-Agile-Token, X-Agile-Uid, X-Agile-Gid and X-Agile-Path', async () => {
  const res = await login(ALICE);
  assert.equal(await res.text(), '');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-agile-status'), '0');
  assert.match(res.headers.get('x-agile-token') ?? '', UUID);
  assert.match(res.headers.get('x-agile-uid') ?? '', /^\d+$/);
  assert.match(res.headers.get('x-agile-gid') ?? '', /^\d+$/);
  assert.equal(res.headers.get('x-agile-path'), '/acme');
  assert.equal(res.headers.get('content-type'), 'text/json;charset=utf-8');
});

test('account/login: the token works for the JSON-RPC interface and for uploads', async () => {
  const t = (await login(ALICE)).headers.get('x-agile-token')!;
  const listed = await server.rpc('listPath', [t, '/']);
  assert.equal(listed.code, 0);
  assert.equal(await rootOf(t), '/acme/probe.txt');
});

test('account/login: X-Agile-Uid and X-Agile-Gid are the ones the JSON-RPC login reports', async () => {
  const res = await login(ALICE);
  const [, user] = await server.rpc('login', ['alice', 'secret']);
  assert.equal(res.headers.get('x-agile-uid'), String(user.uid));
  assert.equal(res.headers.get('x-agile-gid'), String(user.gid));
});

test('account/login: X-Agile-Subdir roots the token at the sub-directory and X-Agile-Path names it with the account', async () => {
  const res = await login({ ...ALICE, 'X-Agile-Subdir': '/EMEA/pictures/ocean' });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-agile-status'), '0');
  assert.equal(res.headers.get('x-agile-path'), '/acme/EMEA/pictures/ocean');
  assert.equal(await rootOf(res.headers.get('x-agile-token')!), '/acme/EMEA/pictures/ocean/probe.txt');
});

test('account/login: X-Agile-Subdir without a leading slash is read from the root (curl sample 1 with expiry 600)', async () => {
  const res = await login({ ...ALICE, 'X-Agile-Subdir': 'EMEA', 'X-Agile-Expiry': '600' });
  assert.equal(res.headers.get('x-agile-status'), '0');
  assert.equal(res.headers.get('x-agile-path'), '/acme/EMEA');
  const check = await server.rpc('checkToken', [res.headers.get('x-agile-token')]);
  assert.equal(check.code, 0);
});

test('account/login: a sub-directory token cannot reach above its root', async () => {
  const t = (await login({ ...ALICE, 'X-Agile-Subdir': '/EMEA/pictures' })).headers.get('x-agile-token')!;
  const res = await server.postRaw('x', { 'X-Agile-Authorization': t, 'X-Agile-Directory': '/../..', 'X-Agile-Basename': 'up.txt' });
  await res.arrayBuffer();
  assert.equal(res.headers.get('x-agile-status'), '-8');
  assert.equal((await server.rpc('stat', [token, '/up.txt'])).code, -1);
});

const UTF8_DIR = 'тї_私する_d3cb464e1a4311e586b9e0db55d3d7d5';

for (const row of [
  { name: 'URI-quoted', subdir: encodeURIComponent(UTF8_DIR) },
  { name: 'sent as raw UTF-8 bytes, as curl sample 2 does', subdir: utf8Bytes(UTF8_DIR) },
]) {
  test(`account/login: with X-Agile-Encoding: UTF8 a UTF-8 X-Agile-Subdir (${row.name}) logs into that directory`, async () => {
    assert.equal(await server.rpc('makeDir', [token, `/${UTF8_DIR}`]), 0);
    const res = await login({ ...ALICE, 'X-Agile-Encoding': 'UTF8', 'X-Agile-Subdir': row.subdir });
    assert.equal(res.headers.get('x-agile-status'), '0');
    assert.equal(res.status, 200);
    assert.equal(utf8Header(res.headers.get('x-agile-path')), `/acme/${UTF8_DIR}`);
    assert.equal(await rootOf(res.headers.get('x-agile-token')!), `/acme/${UTF8_DIR}/probe.txt`);
  });
}

test('account/login: X-Agile-Content-Encoding: UTF8 is read as X-Agile-Encoding', async () => {
  assert.equal(await server.rpc('makeDir', [token, '/caf\u00e9']), 0);
  const res = await login({ ...ALICE, 'X-Agile-Content-Encoding': 'UTF8', 'X-Agile-Subdir': '/caf%C3%A9' });
  assert.equal(res.headers.get('x-agile-status'), '0');
  assert.equal(utf8Header(res.headers.get('x-agile-path')), '/acme/caf\u00e9');
});

for (const value of ['1', '600', '86400']) {
  test(`account/login: X-Agile-Expiry ${value} is accepted`, async () => {
    const res = await login({ ...ALICE, 'X-Agile-Expiry': value });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-agile-status'), '0');
  });
}

const failureRows: { name: string; headers: Record<string, string>; code: number }[] = [
  { name: 'a wrong password', headers: { 'X-Agile-Username': 'alice', 'X-Agile-Password': 'wrong' }, code: -10001 },
  { name: 'an unknown user', headers: { 'X-Agile-Username': 'mallory', 'X-Agile-Password': 'secret' }, code: -10001 },
  { name: 'a missing X-Agile-Username', headers: { 'X-Agile-Password': 'secret' }, code: -10001 },
  { name: 'a missing X-Agile-Password', headers: { 'X-Agile-Username': 'alice' }, code: -10001 },
  { name: 'both missing', headers: {}, code: -10001 },
  { name: 'an empty X-Agile-Username', headers: { 'X-Agile-Username': '', 'X-Agile-Password': 'secret' }, code: -10001 },
  { name: 'an empty X-Agile-Password', headers: { 'X-Agile-Username': 'alice', 'X-Agile-Password': '' }, code: -10001 },
  { name: 'X-Agile-Expiry 0', headers: { ...ALICE, 'X-Agile-Expiry': '0' }, code: -34 },
  { name: 'X-Agile-Expiry 86401 (over 24 hours)', headers: { ...ALICE, 'X-Agile-Expiry': '86401' }, code: -34 },
  { name: 'a negative X-Agile-Expiry', headers: { ...ALICE, 'X-Agile-Expiry': '-600' }, code: -34 },
  { name: 'an X-Agile-Expiry that is not a number', headers: { ...ALICE, 'X-Agile-Expiry': 'ten minutes' }, code: -34 },
  { name: 'a fractional X-Agile-Expiry', headers: { ...ALICE, 'X-Agile-Expiry': '60.5' }, code: -34 },
  { name: 'an X-Agile-Subdir that does not exist', headers: { ...ALICE, 'X-Agile-Subdir': '/nowhere' }, code: -47 },
  { name: "an X-Agile-Subdir with '..'", headers: { ...ALICE, 'X-Agile-Subdir': '/EMEA/../..' }, code: -47 },
  { name: 'an X-Agile-Subdir longer than 4096 bytes', headers: { ...ALICE, 'X-Agile-Subdir': `/${'s'.repeat(4100)}` }, code: -47 },
];
for (const row of failureRows) {
  test(`account/login: answers ${row.code} @400 for ${row.name}`, async () => {
    await expectFailure(await login(row.headers), row.code);
  });
}

test('account/login: an X-Agile-Subdir naming a file answers -47', async () => {
  const up = await server.postRaw('x', { 'X-Agile-Authorization': token, 'X-Agile-Basename': 'just-a-file' });
  assert.equal(up.headers.get('x-agile-status'), '0');
  await expectFailure(await login({ ...ALICE, 'X-Agile-Subdir': '/just-a-file' }), -47);
});

test('account/login: a wrong password with an invalid expiry is still refused', async () => {
  const res = await login({ 'X-Agile-Username': 'alice', 'X-Agile-Password': 'wrong', 'X-Agile-Expiry': '0' });
  await res.arrayBuffer();
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('x-agile-token'), null);
});
