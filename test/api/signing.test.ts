/**
 * Key pairs and signed HTTP requests (initializing_hmac_key_pairs.md,
 * signing_requests.md) against a real server. The spec's Python sample signs
 * requests here twice: run by python3, and ported line for line.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ACCOUNT, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let token: string;

before(async () => {
  server = await startServer();
  token = await server.login();
});
after(() => server.close());

/** signing_requests.md, "Sample Python Code": make_hmac_signature, with only the str/bytes changes Python 3 needs. */
const PYTHON_SAMPLE = `
import base64, hashlib, hmac, json, sys

def make_hmac_signature(headers, endpoint, expiry, access_key, secret_key):
    mac = [
        "access_key={access_key}".format(access_key=access_key),
        "expiry={expiry}".format(expiry=expiry),
    ]
    for header in headers:
        if header.startswith("X-Agile-"):
            mac.append("{key}={value}".format(key=header[len("X-Agile-"):].lower(), value=headers[header]))
    mac.sort()
    payload = "{endpoint}?{query_string}".format(endpoint=endpoint,query_string="&".join(mac))
    raw_signature = hmac.new(secret_key.encode(), msg=payload.encode(), digestmod=hashlib.sha256).digest()
    signature = payload + "&signature=" + base64.b64encode(raw_signature).decode()
    return signature

a = json.loads(sys.argv[1])
print(make_hmac_signature(a["headers"], a["endpoint"], a["expiry"], a["access_key"], a["secret_key"]), end="")
`;

function pythonSignature(headers: Record<string, string>, endpoint: string, expiry: number, pair: KeyPair): string {
  const arg = JSON.stringify({ headers, endpoint, expiry, access_key: pair.access_key, secret_key: pair.secret_key });
  return execFileSync('/usr/bin/python3', ['-c', PYTHON_SAMPLE, arg], { encoding: 'utf8' });
}

/** The same sample, ported to TypeScript: terms sorted as whole strings, values as they are. */
function makeHmacSignature(headers: Record<string, string>, endpoint: string, expiry: number, accessKey: string, secretKey: string): string {
  const mac = [`access_key=${accessKey}`, `expiry=${expiry}`];
  for (const header of Object.keys(headers)) {
    if (header.startsWith('X-Agile-')) mac.push(`${header.slice('X-Agile-'.length).toLowerCase()}=${headers[header]}`);
  }
  mac.sort();
  const payload = `${endpoint}?${mac.join('&')}`;
  const raw = createHmac('sha256', secretKey).update(payload).digest();
  return `${payload}&signature=${raw.toString('base64')}`;
}

interface KeyPair {
  code: number;
  access_key: string;
  secret_key: string;
}

async function newPair(t = token): Promise<KeyPair> {
  const r = await server.rpc('initKeyPair', [t]);
  assert.equal(r.code, 0);
  return r;
}

const inFuture = (seconds = 60): number => Math.floor(Date.now() / 1000) + seconds;

async function stat(path: string): Promise<number> {
  const r = await server.rpc('stat', [token, path]);
  return typeof r === 'number' ? r : r.code;
}

async function expect(res: Response, status: number, agile: number): Promise<void> {
  await res.arrayBuffer();
  assert.equal(res.status, status);
  assert.equal(res.headers.get('x-agile-status'), String(agile));
}

test('initKeyPair "generates a paired access key and secret key", both named and positional', async () => {
  const pair = await newPair();
  assert.match(pair.access_key, /^[0-9a-f]{40}$/);
  assert.match(pair.secret_key, /^[0-9a-f]{48}$/);
  const named = await server.rpc('initKeyPair', { token });
  assert.equal(named.code, 0);
  assert.notEqual(named.access_key, pair.access_key);
});

test('initKeyPair: "-10001: invalid value for token parameter"', async () => {
  assert.equal(await server.rpc('initKeyPair', ['not-a-token']), -10001);
});

test('"replacing any previously generated key pairs": the old access key signs nothing', async () => {
  const old = await newPair();
  await newPair();
  const headers = { 'X-Agile-Directory': '/', 'X-Agile-Basename': 'replaced.txt' };
  const sig = makeHmacSignature(headers, '/post/raw', inFuture(), old.access_key, old.secret_key);
  await expect(await server.postRaw('x', { ...headers, 'X-Agile-Signature': sig }), 403, -10001);
  assert.equal(await stat('/replaced.txt'), -1);
});

test('the spec\'s Python sample (do_post_raw) uploads testfile.txt with X-Agile-Signature and no token', async () => {
  const pair = await newPair();
  const remote = '/testfile.txt';
  const headers = { 'X-Agile-Directory': '/', 'X-Agile-Basename': 'testfile.txt', 'X-Agile-Content-Detect': 'name' };
  assert.equal(remote.slice(remote.lastIndexOf('/') + 1), headers['X-Agile-Basename']);
  const sig = pythonSignature(headers, '/post/raw', inFuture(10), pair);
  assert.equal(sig, makeHmacSignature(headers, '/post/raw', Number(/expiry=(\d+)/.exec(sig)![1]), pair.access_key, pair.secret_key));
  const res = await server.postRaw('hello signed world', { ...headers, 'X-Agile-Signature': sig });
  await expect(res, 200, 0);
  assert.equal(res.headers.get('x-agile-path'), `/${ACCOUNT}/testfile.txt`);
  assert.equal(await stat('/testfile.txt'), 0);
});

