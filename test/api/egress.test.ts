/**
 * GET and HEAD /{account}/{path} against a real server (file_upload_examples.md,
 * "Verify That the Upload Was Successful"; DESIGN.md "Egress"): the headers
 * the vendor's HEAD examples show, single byte ranges, conditional requests,
 * 404 for directories and missing paths, and the account named by the Host.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { nodeRequest, rawRequest, sha256, utf8Bytes } from '../helpers/http.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let token: string;

const TEXT = 'The quick brown fox jumps over the lazy dog';
const MTIME = 1439842997;
const BIG = randomBytes(1536 * 1024 + 7);

before(async () => {
  server = await startServer();
  token = await server.login();
  await put('/zz', 'file1.txt', TEXT, { 'X-Agile-MTime': String(MTIME) });
  await put('/zz', 'big.bin', BIG, {});
  await put('/zz', 'empty.txt', '', {});
  await put('/zz', 'a b+c.txt', 'spaces', {});
  await put('/zz', 'файл.txt', 'utf8 name', {});
  await put('/', 'secret.txt', 'top secret', {});
  assert.equal(await server.rpc('makeDir2', [token, '/zz/sub/dir']), 0);
});
after(() => server.close());

async function put(directory: string, basename: string, data: string | Buffer, headers: Record<string, string>): Promise<void> {
  const res = await server.postRaw(data, {
    'X-Agile-Authorization': token, 'X-Agile-Directory': directory, 'X-Agile-Basename': utf8Bytes(basename), 'X-Agile-Recursive': 'true', ...headers,
  });
  await res.arrayBuffer();
  assert.equal(res.headers.get('x-agile-status'), '0', `upload ${directory}/${basename}`);
}

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> {
  return fetch(`${server.url}${path}`, { method, headers });
}

// --- whole files --------------------------------------------------------------------------------

test('egress: GET /{account}/{path} answers 200 with the bytes and Content-Length, Content-Type, Last-Modified, ETag, Accept-Ranges, X-Agile-Checksum', async () => {
  const res = await get('/acme/zz/file1.txt');
  assert.equal(res.status, 200);
  assert.equal(await res.text(), TEXT);
  assert.equal(res.headers.get('content-length'), String(TEXT.length));
  assert.equal(res.headers.get('content-type'), 'text/plain');
  assert.equal(res.headers.get('last-modified'), new Date(MTIME * 1000).toUTCString());
  assert.equal(res.headers.get('etag'), `"${sha256(TEXT)}"`);
  assert.equal(res.headers.get('accept-ranges'), 'bytes');
  assert.equal(res.headers.get('x-agile-checksum'), sha256(TEXT));
});

test('egress: HEAD answers the same headers with the real Content-Length and no body', async () => {
  const res = await nodeRequest(server.port, { method: 'HEAD', path: '/acme/zz/big.bin' });
  assert.equal(res.status, 200);
  assert.equal(res.body.length, 0);
  assert.equal(res.headers['content-length'], String(BIG.length));
  assert.equal(res.headers['x-agile-checksum'], sha256(BIG));
  assert.equal(res.headers['etag'], `"${sha256(BIG)}"`);
  assert.equal(res.headers['accept-ranges'], 'bytes');
  assert.equal(res.headers['content-type'], 'application/octet-stream');
  assert.ok(res.headers['last-modified']);
});

test('egress: a large file is served whole and byte for byte', async () => {
  const res = await get('/acme/zz/big.bin');
  assert.equal(res.status, 200);
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(body.length, BIG.length);
  assert.ok(body.equals(BIG));
});

test('egress: an empty file answers 200 with Content-Length 0', async () => {
  const res = await get('/acme/zz/empty.txt');
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '');
  assert.equal(res.headers.get('content-length'), '0');
  assert.equal(res.headers.get('x-agile-checksum'), sha256(''));
});

test('egress: percent-encoded and UTF-8 names are decoded', async () => {
  const spaced = await get('/acme/zz/a%20b%2Bc.txt');
  assert.equal(spaced.status, 200);
  assert.equal(await spaced.text(), 'spaces');
  const utf8 = await get(`/acme/zz/${encodeURIComponent('файл.txt')}`);
  assert.equal(utf8.status, 200);
  assert.equal(await utf8.text(), 'utf8 name');
});

test('egress: the query string is not part of the path', async () => {
  const res = await get('/acme/zz/file1.txt?cache-buster=1');
  assert.equal(res.status, 200);
  assert.equal(await res.text(), TEXT);
});

test('egress: a replaced file is served with its new bytes and a new ETag', async () => {
  await put('/zz', 'changing.txt', 'one', {});
  const first = await get('/acme/zz/changing.txt');
  const etag1 = first.headers.get('etag');
  assert.equal(await first.text(), 'one');
  await put('/zz', 'changing.txt', 'two!', {});
  const second = await get('/acme/zz/changing.txt');
  assert.equal(await second.text(), 'two!');
  assert.notEqual(second.headers.get('etag'), etag1);
  assert.equal(second.headers.get('content-length'), '4');
});

/** Replace /zz/{name} with `next` (and collect the old bytes) while egress is between its lookup and its read. */
async function replacedDuringRequest(name: string, first: string, next: string, send: () => Promise<Response>): Promise<Response> {
  await put('/zz', name, first, {});
  const store = server.app.stores.metadata;
  const original = store.getNodeByPath.bind(store);
  let armed = true;
  store.getNodeByPath = async (path) => {
    const found = await original(path);
    if (armed && path === `/acme/zz/${name}`) {
      armed = false;
      await put('/zz', name, next, {});
      await server.app.services.garbage.drain();
    }
    return found;
  };
  try {
    const res = await send();
    assert.equal(armed, false, 'the replacement happened during the request');
    return res;
  } finally {
    store.getNodeByPath = original;
  }
}

