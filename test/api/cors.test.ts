/**
 * CORS on a real server (general_information.md, "Cross-Origin Resource
 * Sharing Compliance"; the sample answers of every HTTP endpoint carry
 * Access-Control-Allow-Origin: *, Access-Control-Allow-Headers:
 * X-Agile-Authorization, X-Content-Type and Access-Control-Allow-Methods:
 * OPTIONS). Every answer carries them, successes and failures alike, and a
 * preflight answers 200 naming the headers the browser asked for.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { rawRequest, type RawAnswer } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let token: string;

before(async () => {
  server = await startServer();
  token = await server.login();
  const up = await server.postRaw('cors', { 'X-Agile-Authorization': token, 'X-Agile-Basename': 'cors.txt' });
  assert.equal(up.headers.get('x-agile-status'), '0');
});
after(() => server.close());

const DOCUMENTED_ALLOW_HEADERS = 'X-Agile-Authorization, X-Content-Type';
const MUST_EXPOSE = ['X-Agile-Status', 'X-Agile-Token', 'X-Agile-Uid', 'X-Agile-Gid', 'X-Agile-Path', 'X-Agile-Size', 'X-Agile-Checksum'];

function assertCors(headers: Headers | Record<string, string>, what: string): void {
  const get = (name: string): string | null | undefined => (headers instanceof Headers ? headers.get(name) : headers[name]);
  assert.equal(get('access-control-allow-origin'), '*', `${what}: Access-Control-Allow-Origin`);
  assert.equal(get('access-control-allow-headers'), DOCUMENTED_ALLOW_HEADERS, `${what}: Access-Control-Allow-Headers`);
  assert.equal(get('access-control-allow-methods'), 'OPTIONS', `${what}: Access-Control-Allow-Methods`);
  const exposed = (get('access-control-expose-headers') ?? '').split(',').map((h) => h.trim().toLowerCase());
  for (const name of MUST_EXPOSE) assert.ok(exposed.includes(name.toLowerCase()), `${what}: ${name} is exposed`);
}

interface Row {
  readonly name: string;
  readonly status: number;
  readonly send: () => Promise<Response>;
}

const post = (path: string, headers: Record<string, string>, body?: BodyInit): Promise<Response> =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { Origin: 'https://console.example', ...headers }, ...(body === undefined ? {} : { body }) });
const get = (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> =>
  fetch(`${server.url}${path}`, { method, headers: { Origin: 'https://console.example', ...headers } });

const rows: Row[] = [
  { name: 'JSON-RPC /jsonrpc', status: 200, send: () => post('/jsonrpc', { 'Content-Type': 'application/json' }, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: [] })) },
  { name: 'JSON-RPC /jsonrpc2', status: 200, send: () => post('/jsonrpc2', { 'Content-Type': 'application/json' }, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'noop', params: [token] })) },
  { name: 'JSON-RPC parse error', status: 200, send: () => post('/jsonrpc', { 'Content-Type': 'application/json' }, '{not json') },
  { name: '/account/login success', status: 200, send: () => post('/account/login', { 'X-Agile-Username': 'alice', 'X-Agile-Password': 'secret' }) },
  { name: '/account/login failure', status: 400, send: () => post('/account/login', { 'X-Agile-Username': 'alice', 'X-Agile-Password': 'nope' }) },
  { name: '/post/raw success', status: 200, send: () => post('/post/raw', { 'X-Agile-Authorization': token, 'X-Agile-Basename': 'c1.txt' }, 'x') },
  { name: '/post/raw without a token', status: 401, send: () => post('/post/raw', {}, 'x') },
  { name: '/post/raw with a bad token', status: 403, send: () => post('/post/raw', { 'X-Agile-Authorization': 'bad' }, 'x') },
  { name: '/post/raw failure', status: 400, send: () => post('/post/raw', { 'X-Agile-Authorization': token, 'X-Agile-Directory': '/no/such' }, 'x') },
  {
    name: '/post/file success',
    status: 200,
    send: () => {
      const f = new FormData();
      f.append('uploadFile', new Blob(['x']), 'c2.txt');
      return post('/post/file', { 'X-Agile-Authorization': token }, f);
    },
  },
  {
    name: '/post/file redirect',
    status: 302,
    send: () => {
      const f = new FormData();
      f.append('uploadFile', new Blob(['x']), 'c3.txt');
      f.append('return_url', 'https://console.example/done');
      return fetch(`${server.url}/post/file`, { method: 'POST', headers: { 'X-Agile-Authorization': token }, body: f, redirect: 'manual' });
    },
  },
  { name: '/post/file failure', status: 400, send: () => post('/post/file', { 'X-Agile-Authorization': token }, 'not a form') },
  { name: '/post/directory success', status: 200, send: () => post('/post/directory', { 'X-Agile-Authorization': token, 'X-Agile-Directory': '/cors-dir' }) },
  { name: '/post/directory failure', status: 400, send: () => post('/post/directory', { 'X-Agile-Authorization': token, 'X-Agile-Directory': '/a/b', 'X-Agile-Recursive': 'no' }) },
  { name: 'egress GET', status: 200, send: () => get('/acme/cors.txt') },
  { name: 'egress HEAD', status: 200, send: () => get('/acme/cors.txt', {}, 'HEAD') },
  { name: 'egress range', status: 206, send: () => get('/acme/cors.txt', { Range: 'bytes=0-1' }) },
  { name: 'egress unsatisfiable range', status: 416, send: () => get('/acme/cors.txt', { Range: 'bytes=100-' }) },
  { name: 'egress not modified', status: 304, send: () => get('/acme/cors.txt', { 'If-None-Match': '*' }) },
  { name: 'egress not found', status: 404, send: () => get('/acme/missing.txt') },
  { name: 'a POST to an unknown path', status: 404, send: () => post('/post/nothing', {}) },
  { name: '/healthz', status: 200, send: () => get('/healthz') },
  { name: '/metrics', status: 200, send: () => get('/metrics') },
];
for (const row of rows) {
  test(`cors: ${row.name} (${row.status}) carries the documented CORS headers`, async () => {
    const res = await row.send();
    await res.arrayBuffer();
    assert.equal(res.status, row.status);
    assertCors(res.headers, row.name);
  });
}

test('cors: a malformed URL (400) carries the documented CORS headers too', async () => {
  const answer: RawAnswer = await rawRequest(server.port, 'GET /acme/%E0%A4%A HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
  assert.equal(answer.status, 400);
  assertCors(answer.headers, 'bad URL');
});

const PREFLIGHT_PATHS = ['/jsonrpc', '/jsonrpc2', '/account/login', '/post/raw', '/post/file', '/post/directory', '/acme/cors.txt', '/healthz', '/metrics', '/anything/else'];
for (const path of PREFLIGHT_PATHS) {
  test(`cors: a preflight OPTIONS ${path} answers 200, allowing GET, HEAD, POST, OPTIONS and echoing Access-Control-Request-Headers`, async () => {
    const asked = 'x-agile-authorization, x-agile-basename, x-agile-directory, content-type';
    const res = await fetch(`${server.url}${path}`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://console.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': asked },
    });
    assert.equal(await res.text(), '');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('access-control-allow-methods'), 'GET, HEAD, POST, OPTIONS');
    assert.equal(res.headers.get('access-control-allow-headers'), `${DOCUMENTED_ALLOW_HEADERS}, ${asked}`);
  });
}

test('cors: a preflight without Access-Control-Request-Headers allows the documented headers', async () => {
  const res = await fetch(`${server.url}/post/raw`, { method: 'OPTIONS', headers: { Origin: 'https://console.example', 'Access-Control-Request-Method': 'POST' } });
  await res.arrayBuffer();
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-headers'), DOCUMENTED_ALLOW_HEADERS);
});

test('cors: a preflight needs no token and creates nothing', async () => {
  const res = await fetch(`${server.url}/post/directory`, {
    method: 'OPTIONS', headers: { 'X-Agile-Directory': '/preflight-made', 'Access-Control-Request-Method': 'POST' },
  });
  await res.arrayBuffer();
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-agile-status'), null);
  assert.equal((await server.rpc('stat', [token, '/preflight-made'])).code, -1);
});

/** Bytes from `socket` until `done(text so far)` says enough. */
function readUntil(socket: Socket, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (done(text)) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => resolve(text));
  });
}

