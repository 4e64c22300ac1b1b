/**
 * The JSON-RPC envelope on POST /jsonrpc and /jsonrpc2: versions 1.0 and 2.0,
 * protocol errors (global_error_codes.md), batches
 * (submitting_batch_requests.md), notifications, the X-Agile-Authorization
 * header and values sent as strings.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD, startServer, USER, type TestServer } from '../helpers/server.js';
import { call, callError, checkEnvelope, exchange, statCode, unique, UNKNOWN_TOKEN, upload, type Endpoint } from '../helpers/rpc.js';

let server: TestServer;
let token: string;

before(async () => {
  server = await startServer();
  token = await server.login();
});
after(() => server.close());

const ENDPOINTS: readonly Endpoint[] = ['/jsonrpc', '/jsonrpc2'];

// --- JSON-RPC 1.0 and 2.0 answers -------------------------------------------

for (const endpoint of ENDPOINTS) {
  test(`envelope: a JSON-RPC 2.0 call on ${endpoint} is answered {jsonrpc: "2.0", id, result} with no error member`, async () => {
    const { body, status } = await server.rpcRaw({ jsonrpc: '2.0', method: 'ping', params: ['x'], id: 7 }, { endpoint });
    assert.equal(status, 200);
    assert.deepEqual(body, { jsonrpc: '2.0', id: 7, result: { code: 0, operation: 'x' } });
  });

  test(`envelope: a JSON-RPC 1.0 call (no jsonrpc member) on ${endpoint} is answered {id, result, error: null}`, async () => {
    const { body, status } = await server.rpcRaw({ method: 'ping', params: ['x'], id: 'a' }, { endpoint });
    assert.equal(status, 200);
    assert.deepEqual(body, { id: 'a', result: { code: 0, operation: 'x' }, error: null });
  });

  test(`envelope: a JSON-RPC 1.0 protocol error on ${endpoint} is answered {id, result: null, error}`, async () => {
    const { body, status } = await server.rpcRaw({ method: 'noSuchMethod', params: [], id: 3 }, { endpoint });
    assert.equal(status, 200);
    assert.equal(Object.hasOwn(body, 'jsonrpc'), false);
    assert.equal(body.id, 3);
    assert.equal(body.result, null);
    assert.equal(body.error.code, -32601);
  });

  test(`envelope: a JSON-RPC 2.0 protocol error on ${endpoint} is answered {jsonrpc: "2.0", id, error} with no result member`, async () => {
    const { body, status } = await server.rpcRaw({ jsonrpc: '2.0', method: 'noSuchMethod', params: [], id: 3 }, { endpoint });
    assert.equal(status, 200);
    assert.equal(Object.hasOwn(body, 'result'), false);
    assert.equal(body.jsonrpc, '2.0');
    assert.equal(body.id, 3);
    assert.equal(body.error.code, -32601);
    assert.equal(typeof body.error.message, 'string');
  });
}

test('envelope: string, number and null ids are echoed as sent', async () => {
  for (const id of ['req-1', 42, 0, null]) {
    const { body } = await server.rpcRaw({ jsonrpc: '2.0', method: 'ping', params: [], id });
    checkEnvelope(body, 2, id);
    assert.deepEqual(body.result, { code: 0, operation: 'pong' });
  }
});

test('envelope: a body sent as Content-Type application/json-rpc (jsonrpclib) is answered', async () => {
  const { status, body } = await server.rpcRaw({ jsonrpc: '2.0', method: 'ping', params: [], id: 1 }, { headers: { 'Content-Type': 'application/json-rpc' } });
  assert.equal(status, 200);
  assert.deepEqual(body.result, { code: 0, operation: 'pong' });
});

test('envelope: answers are sent as Content-Type application/json;charset=utf-8 (the curl example)', async () => {
  for (const endpoint of ENDPOINTS) {
    const res = await fetch(server.url + endpoint, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', method: 'ping', params: [], id: 1 }) });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json;\s*charset=utf-8$/i);
    assert.deepEqual(await res.json(), { jsonrpc: '2.0', id: 1, result: { code: 0, operation: 'pong' } });
  }
});

// --- -32700 -----------------------------------------------------------------

for (const endpoint of ENDPOINTS) {
  for (const [what, body] of [['truncated JSON', '{"jsonrpc": "2.0", "method": '], ['not JSON at all', 'hello'], ['an empty body', '']] as const) {
    test(`-32700: ${what} on ${endpoint} is a parse error, id null, HTTP 200`, async () => {
      const res = await server.rpcRaw(body, { endpoint });
      assert.equal(res.status, 200);
      assert.equal(res.body.error.code, -32700);
      assert.equal(res.body.id, null);
      assert.equal(Object.hasOwn(res.body, 'result'), false);
    });
  }
}

test('batch: a batch with no requests is the single object {error: {code: -32700, message: "Parse Error"}, id: null, jsonrpc: "2.0"}', async () => {
  const res = await server.rpcRaw([], { endpoint: '/jsonrpc2' });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { error: { code: -32700, message: 'Parse Error' }, id: null, jsonrpc: '2.0' });
});

// --- -32600 -----------------------------------------------------------------

const INVALID_REQUESTS: ReadonlyArray<{ name: string; body: unknown }> = [
  { name: 'the request is a number', body: 5 },
  { name: 'the request is a string', body: 'ping' },
  { name: 'the request is null', body: null },
  { name: 'the request has no method member', body: { jsonrpc: '2.0', params: [], id: 1 } },
  { name: 'the method is not a string', body: { jsonrpc: '2.0', method: 5, params: [], id: 1 } },
  { name: 'jsonrpc is "1.0" rather than "2.0"', body: { jsonrpc: '1.0', method: 'ping', params: [], id: 1 } },
  { name: 'jsonrpc is the number 2', body: { jsonrpc: 2, method: 'ping', params: [], id: 1 } },
  { name: 'jsonrpc is null', body: { jsonrpc: null, method: 'ping', params: [], id: 1 } },
  { name: 'the id is an object', body: { jsonrpc: '2.0', method: 'ping', params: [], id: { a: 1 } } },
];

for (const row of INVALID_REQUESTS) {
  test(`-32600: invalid request when ${row.name}`, async () => {
    const res = await server.rpcRaw(JSON.stringify(row.body));
    assert.equal(res.status, 200);
    assert.equal(res.body.error.code, -32600, JSON.stringify(res.body));
    assert.equal(res.body.result ?? null, null);
  });
}

test('-32600: a request whose jsonrpc is not "2.0" is not carried out', async () => {
  const path = `/${unique('bad-version')}`;
  const res = await server.rpcRaw({ jsonrpc: '1.0', method: 'makeDir', params: [token, path], id: 1 });
  assert.equal(res.body.error.code, -32600);
  assert.equal(await statCode(server, token, path), -1);
});

test('-32600: a batch on /jsonrpc is an invalid request ("Only the /jsonrpc2 endpoint supports batch requests") and nothing in it runs', async () => {
  const path = `/${unique('batch-on-v1')}`;
  const res = await server.rpcRaw([{ jsonrpc: '2.0', method: 'makeDir', params: [token, path], id: 1 }], { endpoint: '/jsonrpc' });
  assert.equal(res.status, 200);
  assert.equal(Array.isArray(res.body), false);
  assert.equal(res.body.error.code, -32600);
  assert.equal(res.body.id, null);
  assert.equal(await statCode(server, token, path), -1);
});

// --- -32601 -----------------------------------------------------------------

const UNKNOWN_METHODS: ReadonlyArray<{ name: string; method: string }> = [
  { name: 'a method that is not part of the API set', method: 'noSuchMethod' },
  { name: "a method name that starts with '_'", method: '_ping' },
  { name: "a bare '_'", method: '_' },
  { name: 'an inherited object property (constructor)', method: 'constructor' },
  { name: 'an inherited object property (__proto__)', method: '__proto__' },
  { name: 'a method name in another case (PING)', method: 'PING' },
];

for (const row of UNKNOWN_METHODS) {
  for (const version of [1, 2] as const) {
    test(`-32601: method not found for ${row.name} (JSON-RPC ${version}.0)`, async () => {
      const error = await callError(server, row.method, [], { version });
      assert.equal(error.code, -32601);
    });
  }
}

// --- -32602 -----------------------------------------------------------------

const BAD_PARAMS: ReadonlyArray<{ name: string; method: string; params: () => unknown }> = [
  { name: 'makeDir: the path is a number (positional)', method: 'makeDir', params: () => [token, 5] },
  { name: 'makeDir: the path is a number (named)', method: 'makeDir', params: () => ({ token, path: 5 }) },
  { name: 'makeDir: the token is an object', method: 'makeDir', params: () => [{ token }, '/x'] },
  { name: 'makeDir: the path is missing', method: 'makeDir', params: () => [token] },
  { name: 'makeDir: more positional params than documented', method: 'makeDir', params: () => [token, '/x', true] },
  { name: 'ping: more positional params than documented', method: 'ping', params: () => ['a', 'b'] },
  { name: 'makeDir: an unknown named param', method: 'makeDir', params: () => ({ token, path: '/x', recursive: true }) },
  { name: 'ping: an unknown named param', method: 'ping', params: () => ({ op: 'x' }) },
  { name: 'stat: params is a string', method: 'stat', params: () => 'token' },
  { name: 'stat: params is a number', method: 'stat', params: () => 5 },
  { name: 'listDir: pageSize is a string of letters', method: 'listDir', params: () => [token, '/', 'ten'] },
  { name: 'listDir: pageSize is a boolean', method: 'listDir', params: () => [token, '/', true] },
  { name: 'listDir: cookie is a string that is not digits', method: 'listDir', params: () => ({ token, path: '/', cookie: '1e3' }) },
  { name: 'stat: detail is neither a boolean nor "true"/"false"/"1"/"0"', method: 'stat', params: () => [token, '/', 'maybe'] },
  { name: 'setMTime: mtime is a string that is not digits', method: 'setMTime', params: () => [token, '/', 'yesterday'] },
  { name: 'setMTime: mtime is missing', method: 'setMTime', params: () => [token, '/'] },
  { name: 'listPath: the cookie is a number', method: 'listPath', params: () => [token, '/', 10, 5] },
];

for (const row of BAD_PARAMS) {
  test(`-32602: bad parameters when ${row.name}`, async () => {
    const error = await callError(server, row.method, row.params());
    assert.equal(error.code, -32602);
  });
}

test('-32602: a call with bad parameters is not carried out', async () => {
  const path = `/${unique('bad-params')}`;
  assert.equal((await callError(server, 'makeDir', [token, path, 'extra'])).code, -32602);
  assert.equal(await statCode(server, token, path), -1);
});

// --- -32603 -----------------------------------------------------------------

const LOGIN_OMITTED: ReadonlyArray<{ name: string; params: unknown }> = [
  { name: 'the username is omitted (named)', params: { password: PASSWORD } },
  { name: 'the password is omitted (named)', params: { username: USER } },
  { name: 'the password is omitted (positional)', params: [USER] },
  { name: 'both are omitted (positional)', params: [] },
  { name: 'both are omitted (named)', params: {} },
];

for (const row of LOGIN_OMITTED) {
  test(`-32603: login answers a protocol error when ${row.name}`, async () => {
    for (const version of [1, 2] as const) {
      assert.equal((await callError(server, 'login', row.params, { version })).code, -32603);
    }
  });
}

// --- batches ------------------------------------------------------------------

/** The answers of a batch by id ("the server can process requests in a batch in any order"). */
function byId(answers: any[]): Map<unknown, any> {
  assert.ok(Array.isArray(answers), `a batch answer is an array: ${JSON.stringify(answers)}`);
  return new Map(answers.map((a) => [a.id, a]));
}