test('egress: a file replaced (and its old bytes collected) between the lookup and the read is served whole as its new version, headers and all', async () => {
  const res = await replacedDuringRequest('racing.txt', 'the old version', 'the new, longer version', () => get('/acme/zz/racing.txt'));
  const body = await res.text();
  assert.equal(res.status, 200);
  assert.equal(body, 'the new, longer version');
  assert.equal(res.headers.get('content-length'), String(body.length));
  assert.equal(res.headers.get('x-agile-checksum'), sha256(body));
  assert.equal(res.headers.get('etag'), `"${sha256(body)}"`);
});

test('egress: a Range on a file replaced by a shorter one during the request is judged against the new version (416)', async () => {
  const res = await replacedDuringRequest('racing-range.txt', 'the old version', 'tiny', () => get('/acme/zz/racing-range.txt', { Range: 'bytes=10-14' }));
  assert.equal(res.status, 416);
  assert.equal(res.headers.get('content-range'), 'bytes */4');
  assert.equal(await res.text(), '');
});

// --- ranges ----------------------------------------------------------------------------------------

const size = TEXT.length;
const rangeRows = [
  { range: 'bytes=0-3', start: 0, end: 3 },
  { range: 'bytes=4-8', start: 4, end: 8 },
  { range: 'bytes=40-', start: 40, end: size - 1 },
  { range: 'bytes=-3', start: size - 3, end: size - 1 },
  { range: `bytes=-${size + 100}`, start: 0, end: size - 1 },
  { range: 'bytes=10-100000', start: 10, end: size - 1 },
  { range: `bytes=${size - 1}-${size - 1}`, start: size - 1, end: size - 1 },
];
for (const row of rangeRows) {
  test(`egress: Range ${row.range} answers 206 with Content-Range bytes ${row.start}-${row.end}/${size}`, async () => {
    const res = await get('/acme/zz/file1.txt', { Range: row.range });
    assert.equal(res.status, 206);
    assert.equal(await res.text(), TEXT.slice(row.start, row.end + 1));
    assert.equal(res.headers.get('content-range'), `bytes ${row.start}-${row.end}/${size}`);
    assert.equal(res.headers.get('content-length'), String(row.end - row.start + 1));
    assert.equal(res.headers.get('x-agile-checksum'), sha256(TEXT), 'the checksum is of the whole file');
  });
}