test('"single use": the same signature a second time is refused with 403 / -10001 and stores nothing', async () => {
  const pair = await newPair();
  const headers = { 'X-Agile-Directory': '/', 'X-Agile-Basename': 'once.txt' };
  const sig = makeHmacSignature(headers, '/post/raw', inFuture(), pair.access_key, pair.secret_key);
  await expect(await server.postRaw('first', { ...headers, 'X-Agile-Signature': sig }), 200, 0);
  await server.rpc('deleteFile', [token, '/once.txt']);
  await expect(await server.postRaw('again', { ...headers, 'X-Agile-Signature': sig }), 403, -10001);
  assert.equal(await stat('/once.txt'), -1);
});

test('"time-limited": a signature whose expiry has passed is refused', async () => {
  const pair = await newPair();
  const headers = { 'X-Agile-Directory': '/', 'X-Agile-Basename': 'late.txt' };
  const sig = makeHmacSignature(headers, '/post/raw', inFuture(-1), pair.access_key, pair.secret_key);
  await expect(await server.postRaw('x', { ...headers, 'X-Agile-Signature': sig }), 403, -10001);
  assert.equal(await stat('/late.txt'), -1);
});

test('a wrong signature, a changed byte or a wrong secret is refused', async () => {
  const pair = await newPair();
  const headers = { 'X-Agile-Directory': '/', 'X-Agile-Basename': 'forged.txt' };
  const good = makeHmacSignature(headers, '/post/raw', inFuture(), pair.access_key, pair.secret_key);
  const changed = good.replace('expiry=', 'expiry=1');
  const wrongSecret = makeHmacSignature(headers, '/post/raw', inFuture(), pair.access_key, 'not-the-secret');
  const otherPath = makeHmacSignature(headers, '/post/file', inFuture(), pair.access_key, pair.secret_key);
  for (const sig of [changed, wrongSecret, otherPath, 'garbage', good.slice(0, good.indexOf('&signature='))]) {
    await expect(await server.postRaw('x', { ...headers, 'X-Agile-Signature': sig }), 403, -10001);
  }
  assert.equal(await stat('/forged.txt'), -1);
});

test('"entries for each Edgio-specific HTTP header": a header sent but not signed, or signed with another value, is refused', async () => {
  const pair = await newPair();
  const headers = { 'X-Agile-Directory': '/', 'X-Agile-Basename': 'headers.txt' };
  const sig = () => makeHmacSignature(headers, '/post/raw', inFuture(), pair.access_key, pair.secret_key);
  await expect(await server.postRaw('x', { ...headers, 'X-Agile-Basename': 'other.txt', 'X-Agile-Signature': sig() }), 403, -10001);
  await expect(await server.postRaw('x', { ...headers, 'X-Agile-Recursive': 'yes', 'X-Agile-Signature': sig() }), 403, -10001);
  await expect(await server.postRaw('x', { 'X-Agile-Directory': '/', 'X-Agile-Signature': sig() }), 403, -10001);
  assert.equal(await stat('/headers.txt'), -1);
  assert.equal(await stat('/other.txt'), -1);
});

test('"URL-encoded ... for spaces, use + rather than %20": encoded header values are accepted too', async () => {
  const pair = await newPair();
  const mac = [`access_key=${pair.access_key}`, 'basename=with+space.txt', 'directory=%2F', `expiry=${inFuture()}`];
  const payload = `/post/raw?${mac.join('&')}`;
  const sig = `${payload}&signature=${createHmac('sha256', pair.secret_key).update(payload).digest('base64')}`;
  await expect(await server.postRaw('x', { 'X-Agile-Directory': '/', 'X-Agile-Basename': 'with space.txt', 'X-Agile-Signature': sig }), 200, 0);
  assert.equal(await stat('/with space.txt'), 0);
});

test('"all endpoints in the HTTP interface except /account/login accept signed requests": /post/directory and /multipart/create', async () => {
  const pair = await newPair();
  const dirHeaders = { 'X-Agile-Directory': '/signed-dir' };
  const d = await fetch(`${server.url}/post/directory`, {
    method: 'POST',
    headers: { ...dirHeaders, 'X-Agile-Signature': makeHmacSignature(dirHeaders, '/post/directory', inFuture(), pair.access_key, pair.secret_key) },
  });
  await expect(d, 200, 0);
  assert.equal(await stat('/signed-dir'), 0);
  const mpHeaders = { 'X-Agile-Basename': 'big.bin', 'X-Agile-Directory': '/signed-dir' };
  const m = await fetch(`${server.url}/multipart/create`, {
    method: 'POST',
    headers: { ...mpHeaders, 'X-Agile-Signature': makeHmacSignature(mpHeaders, '/multipart/create', inFuture(), pair.access_key, pair.secret_key) },
  });
  await m.arrayBuffer();
  assert.equal(m.status, 200);
  assert.ok(m.headers.get('x-agile-multipart'));
});

test('a signed request acts as the key pair\'s user, rooted at its home', async () => {
  await server.app.services.admin.addUser(ACCOUNT, 'homer', 'pw', { home: '/homes/homer' });
  const homerToken = await server.login('homer', 'pw');
  const pair = await newPair(homerToken);
  const headers = { 'X-Agile-Directory': '/', 'X-Agile-Basename': 'mine.txt' };
  const res = await server.postRaw('x', { ...headers, 'X-Agile-Signature': makeHmacSignature(headers, '/post/raw', inFuture(), pair.access_key, pair.secret_key) });
  await expect(res, 200, 0);
  assert.equal(await stat('/homes/homer/mine.txt'), 0);
  assert.equal(await stat('/mine.txt'), -1);
});