test('batch: three makeDir requests get three answers {id, jsonrpc: "2.0", result: 0}', async () => {
  const dirs = [1, 2, 3].map(() => `/${unique('house')}`);
  const res = await server.rpcRaw(dirs.map((path, i) => ({ jsonrpc: '2.0', params: [token, path], method: 'makeDir', id: i + 1 })), { endpoint: '/jsonrpc2' });
  assert.equal(res.status, 200);
  const answers = byId(res.body);
  assert.equal(answers.size, 3);
  for (const id of [1, 2, 3]) assert.deepEqual(answers.get(id), { id, jsonrpc: '2.0', result: 0 });
  for (const path of dirs) assert.equal(await statCode(server, token, path), 0);
});

test('batch: string ids are echoed per answer (the curl example)', async () => {
  const res = await server.rpcRaw(['1', '2', '3'].map((id) => ({ jsonrpc: '2.0', params: [token, `/${unique('curl-house')}`], method: 'makeDir', id })), { endpoint: '/jsonrpc2' });
  const answers = byId(res.body);
  for (const id of ['1', '2', '3']) assert.deepEqual(answers.get(id), { jsonrpc: '2.0', id, result: 0 });
});

test('batch: a failed request object gets its own result beside the others (ping, then makeDir of 1/2/3 is -3)', async () => {
  const res = await server.rpcRaw([
    { jsonrpc: '2.0', params: ['hello'], method: 'ping', id: '1' },
    { jsonrpc: '2.0', params: [token, `${unique('missing')}/2/3`], method: 'makeDir', id: '2' },
  ], { endpoint: '/jsonrpc2' });
  const answers = byId(res.body);
  assert.deepEqual(answers.get('1'), { id: '1', jsonrpc: '2.0', result: { code: 0, operation: 'hello' } });
  assert.deepEqual(answers.get('2'), { id: '2', jsonrpc: '2.0', result: -3 });
});