test('egress: a Range inside a large file reads the right bytes', async () => {
  const start = 700_000;
  const end = 1_300_000;
  const res = await get('/acme/zz/big.bin', { Range: `bytes=${start}-${end}` });
  assert.equal(res.status, 206);
  const body = Buffer.from(await res.arrayBuffer());
  assert.ok(body.equals(BIG.subarray(start, end + 1)));
});

test('egress: HEAD with a Range answers 206 with the range length and no body', async () => {
  const res = await nodeRequest(server.port, { method: 'HEAD', path: '/acme/zz/file1.txt', headers: { Range: 'bytes=0-9' } });
  assert.equal(res.status, 206);
  assert.equal(res.headers['content-length'], '10');
  assert.equal(res.headers['content-range'], `bytes 0-9/${size}`);
  assert.equal(res.body.length, 0);
});

for (const range of [`bytes=${size}-`, `bytes=${size + 5}-${size + 10}`, 'bytes=-0', 'bytes=9-3']) {
  test(`egress: Range ${range} answers 416 with Content-Range bytes */${size}`, async () => {
    const res = await get('/acme/zz/file1.txt', { Range: range });
    assert.equal(res.status, 416);
    await res.arrayBuffer();
    assert.equal(res.headers.get('content-range'), `bytes */${size}`);
  });
}

for (const range of ['bytes=0-1,5-6', 'bytes=abc', 'items=0-3', 'bytes=', '0-3']) {
  test(`egress: Range '${range}' (several ranges or malformed) answers the whole file with 200`, async () => {
    const res = await get('/acme/zz/file1.txt', { Range: range });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), TEXT);
    assert.equal(res.headers.get('content-range'), null);
  });
}

// --- conditional requests ----------------------------------------------------------------------------

const etag = `"${sha256(TEXT)}"`;
const conditionalRows: { name: string; headers: Record<string, string>; status: number }[] = [
  { name: 'If-None-Match with the ETag', headers: { 'If-None-Match': etag }, status: 304 },
  { name: 'If-None-Match with a weak form of the ETag', headers: { 'If-None-Match': `W/${etag}` }, status: 304 },
  { name: 'If-None-Match with a list holding the ETag', headers: { 'If-None-Match': `"other", ${etag}` }, status: 304 },
  { name: 'If-None-Match: *', headers: { 'If-None-Match': '*' }, status: 304 },
  { name: 'If-None-Match with another ETag', headers: { 'If-None-Match': '"0000"' }, status: 200 },
  { name: 'If-Modified-Since at the modification time', headers: { 'If-Modified-Since': new Date(MTIME * 1000).toUTCString() }, status: 304 },
  { name: 'If-Modified-Since after the modification time', headers: { 'If-Modified-Since': new Date((MTIME + 3600) * 1000).toUTCString() }, status: 304 },
  { name: 'If-Modified-Since before the modification time', headers: { 'If-Modified-Since': new Date((MTIME - 1) * 1000).toUTCString() }, status: 200 },
  { name: 'an unparseable If-Modified-Since', headers: { 'If-Modified-Since': 'last tuesday' }, status: 200 },
  {
    name: 'If-None-Match not matching, checked before a later If-Modified-Since',
    headers: { 'If-None-Match': '"0000"', 'If-Modified-Since': new Date((MTIME + 3600) * 1000).toUTCString() },
    status: 200,
  },
  {
    name: 'If-None-Match matching, checked before an earlier If-Modified-Since',
    headers: { 'If-None-Match': etag, 'If-Modified-Since': new Date((MTIME - 3600) * 1000).toUTCString() },
    status: 304,
  },
];
for (const row of conditionalRows) {
  test(`egress: ${row.name} answers ${row.status}`, async () => {
    const res = await get('/acme/zz/file1.txt', row.headers);
    assert.equal(res.status, row.status);
    const body = await res.text();
    if (row.status === 304) {
      assert.equal(body, '');
      assert.equal(res.headers.get('etag'), etag);
    } else {
      assert.equal(body, TEXT);
    }
  });
}

