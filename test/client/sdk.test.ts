/**
 * The SDK against a real server on an ephemeral port: every JSON-RPC method
 * and HTTP endpoint through OriginStoreClient, its typed errors, login on
 * first use, re-authentication on -10001 and retries of idempotent calls.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { OriginStoreClient, OriginStoreError, OriginStoreNetworkError } from '../../src/client/index.js';
import { ACCOUNT, PASSWORD, startServer, USER, type TestServer } from '../helpers/server.js';
import { unique } from '../helpers/rpc.js';

let server: TestServer;
let client: OriginStoreClient;

before(async () => {
  server = await startServer();
  client = new OriginStoreClient({ url: server.url, username: USER, password: PASSWORD });
});
after(() => server.close());

const sha = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const dir = async (prefix: string) => {
  const path = `/${unique(prefix)}`;
  await client.makeDir(path);
  return path;
};
async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}
async function rejectsWith(promise: Promise<unknown>, expected: { call: string; code: number; kind?: string }): Promise<OriginStoreError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof OriginStoreError, `not an OriginStoreError: ${String(err)}`);
    assert.equal(err.call, expected.call);
    assert.equal(err.code, expected.code);
    if (expected.kind) assert.equal(err.kind, expected.kind);
    assert.ok(err.meaning.length > 0);
    return err;
  }
  assert.fail(`expected ${expected.call} to fail with ${expected.code}`);
}

test('client: logs in on first use and knows the session root', async () => {
  const fresh = new OriginStoreClient({ url: server.url, username: USER, password: PASSWORD });
  const rootOf = (c: OriginStoreClient) => c.session?.root;
  assert.equal(rootOf(fresh), undefined);
  const who = await fresh.checkToken();
  assert.equal(who.username, USER);
  assert.equal(rootOf(fresh), `/${ACCOUNT}`);
  assert.equal(who.path, `/${ACCOUNT}`);
});

test('client: a token that has expired (-10001) is renewed by logging in again, and the call retried once', async () => {
  const fresh = new OriginStoreClient({ url: server.url, username: USER, password: PASSWORD });
  const first = (await fresh.login()).token;
  assert.equal(await server.rpc('logout', [first]), 0);
  assert.equal((await fresh.stat('/')).type, 1);
  assert.notEqual(fresh.session?.token, first);
});

test('client: HTTP uploads renew an ended token too', async () => {
  const fresh = new OriginStoreClient({ url: server.url, username: USER, password: PASSWORD });
  const first = (await fresh.login()).token;
  assert.equal(await server.rpc('logout', [first]), 0);
  const d = await dir('renew-http');
  const put = await fresh.postRaw(new TextEncoder().encode('again'), { path: `${d}/a.txt` });
  assert.equal(put.sha256, sha('again'));
});

test('client: without credentials, an ended token is an OriginStoreError -10001 naming the call', async () => {
  const token = await server.login();
  const tokenOnly = new OriginStoreClient({ url: server.url, token });
  assert.equal((await tokenOnly.stat('/')).type, 1);
  assert.equal(await server.rpc('logout', [token]), 0);
  const err = await rejectsWith(tokenOnly.stat('/'), { call: 'stat', code: -10001, kind: 'InvalidToken' });
  assert.match(err.message, /stat: invalid or expired token \(code -10001\)/);
});

test('client: bad credentials are -10001 from login, meaning the username or password', async () => {
  const wrong = new OriginStoreClient({ url: server.url, username: USER, password: 'nope' });
  const err = await rejectsWith(wrong.stat('/'), { call: 'login', code: -10001, kind: 'BadCredentials' });
  assert.match(err.meaning, /username or password/);
});

test('client: an idempotent call that got no answer is retried with backoff', async () => {
  let calls = 0;
  const flaky: typeof fetch = (input, init) => (++calls === 2 ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init));
  const c = new OriginStoreClient({ url: server.url, username: USER, password: PASSWORD, fetch: flaky, retryDelayMs: 1 });
  assert.equal((await c.stat('/')).type, 1);
  assert.equal(calls, 3);
});

test('client: a call that is not idempotent is not retried; no answer is an OriginStoreNetworkError', async () => {
  let calls = 0;
  const down: typeof fetch = (input, init) => (++calls >= 2 ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init));
  const c = new OriginStoreClient({ url: server.url, username: USER, password: PASSWORD, fetch: down, retryDelayMs: 1 });
  await c.login();
  await assert.rejects(c.deleteFile('/x'), (err: unknown) => err instanceof OriginStoreNetworkError && err.call === 'deleteFile');
  assert.equal(calls, 2);
});

test('sessions: authenticate, accountLogin, checkToken, updateSession, noop, ping, initKeyPair, logout', async () => {
  const c = new OriginStoreClient({ url: server.url });
  const s1 = await c.authenticate(USER, PASSWORD, { expirySeconds: 600 });
  assert.equal(s1.root, `/${ACCOUNT}`);
  assert.equal((await c.checkToken()).username, USER);
  const s2 = await c.accountLogin(USER, PASSWORD);
  assert.notEqual(s2.token, s1.token);
  await c.updateSession(1200);
  await rejectsWith(c.updateSession(10), { call: 'updateSession', code: -1, kind: 'ExpiryAlreadySet' });
  assert.equal(await c.noop('hello'), 'hello');
  assert.equal(await c.ping('x'), 'x');
  const pair = await c.initKeyPair();
  assert.match(pair.access_key, /\S/);
  assert.match(pair.secret_key, /\S/);
  await c.logout();
  assert.equal(c.session, undefined);
  assert.equal((await server.rpc('checkToken', [s2.token])).code, -10001);
  await rejectsWith(c.accountLogin(USER, 'bad'), { call: '/account/login', code: -10001, kind: 'BadCredentials' });
});

test('directories: makeDir, makeDir2, listDir, listFile, listPath, deleteDir, deleteObject', async () => {
  const d = await dir('dirs');
  await rejectsWith(client.makeDir(`${d}/a/b`), { call: 'makeDir', code: -3, kind: 'ParentMissing' });
  await client.makeDir2(`${d}/a/b`);
  await client.postRaw('f', { path: `${d}/a/f.txt` });
  const dirs = await client.listDir(`${d}/a`, { stat: true });
  assert.deepEqual(dirs.list.map((e) => [e.name, e.type]), [['b', 1]]);
  assert.equal(typeof dirs.list[0]!.stat?.mtime, 'number');
  const files = await client.listFile(`${d}/a`, { stat: true });
  assert.deepEqual(files.list.map((e) => [e.name, e.stat?.size, e.stat?.checksum]), [['f.txt', 1, sha('f')]]);
  const page = await client.listPath(`${d}/a`, { stat: true });
  assert.deepEqual(page.dirs.map((e) => e.name), ['b']);
  assert.deepEqual(page.files.map((e) => [e.name, e.size]), [['f.txt', 1]]);
  await rejectsWith(client.deleteDir(`${d}/a`), { call: 'deleteDir', code: -7, kind: 'NotEmpty' });
  await client.deleteDir(`${d}/a/b`);
  await client.deleteObject(`${d}/a/f.txt`);
  await client.deleteObject(`${d}/a`);
  assert.equal(await client.statOrUndefined(`${d}/a`), undefined);
});

test('listAll: follows listPath cookies across pages', async () => {
  const d = await dir('pages');
  for (let i = 0; i < 5; i++) await client.makeDir(`${d}/d${i}`);
  for (let i = 0; i < 6; i++) await client.postRaw(String(i), { path: `${d}/f${i}` });
  const names: string[] = [];
  for await (const e of client.listAll(d, { pageSize: 2 })) names.push(`${e.kind}:${e.entry.name}`);
  assert.equal(names.length, 11);
  assert.equal(new Set(names).size, 11);
});

test('files: stat, rename, copyFile, setMTime, setContentType, deleteFile', async () => {
  const d = await dir('files');
  await client.postRaw('content', { path: `${d}/a.txt`, mtimeSeconds: 1000 });
  const s = await client.stat(`${d}/a.txt`, { detail: true });
  assert.deepEqual([s.type, s.size, s.checksum, s.mtime], [2, 7, sha('content'), 1000]);
  await client.rename(`${d}/a.txt`, `${d}/b.txt`);
  await rejectsWith(client.stat(`${d}/a.txt`), { call: 'stat', code: -1, kind: 'NotFound' });
  await client.copyFile(`${d}/b.txt`, `${d}/c.txt`);
  assert.equal((await client.stat(`${d}/c.txt`, { detail: true })).checksum, sha('content'));
  await client.setMTime(`${d}/c.txt`, 2000);
  await client.setContentType(`${d}/c.txt`, 'application/json');
  const c = await client.stat(`${d}/c.txt`, { detail: true });
  assert.deepEqual([c.mtime, c.mimetype], [2000, 'application/json']);
  await rejectsWith(client.setContentType(`${d}/c.txt`, 'no/such'), { call: 'setContentType', code: -33 });
  await client.deleteFile(`${d}/c.txt`);
  await rejectsWith(client.deleteFile(`${d}/c.txt`), { call: 'deleteFile', code: -1 });
});

test('mediaVaultUrl: the download URL serves the file', async () => {
  const d = await dir('mv');
  await client.postRaw('signed bytes', { path: `${d}/m.txt` });
  const urls = await client.mediaVaultUrl(`${d}/m.txt`, 600);
  assert.equal(await (await fetch(urls.download_url)).text(), 'signed bytes');
  assert.equal((await fetch(urls.preview_url)).status, 200);
  await rejectsWith(client.mediaVaultUrl(d), { call: 'mediaVaultUrl', code: -2, kind: 'IsDirectory' });
});

test('fetchFileHTTP: the server copies a file from a URL in the background', async () => {
  const d = await dir('fetch');
  await client.postRaw('fetched', { path: `${d}/src.txt` });
  await client.fetchFileHTTP(`${d}/dst.txt`, `http://${ACCOUNT}${d}/src.txt`);
  await server.app.services.fetchJobs.idle();
  assert.equal((await client.stat(`${d}/dst.txt`, { detail: true })).checksum, sha('fetched'));
  await rejectsWith(client.fetchFileHTTP(`${d}/x.txt`, 'not a uri'), { call: 'fetchFileHTTP', code: -14 });
});

test('multipart over JSON-RPC and HTTP: create, pieces, status, lists, complete, abort, restart', async () => {
  const d = await dir('mp');
  const mpid = await client.createMultipart(`${d}/joined.bin`);
  assert.match(mpid, /^[0-9a-f]{32}$/);
  const p1 = await client.multipartPiece(mpid, 1, new TextEncoder().encode('hello '));
  assert.equal(p1.sha256, sha('hello '));
  await client.multipartPiece(mpid, 2, new TextEncoder().encode('world'));
  await rejectsWith(client.multipartPiece(mpid, 3, new TextEncoder().encode('x'), sha('y')), { call: '/multipart/piece', code: -6, kind: 'ChecksumMismatch' });
  const pieces = await client.listMultipartPiece(mpid);
  assert.deepEqual(pieces.pieces.map((p) => [p.number, p.size]), [[1, 6], [2, 5]]);
  assert.equal((await client.getMultipartStatus(mpid)).path, `/${ACCOUNT}${d}/joined.bin`);
  assert.equal((await client.getMultipartStatusMap('upload'))['6'], 'SUCCESS');
  assert.equal((await client.getMultipartStatusMap('piece'))['1'], 'NEW');
  assert.ok((await client.listMultipart({ pageSize: 1000 })).multipart.some((m) => m.mpid === mpid));
  assert.equal(await client.completeMultipart(mpid), 2);
  await rejectsWith(client.restartMultipart(mpid), { call: 'restartMultipart', code: -22 });

  const viaHttp = await client.multipartCreate(`${d}/http.bin`);
  await client.multipartPiece(viaHttp, 1, new TextEncoder().encode('abc'));
  assert.equal(await client.multipartComplete(viaHttp), 1);

  const aborted = await client.createMultipart(`${d}/aborted.bin`);
  await client.abortMultipart(aborted);
  await rejectsWith(client.abortMultipart(aborted), { call: 'abortMultipart', code: -17 });
  await rejectsWith(client.getMultipartStatus('0'.repeat(32)), { call: 'getMultipartStatus', code: -2, kind: 'UnknownMultipart' });
});

test('postRaw: a web ReadableStream is sent as it is read, with progress, and the digest answered', async () => {
  const d = await dir('raw');
  const chunks = ['one ', 'two ', 'three'];
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(new TextEncoder().encode(next));
    },
  });
  const seen: number[] = [];
  const r = await client.postRaw(body, { path: `${d}/s.txt`, onProgress: (p) => seen.push(p.transferredBytes) });
  assert.deepEqual(r, { path: `/${ACCOUNT}${d}/s.txt`, sizeBytes: 13, sha256: sha('one two three') });
  assert.equal(seen.at(-1), 13);
  await rejectsWith(client.postRaw('x', { path: '/no/such/dir/x.txt' }), { call: '/post/raw', code: -3, kind: 'ParentMissing' });
  await rejectsWith(client.postRaw('x', { path: `${d}/bad.txt`, sha256: sha('y') }), { call: '/post/raw', code: -26, kind: 'ChecksumMismatch' });
});

test('postFile and postDirectory: a form upload and a directory with its parents', async () => {
  const d = await dir('form');
  await client.postDirectory(`${d}/x/y`);
  assert.equal((await client.stat(`${d}/x/y`)).type, 1);
  await rejectsWith(client.postDirectory(`${d}/p/q`, { recursive: false }), { call: '/post/directory', code: -3 });
  const r = await client.postFile(new Blob(['form bytes']), { path: `${d}/x/y/f.txt` });
  assert.equal(r.sha256, sha('form bytes'));
  assert.equal((await client.stat(`${d}/x/y/f.txt`)).size, 10);
});

test('uploadFile: small sources go through /post/raw, large ones through multipart in parallel, checked against the stored digest', async () => {
  const d = await dir('upload');
  const small = await client.uploadFile(new TextEncoder().encode('small'), `${d}/deep/er/small.txt`);
  assert.deepEqual([small.method, small.sha256], ['raw', sha('small')]);
  const bytes = new Uint8Array(3 * 65536 + 123).map((_, i) => (i * 7) & 255);
  const progress: number[] = [];
  const big = await client.uploadFile(new Blob([bytes]), `${d}/big.bin`, {
    multipartThresholdBytes: 65536, partSizeBytes: 65536, concurrency: 3, onProgress: (p) => progress.push(p.transferredBytes),
  });
  assert.deepEqual([big.method, big.pieces, big.sizeBytes, big.sha256], ['multipart', 4, bytes.length, sha(bytes)]);
  assert.equal(progress.at(-1), bytes.length);
  const stream = new Blob([bytes]).stream() as ReadableStream<Uint8Array>;
  const fromStream = await client.uploadFile(stream, `${d}/stream.bin`, { partSizeBytes: 65536 });
  assert.deepEqual([fromStream.method, fromStream.sha256], ['multipart', sha(bytes)]);
  const shortStream = await client.uploadFile(new Blob(['short']).stream() as ReadableStream<Uint8Array>, `${d}/short.txt`);
  assert.deepEqual([shortStream.method, shortStream.sha256], ['raw', sha('short')]);
});

test('uploadFile: an interrupted multipart upload resumes from listMultipartPiece and sends only the missing pieces', async () => {
  const d = await dir('resume');
  const bytes = new Uint8Array(6 * 65536).map((_, i) => (i * 13) & 255);
  const stop = new AbortController();
  let mpid = '';
  const options = { multipartThresholdBytes: 1, partSizeBytes: 65536, concurrency: 1 };
  await assert.rejects(client.uploadFile(new Blob([bytes]), `${d}/r.bin`, {
    ...options,
    signal: stop.signal,
    onMultipartCreated: (id) => (mpid = id),
    onProgress: (p) => p.transferredBytes >= 3 * 65536 && stop.abort(),
  }));
  const held = (await client.listMultipartPiece(mpid)).pieces.length;
  assert.ok(held >= 3 && held < 6, `${held} pieces held after the interruption`);
  const resumed = await client.uploadFile(new Blob([bytes]), `${d}/r.bin`, { ...options, resumeMultipartId: mpid });
  assert.deepEqual([resumed.multipartId, resumed.pieces, resumed.skippedPieces, resumed.sha256], [mpid, 6, held, sha(bytes)]);
});

test('download: the origin serves the file from an offset, with progress and its digest', async () => {
  const d = await dir('dl');
  await client.postRaw('0123456789', { path: `${d}/n.txt` });
  const whole = await client.download(`${d}/n.txt`);
  assert.deepEqual([await text(whole.body), whole.sizeBytes, whole.sha256], ['0123456789', 10, sha('0123456789')]);
  const seen: number[] = [];
  const tail = await client.download(`${d}/n.txt`, { offsetBytes: 4, onProgress: (p) => seen.push(p.transferredBytes) });
  assert.deepEqual([await text(tail.body), tail.sizeBytes, seen.at(-1)], ['456789', 10, 10]);
  await rejectsWith(client.download(`${d}/none.txt`), { call: 'GET', code: -1 });
});

test('download: a private account is read through a MediaVault URL', async () => {
  const d = await dir('private');
  await client.postRaw('secret bytes', { path: `${d}/p.txt` });
  await server.app.services.mediavault.setPrivate(ACCOUNT, true);
  try {
    assert.equal((await fetch(await client.egressUrl(`${d}/p.txt`))).status, 403);
    const got = await client.download(`${d}/p.txt`);
    assert.equal(await text(got.body), 'secret bytes');
  } finally {
    await server.app.services.mediavault.setPrivate(ACCOUNT, false);
  }
});

test('head: size, digest and type of a file through egress, without the bytes', async () => {
  const d = await dir('head');
  await client.postRaw('{"a":1}', { path: `${d}/h.json`, mtimeSeconds: 1_700_000_000 });
  assert.deepEqual(await client.head(`${d}/h.json`), { sizeBytes: 7, sha256: sha('{"a":1}'), contentType: 'application/json', mtimeSeconds: 1_700_000_000 });
  await rejectsWith(client.head(`${d}/none`), { call: 'HEAD', code: -1 });
});

test('health and metrics: /healthz answers ready, /metrics the counters', async () => {
  assert.equal(await client.health(), true);
  assert.match(await client.metrics(), /^# HELP /m);
});

test('client: an upload answered 429 waits for Retry-After and is sent again', async (t) => {
  // One upload a second, on a clock that moves only when the server has said 429: the retry is then admitted.
  let nowMs = Date.now();
  const limited = await startServer({ env: { ORIGINSTORE_UPLOAD_RATE_LIMIT: '1' }, clock: { nowMs: () => nowMs } });
  t.after(() => limited.close());
  const statuses: number[] = [];
  const clockAdvancing: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    statuses.push(response.status);
    if (response.status === 429) nowMs += 2000;
    return response;
  };
  const c = new OriginStoreClient({ url: limited.url, username: USER, password: PASSWORD, fetch: clockAdvancing });
  await c.postRaw('first', { path: '/one.txt' });
  const second = await c.postRaw('second', { path: '/two.txt' });
  assert.equal(second.sha256, sha('second'));
  assert.deepEqual(statuses.slice(-3), [200, 429, 200]);
});