for (const size of [1, 2, 3]) {
  test(`batch: a batch of ${size} is answered with ${size} answer(s), each with its request's id`, async () => {
    const ids = Array.from({ length: size }, (_, i) => `b${size}-${i}`);
    const res = await server.rpcRaw(ids.map((id) => ({ jsonrpc: '2.0', method: 'ping', params: [id], id })), { endpoint: '/jsonrpc2' });
    assert.equal(res.status, 200);
    assert.equal(res.body.length, size);
    const answers = byId(res.body);
    for (const id of ids) assert.deepEqual(answers.get(id), { jsonrpc: '2.0', id, result: { code: 0, operation: id } });
  });
}

test('batch: a protocol error in one request object does not spoil the others', async () => {
  const res = await server.rpcRaw([
    { jsonrpc: '2.0', method: 'ping', params: [], id: 1 },
    { jsonrpc: '2.0', method: 'noSuchMethod', params: [], id: 2 },
    { jsonrpc: '2.0', method: 'ping', params: { bogus: 1 }, id: 3 },
  ], { endpoint: '/jsonrpc2' });
  const answers = byId(res.body);
  assert.deepEqual(answers.get(1).result, { code: 0, operation: 'pong' });
  assert.equal(answers.get(2).error.code, -32601);
  assert.equal(answers.get(3).error.code, -32602);
});