test('egress: HEAD honours If-None-Match too', async () => {
  const res = await nodeRequest(server.port, { method: 'HEAD', path: '/acme/zz/file1.txt', headers: { 'If-None-Match': etag } });
  assert.equal(res.status, 304);
});

// --- not found --------------------------------------------------------------------------------------------

for (const row of [
  { name: 'a missing file', path: '/acme/zz/missing.txt' },
  { name: 'a directory', path: '/acme/zz/sub' },
  { name: 'a directory with a trailing slash', path: '/acme/zz/sub/' },
  { name: "the account's root", path: '/acme' },
  { name: "the account's root with a slash", path: '/acme/' },
  { name: 'an unknown account', path: '/nobody/zz/file1.txt' },
  { name: 'a path with no account', path: '/zz/file1.txt' },
]) {
  for (const method of ['GET', 'HEAD']) {
    test(`egress: ${method} of ${row.name} answers 404`, async () => {
      const res = await nodeRequest(server.port, { method, path: row.path });
      assert.equal(res.status, 404);
      assert.equal(res.headers['x-agile-checksum'], undefined);
    });
  }
}

test('egress: a malformed percent-encoding is a bad request (400), not a server error', async () => {
  const answer = await rawRequest(server.port, 'GET /acme/zz/%E0%A4%A.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
  assert.equal(answer.status, 400);
});

for (const path of ['/acme/zz/../secret.txt', '/acme/zz/%2e%2e/secret.txt', '/acme/zz/..%2Fsecret.txt', '/acme/./secret.txt', '/acme/zz/sub/%2E%2E%2F%2E%2E%2Fsecret.txt']) {
  test(`egress: '${path}' sent raw is never resolved (404)`, async () => {
    const answer = await rawRequest(server.port, `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    assert.equal(answer.status, 404);
    assert.ok(!answer.body.toString().includes('top secret'));
  });
}

// --- the account in the Host header ------------------------------------------------------------------------------

test("egress: when the Host's first label names the account, the path may leave out /{account}", async () => {
  const res = await nodeRequest(server.port, { path: '/zz/file1.txt', headers: { Host: 'acme.localhost' } });
  assert.equal(res.status, 200);
  assert.equal(res.body.toString(), TEXT);
  assert.equal(res.headers['x-agile-checksum'], sha256(TEXT));
});

test('egress: with the account in the Host, a path that still starts with /{account} is served too', async () => {
  const res = await nodeRequest(server.port, { path: '/acme/zz/file1.txt', headers: { Host: 'acme.upload.example.net:8080' } });
  assert.equal(res.status, 200);
  assert.equal(res.body.toString(), TEXT);
});

test('egress: HEAD by Host carries the real Content-Length', async () => {
  const res = await nodeRequest(server.port, { method: 'HEAD', path: '/zz/big.bin', headers: { Host: 'acme.localhost' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-length'], String(BIG.length));
  assert.equal(res.body.length, 0);
});

test('egress: a Range by Host answers 206', async () => {
  const res = await nodeRequest(server.port, { path: '/zz/file1.txt', headers: { Host: 'acme.localhost', Range: 'bytes=4-8' } });
  assert.equal(res.status, 206);
  assert.equal(res.body.toString(), 'quick');
});

test('egress: a Host whose first label is not an account does not name one (404)', async () => {
  const res = await nodeRequest(server.port, { path: '/zz/file1.txt', headers: { Host: 'global.mt.lldns.net' } });
  assert.equal(res.status, 404);
});

test("egress: a Host naming the account cannot reach a directory or climb out with '..'", async () => {
  assert.equal((await nodeRequest(server.port, { path: '/zz/sub', headers: { Host: 'acme.localhost' } })).status, 404);
  const answer = await rawRequest(server.port, 'GET /zz/../secret.txt HTTP/1.1\r\nHost: acme.localhost\r\nConnection: close\r\n\r\n');
  assert.equal(answer.status, 404);
});