test('cors: a request turned away while the server shuts down (503) carries the documented CORS headers too', async () => {
  const own = await startServer();
  const ownToken = await own.login();
  const socket = connect(own.port, '127.0.0.1');
  await once(socket, 'connect');
  // An upload in flight when the shutdown begins: headers and half its body, then (once the
  // server has taken it, as its 100 Continue says) the other half with a second request behind it.
  socket.write(`POST /post/raw HTTP/1.1\r\nHost: x\r\nX-Agile-Authorization: ${ownToken}\r\nX-Agile-Basename: late.txt\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n`);
  await readUntil(socket, (t) => t.includes('100 Continue\r\n\r\n'));
  socket.write('hello');
  const closing = own.app.close();
  socket.write('world');
  socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nOrigin: https://console.example\r\n\r\n');
  const text = await readUntil(socket, (t) => (t.match(/\r\n\r\n/g) ?? []).length >= 3 && /HTTP\/1\.1 503[^]*\r\n\r\n[^]*\n$/.test(t));
  socket.destroy();
  await closing;
  await rm(own.dataDir, { recursive: true, force: true });
  const answers = text.split(/(?=HTTP\/1\.1 )/).filter((a) => !a.startsWith('HTTP/1.1 100'));
  assert.match(answers[0] ?? '', /^HTTP\/1\.1 200 /, 'the upload in flight still completes');
  assert.match(answers[0] ?? '', /x-agile-status: 0\r\n/i);
  const refused = answers[1] ?? '';
  assert.match(refused, /^HTTP\/1\.1 503 /, text);
  const headers = Object.fromEntries(refused.split('\r\n\r\n')[0]!.split('\r\n').slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  assertCors(headers, 'a 503 during shutdown');
});