test('batch: a request object that is not an object gets -32600 with id null', async () => {
  const res = await server.rpcRaw([{ jsonrpc: '2.0', method: 'ping', params: [], id: 1 }, 5], { endpoint: '/jsonrpc2' });
  assert.equal(res.body.length, 2);
  const answers = byId(res.body);
  assert.deepEqual(answers.get(1).result, { code: 0, operation: 'pong' });
  assert.equal(answers.get(null).error.code, -32600);
});

test('batch: more than three requests is the single object {error: {code: -32099, message: "Batch Error"}, id: null, jsonrpc: "2.0"} and none of them runs', async () => {
  const dirs = [1, 2, 3, 4].map(() => `/${unique('too-many')}`);
  const res = await server.rpcRaw(dirs.map((path, i) => ({ jsonrpc: '2.0', method: 'makeDir', params: [token, path], id: i })), { endpoint: '/jsonrpc2' });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { error: { code: -32099, message: 'Batch Error' }, id: null, jsonrpc: '2.0' });
  for (const path of dirs) assert.equal(await statCode(server, token, path), -1);
});

// --- notifications --------------------------------------------------------------

for (const endpoint of ENDPOINTS) {
  test(`notification: a JSON-RPC 2.0 request without an id on ${endpoint} runs and gets no answer (empty body, HTTP 200)`, async () => {
    const path = `/${unique('notified')}`;
    const res = await server.rpcRaw({ jsonrpc: '2.0', method: 'makeDir', params: [token, path] }, { endpoint });
    assert.equal(res.status, 200);
    assert.equal(res.text, '');
    assert.equal(await statCode(server, token, path), 0);
  });
}

