/**
 * Key pairs and signed HTTP requests (initializing_hmac_key_pairs.md,
 * signing_requests.md) against a real server. The spec's Python sample signs
 * requests here twice: run by python3, and ported line for line.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
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

test('"all endpoints in the HTTP interface except /account/login accept signed requests": /post/file, and a whole multipart upload (create, piece, complete)', async () => {
  const pair = await newPair();
  const sign = (headers: Record<string, string>, endpoint: string) => makeHmacSignature(headers, endpoint, inFuture(), pair.access_key, pair.secret_key);
  const form = new FormData();
  form.set('directory', '/');
  form.set('basename', 'signed-form.txt');
  form.set('uploadFile', new Blob(['signed form']), 'signed-form.txt');
  const f = await fetch(`${server.url}/post/file`, { method: 'POST', headers: { 'X-Agile-Signature': sign({}, '/post/file') }, body: form });
  await expect(f, 200, 0);
  assert.equal(await stat('/signed-form.txt'), 0);

  const createHeaders = { 'X-Agile-Directory': '/', 'X-Agile-Basename': 'signed-multipart.bin' };
  const c = await fetch(`${server.url}/multipart/create`, { method: 'POST', headers: { ...createHeaders, 'X-Agile-Signature': sign(createHeaders, '/multipart/create') } });
  await expect(c, 200, 0);
  const mpid = c.headers.get('x-agile-multipart')!;
  for (const [part, body] of [[2, 'world'], [1, 'hello ']] as const) {
    const h = { 'X-Agile-Multipart': mpid, 'X-Agile-Part': String(part) };
    await expect(await fetch(`${server.url}/multipart/piece`, { method: 'POST', headers: { ...h, 'X-Agile-Signature': sign(h, '/multipart/piece') }, body }), 200, 0);
  }
  // A piece signed for another part number is refused and not recorded.
  const tampered = { 'X-Agile-Multipart': mpid, 'X-Agile-Part': '3' };
  await expect(await fetch(`${server.url}/multipart/piece`, { method: 'POST', headers: { ...tampered, 'X-Agile-Part': '4', 'X-Agile-Signature': sign(tampered, '/multipart/piece') }, body: 'x' }), 403, -10001);
  const ch = { 'X-Agile-Multipart': mpid };
  const done = await fetch(`${server.url}/multipart/complete`, { method: 'POST', headers: { ...ch, 'X-Agile-Signature': sign(ch, '/multipart/complete') } });
  await expect(done, 200, 0);
  assert.equal(done.headers.get('x-agile-parts'), '2');
  await server.app.services.joiner.idle();
  assert.equal(await (await fetch(`${server.url}/${ACCOUNT}/signed-multipart.bin`)).text(), 'hello world');
});

test('/account/login does not take a signature in place of a username and password', async () => {
  const pair = await newPair();
  const res = await fetch(`${server.url}/account/login`, {
    method: 'POST',
    headers: { 'X-Agile-Signature': makeHmacSignature({}, '/account/login', inFuture(), pair.access_key, pair.secret_key) },
  });
  await res.arrayBuffer();
  assert.notEqual(res.headers.get('x-agile-status'), '0');
  assert.equal(res.headers.get('x-agile-token'), null);
});

/** The whole "Sample Python Code" (make_hmac_signature, do_post_raw, its argument parser), with only what Python 3 and a plain-HTTP host need. */
const PYTHON_PROGRAM = `${PYTHON_SAMPLE.slice(0, PYTHON_SAMPLE.indexOf('a = json.loads'))}
import requests, io, os, time, argparse

def do_post_raw(local_path, remote_path, access_key, secret_key, host="api.lama.lldns.net"):
    data_stream = io.open(local_path, "rb")
    headers = {
        'X-Agile-Directory': os.path.dirname(remote_path),
        'X-Agile-Basename': os.path.basename(remote_path),
        'X-Agile-Content-Detect': 'name',
    }
    signature = make_hmac_signature(headers, "/post/raw", int(time.time()) + 10, access_key, secret_key)
    headers['X-Agile-Signature'] = signature
    post_raw_endpoint = 'http://%s/post/raw' % host
    return requests.post(post_raw_endpoint, data=data_stream, headers=headers, verify=False)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="api.lama.lldns.net")
    parser.add_argument("--local")
    parser.add_argument("--remote")
    parser.add_argument("--access-key")
    parser.add_argument("--secret-key")
    args = parser.parse_args()
    resp = do_post_raw(args.local, args.remote, args.access_key, args.secret_key, args.host)
    print (resp.headers.get("X-Agile-Status"), resp.headers.get("X-Agile-Path"))
`;

test("the spec's Python sample program, run by python3 with requests, uploads a file by a signed /post/raw", async (t) => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import requests']);
  } catch {
    t.skip('python3 with requests is not installed (apt-get install python3-requests)');
    return;
  }
  const pair = await newPair();
  const dir = mkdtempSync(join(tmpdir(), 'originstore-sample-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'local.txt'), 'uploaded by the sample');
  assert.equal(await server.rpc('makeDir', [token, '/sample']), 0);
  // Asynchronously: the server answering the sample runs in this process.
  const { stdout: out } = await promisify(execFile)('/usr/bin/python3', ['-c', PYTHON_PROGRAM, '--host', `127.0.0.1:${server.port}`, '--local', join(dir, 'local.txt'),
    '--remote', '/sample/testfile.txt', '--access-key', pair.access_key, '--secret-key', pair.secret_key], { encoding: 'utf8' });
  assert.equal(out.trim(), `0 /${ACCOUNT}/sample/testfile.txt`);
  assert.equal(await (await fetch(`${server.url}/${ACCOUNT}/sample/testfile.txt`)).text(), 'uploaded by the sample');
});