test('notification: a notification that fails still gets no answer', async () => {
  const res = await server.rpcRaw({ jsonrpc: '2.0', method: 'noSuchMethod', params: [] });
  assert.equal(res.status, 200);
  assert.equal(res.text, '');
});

test('notification: in a batch a notification is left out of the answers', async () => {
  const path = `/${unique('batch-notified')}`;
  const res = await server.rpcRaw([
    { jsonrpc: '2.0', method: 'makeDir', params: [token, path] },
    { jsonrpc: '2.0', method: 'ping', params: ['a'], id: 'a' },
  ], { endpoint: '/jsonrpc2' });
  assert.deepEqual(res.body, [{ jsonrpc: '2.0', id: 'a', result: { code: 0, operation: 'a' } }]);
  assert.equal(await statCode(server, token, path), 0);
});

test('notification: a batch of notifications only gets no answer (empty body, HTTP 200)', async () => {
  const res = await server.rpcRaw([
    { jsonrpc: '2.0', method: 'ping', params: [] },
    { jsonrpc: '2.0', method: 'ping', params: [] },
  ], { endpoint: '/jsonrpc2' });
  assert.equal(res.status, 200);
  assert.equal(res.text, '');
});

// --- the token in X-Agile-Authorization ---------------------------------------------

test('X-Agile-Authorization: supplies the token when named params have no token', async () => {
  const path = `/${unique('hdr-named')}`;
  assert.equal(await call(server, 'makeDir', { path }, { headers: { 'X-Agile-Authorization': token } }), 0);
  assert.equal(await statCode(server, token, path), 0);
});

test('X-Agile-Authorization: supplies the token when the first positional value is not a token', async () => {
  const path = `/${unique('hdr-positional')}`;
  assert.equal(await call(server, 'makeDir', [path], { headers: { 'X-Agile-Authorization': token } }), 0);
  assert.equal(await statCode(server, token, path), 0);
  const s = await call(server, 'stat', [path, true], { headers: { 'X-Agile-Authorization': token } });
  assert.equal(s.code, 0);
  assert.equal(s.type, 1);
});

test('X-Agile-Authorization: positional params that already start with the same token are taken as sent', async () => {
  const path = `/${unique('hdr-same')}`;
  assert.equal(await call(server, 'makeDir', [token, path], { headers: { 'X-Agile-Authorization': token } }), 0);
  assert.equal(await statCode(server, token, path), 0);
});

test('X-Agile-Authorization: a UUID first in positional params is the token, not the header', async () => {
  const answer = await call(server, 'makeDir', [UNKNOWN_TOKEN, `/${unique('hdr-uuid')}`], { headers: { 'X-Agile-Authorization': token } });
  assert.equal(answer, -10001);
});

test('X-Agile-Authorization: a token in named params wins over the header', async () => {
  const answer = await call(server, 'noop', { token: UNKNOWN_TOKEN }, { headers: { 'X-Agile-Authorization': token } });
  assert.deepEqual(answer, { code: -10001 });
});

test('X-Agile-Authorization: a header token that is not valid is -10001', async () => {
  assert.deepEqual(await call(server, 'noop', {}, { headers: { 'X-Agile-Authorization': UNKNOWN_TOKEN } }), { code: -10001 });
  assert.equal(await call(server, 'makeDir', ['/x'], { headers: { 'X-Agile-Authorization': 'not-a-token' } }), -10001);
});

test('X-Agile-Authorization: methods without a token ignore the header', async () => {
  assert.deepEqual(await call(server, 'ping', ['op'], { headers: { 'X-Agile-Authorization': token } }), { code: 0, operation: 'op' });
});

// --- values sent as strings; null means the default --------------------------------

test('params: positional ints and bools sent as strings ("10000", "0", "true") are accepted', async () => {
  const dir = `/${unique('strings')}`;
  await call(server, 'makeDir', [token, dir]);
  await call(server, 'makeDir', [token, `${dir}/sub`]);
  const listed = await call(server, 'listDir', [token, dir, '10000', '0', 'true']);
  assert.equal(listed.code, 0);
  assert.equal(listed.cookie, 1);
  assert.equal(listed.list.length, 1);
  assert.ok(listed.list[0].stat, 'stat "true" gives the stat object');
  const plain = await call(server, 'listDir', [token, dir, '1', '0', 'false']);
  assert.equal(Object.hasOwn(plain.list[0], 'stat'), false);
});

test('params: "1" and "0" are accepted for booleans, digit strings for ints', async () => {
  const path = `/${unique('bools')}.txt`;
  await upload(server, token, path, 'abc');
  const detailed = await call(server, 'stat', [token, path, '1']);
  assert.equal(typeof detailed.checksum, 'string');
  const brief = await call(server, 'stat', [token, path, '0']);
  assert.equal(brief.code, 0);
  assert.equal(Object.hasOwn(brief, 'checksum'), false);
  assert.equal(await call(server, 'setMTime', [token, path, '1461885068']), 0);
  assert.equal((await call(server, 'stat', [token, path])).mtime, 1461885068);
});

test('params: null for an optional parameter means its default', async () => {
  const dir = `/${unique('nulls')}`;
  await call(server, 'makeDir', [token, dir]);
  await call(server, 'makeDir', [token, `${dir}/a`]);
  const listed = await call(server, 'listDir', [token, dir, null, null, null]);
  assert.deepEqual(listed, { code: 0, cookie: 1, list: [{ name: 'a', type: 1 }] });
  const s = await call(server, 'stat', { token, path: dir, detail: null });
  assert.equal(Object.hasOwn(s, 'uid'), false);
});

// --- every answer is HTTP 200 ----------------------------------------------------

test('envelope: protocol errors, method failures and notifications are all HTTP 200', async () => {
  const bodies: unknown[] = [
    '{', [], { jsonrpc: '2.0', method: 'nope', id: 1 }, { jsonrpc: '2.0', method: 'stat', params: [UNKNOWN_TOKEN, '/'], id: 1 },
    { jsonrpc: '2.0', method: 'ping' }, [1, 2, 3, 4],
  ];
  for (const body of bodies) {
    for (const endpoint of ENDPOINTS) {
      const res = await server.rpcRaw(typeof body === 'string' ? body : JSON.stringify(body), { endpoint });
      assert.equal(res.status, 200, `${endpoint} ${JSON.stringify(body)}`);
    }
  }
});

test('envelope: a method failure is a result in the method\'s shape, not a JSON-RPC error', async () => {
  const answer = await exchange(server, 'makeDir', [token, `/${unique('no-parent')}/child`]);
  assert.equal(answer.result, -3);
  assert.equal(Object.hasOwn(answer, 'error'), false);
});
