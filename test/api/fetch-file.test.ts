import { createHash } from 'node:crypto';
/**
 * fetchFileHTTP(token, path, uri, flags) (working_with_files_json.md, "Copy a
 * File"): checked at once, copied in the background through a bounded queue.
 * A copy inside the store shares the source's blob; remote sources are an
 * opt-in, tested here against a node:http server on loopback.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { ACCOUNT, startServer, type TestServer } from '../helpers/server.js';
import { ageMtime, assertMtimeMoved, call, sha256Hex, statCode, unique, UNKNOWN_TOKEN, upload, freshDirectory } from '../helpers/rpc.js';

let server: TestServer;
let token: string;

before(async () => {
  server = await startServer();
  token = await server.login();
});
after(() => server.close());

const src = (path: string) => `http://${ACCOUNT}${path}`;

async function fetchFile(s: TestServer, t: string, path: string, uri: string, flags?: unknown): Promise<number> {
  return call(s, 'fetchFileHTTP', flags === undefined ? [t, path, uri] : [t, path, uri, flags]);
}

const freshDir = (prefix: string, t = token, s = server): Promise<string> => freshDirectory(s, t, prefix);

test('fetchFileHTTP: returns 0 and copies the file once the queue is idle', async () => {
  const dir = await freshDir('fetch');
  await upload(server, token, `${dir}/a.txt`, 'copy me');
  assert.equal(await fetchFile(server, token, `${dir}/b.txt`, src(`${dir}/a.txt`)), 0);
  await server.app.services.fetchJobs.idle();
  const copy = await call(server, 'stat', [token, `${dir}/b.txt`, true]);
  assert.equal(copy.code, 0);
  assert.equal(copy.size, 7);
  assert.equal(copy.checksum, sha256Hex('copy me'));
  const res = await fetch(`${server.url}/${ACCOUNT}${dir}/b.txt`);
  assert.equal(await res.text(), 'copy me');
});

test('fetchFileHTTP: named parameters, as the spec sample sends them', async () => {
  const dir = await freshDir('fetch-named');
  await upload(server, token, `${dir}/a.txt`, 'named');
  assert.equal(await call(server, 'fetchFileHTTP', { token, path: `${dir}/b.txt`, uri: src(`${dir}/a.txt`), flags: 1 }), 0);
  await server.app.services.fetchJobs.idle();
  assert.equal(await statCode(server, token, `${dir}/b.txt`), 0);
});

test('fetchFileHTTP: a copy of a 1 GiB file shares its blob, so no byte is rewritten under <dataDir>/blobs', async () => {
  const dir = await freshDir('fetch-big');
  // 1 GiB streamed from a generator, never held in memory.
  const chunk = Buffer.alloc(1 << 20, 7);
  const hash = createHash('sha256');
  const total = 1024;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === total) return controller.close();
      sent++;
      hash.update(chunk);
      controller.enqueue(chunk);
    },
  });
  let sent = 0;
  const res = await fetch(`${server.url}/post/raw`, {
    method: 'POST',
    headers: { 'X-Agile-Authorization': token, 'X-Agile-Directory': dir, 'X-Agile-Basename': 'big.bin' },
    body,
    duplex: 'half',
  } as RequestInit);
  assert.equal(res.headers.get('x-agile-status'), '0');
  const sha = hash.digest('hex');
  await server.app.services.garbage.drain();
  const before = await server.blobs.usage();
  assert.equal(await fetchFile(server, token, `${dir}/copy.bin`, src(`${dir}/big.bin`)), 0);
  await server.app.services.fetchJobs.idle();
  await server.app.services.garbage.drain();
  assert.deepEqual(await server.blobs.usage(), before);
  const copy = await call(server, 'stat', [token, `${dir}/copy.bin`, true]);
  assert.equal(copy.size, total * chunk.length);
  assert.equal(copy.checksum, sha);
});

test('fetchFileHTTP: replaces an existing file and sets the parent mtime', async () => {
  const dir = await freshDir('fetch-replace');
  await upload(server, token, `${dir}/a.txt`, 'new content');
  await upload(server, token, `${dir}/b.txt`, 'old');
  await ageMtime(server, token, dir);
  assert.equal(await fetchFile(server, token, `${dir}/b.txt`, src(`${dir}/a.txt`), 0), 0);
  await server.app.services.fetchJobs.idle();
  assert.equal((await call(server, 'stat', [token, `${dir}/b.txt`, true])).checksum, sha256Hex('new content'));
  await assertMtimeMoved(server, token, dir);
  // Deleting the source leaves the copy readable: the shared blob is kept while a node refers to it.
  assert.equal(await call(server, 'deleteFile', [token, `${dir}/a.txt`]), 0);
  await server.app.services.garbage.drain();
  assert.equal(await (await fetch(`${server.url}/${ACCOUNT}${dir}/b.txt`)).text(), 'new content');
});

test('fetchFileHTTP: FF_CREATE_DESTDIR (or 1) creates the destination directories', async () => {
  const dir = await freshDir('fetch-destdir');
  await upload(server, token, `${dir}/a.txt`, 'x');
  assert.equal(await fetchFile(server, token, `${dir}/n1/n2/b.txt`, src(`${dir}/a.txt`), 'FF_CREATE_DESTDIR'), 0);
  assert.equal(await fetchFile(server, token, `${dir}/m1/b.txt`, src(`${dir}/a.txt`), 1), 0);
  await server.app.services.fetchJobs.idle();
  assert.equal(await statCode(server, token, `${dir}/n1/n2/b.txt`), 0);
  assert.equal(await statCode(server, token, `${dir}/m1/b.txt`), 0);
});

test('fetchFileHTTP: the source uri is URL-encoded', async () => {
  const dir = await freshDir('fetch-encoded');
  await upload(server, token, `${dir}/a b ü.txt`, 'spaced');
  assert.equal(await fetchFile(server, token, `${dir}/c.txt`, src(`${dir}/${encodeURIComponent('a b ü.txt')}`)), 0);
  await server.app.services.fetchJobs.idle();
  assert.equal(await statCode(server, token, `${dir}/c.txt`), 0);
});

test('fetchFileHTTP: returns -13 for flags other than 0, 1 and FF_CREATE_DESTDIR', async () => {
  const dir = await freshDir('fetch-flags');
  await upload(server, token, `${dir}/a.txt`, 'x');
  for (const flags of [2, -1, 'FF_OTHER', 'ff_create_destdir', true, [1], { a: 1 }]) {
    assert.equal(await fetchFile(server, token, `${dir}/b.txt`, src(`${dir}/a.txt`), flags), -13, JSON.stringify(flags));
  }
  assert.equal(await statCode(server, token, `${dir}/b.txt`), -1);
});

test('fetchFileHTTP: returns -14 for a source uri that is not http://<account>/<file>', async () => {
  const dir = await freshDir('fetch-uri');
  await upload(server, token, `${dir}/a.txt`, 'x');
  const bad = [
    `http://other${dir}/a.txt`,
    `https://${ACCOUNT}${dir}/a.txt`,
    `ftp://${ACCOUNT}${dir}/a.txt`,
    `${dir}/a.txt`,
    `http://${ACCOUNT}${dir}/missing.txt`,
    `http://${ACCOUNT}${dir}`,
    `http://${ACCOUNT}/`,
    `http://${ACCOUNT}${dir}/../${dir.slice(1)}/a.txt`,
    `http://${ACCOUNT}${dir}/%2e%2e${dir}/a.txt`,
    `http://${ACCOUNT}${dir}%2Fa.txt`,
    `http://${ACCOUNT}${dir}/a.txt?x=1`,
    `http://${ACCOUNT}${dir}/%zz`,
    `http://127.0.0.1:1/a.txt`,
  ];
  for (const uri of bad) assert.equal(await fetchFile(server, token, `${dir}/b.txt`, uri), -14, uri);
  assert.equal(await statCode(server, token, `${dir}/b.txt`), -1);
});

test('fetchFileHTTP: returns -14 when a home-restricted user names a source outside its home', async () => {
  await server.app.services.admin.addUser(ACCOUNT, 'fetch-carol', 'pw', { home: '/fetch-carol-home' });
  const carol = await server.login('fetch-carol', 'pw');
  const dir = await freshDir('fetch-outside');
  await upload(server, token, `${dir}/secret.txt`, 'secret');
  assert.equal(await fetchFile(server, carol, '/stolen.txt', src(`${dir}/secret.txt`)), -14);
  await upload(server, carol, '/mine.txt', 'mine');
  assert.equal(await fetchFile(server, carol, '/copy.txt', src('/fetch-carol-home/mine.txt')), 0);
  await server.app.services.fetchJobs.idle();
  assert.equal(await statCode(server, carol, '/copy.txt'), 0);
  assert.equal(await statCode(server, carol, '/stolen.txt'), -1);
});

test('fetchFileHTTP: returns -4 when the job cannot be queued (destination invalid, a directory, or its parent missing)', async () => {
  const dir = await freshDir('fetch-dest');
  await upload(server, token, `${dir}/a.txt`, 'x');
  assert.equal(await call(server, 'makeDir', [token, `${dir}/sub`]), 0);
  for (const dest of [`${dir}/../escape.txt`, `${dir}/sub`, `${dir}/none/b.txt`, '/']) {
    assert.equal(await fetchFile(server, token, dest, src(`${dir}/a.txt`)), -4, dest);
  }
});

test('fetchFileHTTP: returns -10001 for a bad token', async () => {
  assert.equal(await fetchFile(server, UNKNOWN_TOKEN, '/b.txt', src('/a.txt')), -10001);
});

test('fetchFileHTTP: returns -56 when the queue is full (--fetch-queue-size 1 --fetch-concurrency 1)', async (t) => {
  const o = await origin();
  t.after(() => o.server.close());
  const busy = await startServer({
    env: { ORIGINSTORE_FETCH_QUEUE_SIZE: '1', ORIGINSTORE_FETCH_CONCURRENCY: '1', ORIGINSTORE_FETCH_REMOTE: '1', ORIGINSTORE_FETCH_ALLOW_PRIVATE: '1' },
  });
  t.after(() => busy.close());
  const t2 = await busy.login();
  const dir = await freshDir('fetch-busy', t2, busy);
  await upload(busy, t2, `${dir}/large.bin`, Buffer.alloc(8 * 1024 * 1024, 1));
  // The only worker is held by a remote copy the origin answers only when released, so the
  // outcome does not depend on how fast the metadata store checks each request.
  assert.equal(await fetchFile(busy, t2, `${dir}/held.bin`, `${o.url}/hold`), 0);
  while (o.hits.length === 0) await new Promise((resolve) => setImmediate(resolve));
  const batch = [1, 2].map((i) => ({ jsonrpc: '2.0', id: i, method: 'fetchFileHTTP', params: [t2, `${dir}/c${i}.bin`, src(`${dir}/large.bin`)] }));
  const { body } = await busy.rpcRaw(batch, { endpoint: '/jsonrpc2' });
  // A batch may be processed in any order (submitting_batch_requests.md), so either copy may be
  // the one that got the queue's only place; the other must be refused, and only the queued one lands.
  const answers = (body as Array<{ id: number; result: number }>).sort((a, b) => a.id - b.id);
  assert.deepEqual(answers.map((a) => a.result).sort((a, b) => a - b), [-56, 0]);
  o.release();
  await busy.app.services.fetchJobs.idle();
  for (const a of answers) {
    assert.equal(await statCode(busy, t2, `${dir}/c${a.id}.bin`), a.result === 0 ? 0 : -1);
  }
});

/** A tiny origin on loopback; `/hold` answers only when released. */
async function origin(): Promise<{ url: string; server: Server; release: () => void; hits: string[] }> {
  const hits: string[] = [];
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  const s = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/hello.txt') return res.end('remote hello');
    if (req.url === '/broken') {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('only part');
      return res.destroy();
    }
    if (req.url === '/hold') return void held.then(() => res.end('held'));
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const address = s.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}`, server: s, release, hits };
}

test('fetchFileHTTP: remote sources are refused with -14 unless --fetch-remote is set', async (t) => {
  const o = await origin();
  t.after(() => o.server.close());
  assert.equal(await fetchFile(server, token, '/remote.txt', `${o.url}/hello.txt`), -14);
  assert.deepEqual(o.hits, []);
});

test('fetchFileHTTP: with --fetch-remote, loopback and private addresses are refused without --fetch-allow-private', async (t) => {
  const o = await origin();
  t.after(() => o.server.close());
  const remote = await startServer({ env: { ORIGINSTORE_FETCH_REMOTE: 'true' } });
  t.after(() => remote.close());
  const rt = await remote.login();
  const port = new URL(o.url).port;
  // An address literal is refused at once (-14), without a connection (only loopback forms here: a test sends nothing elsewhere).
  for (const literal of [`127.0.0.1:${port}`, `[::1]:${port}`, `2130706433:${port}`, `0x7f000001:${port}`, `[::ffff:127.0.0.1]:${port}`, `127.1.2.3:${port}`]) {
    assert.equal(await fetchFile(remote, rt, '/r.txt', `http://${literal}/hello.txt`), -14, literal);
  }
  // A host name is queued, and refused when it resolves to a loopback address.
  assert.equal(await fetchFile(remote, rt, '/l.txt', `http://localhost:${port}/hello.txt`), 0);
  await remote.app.services.fetchJobs.idle();
  assert.deepEqual(o.hits, []);
  assert.equal(await statCode(remote, rt, '/r.txt'), -1);
  assert.equal(await statCode(remote, rt, '/l.txt'), -1);
  assert.equal(remote.app.services.fetchJobs.failedTotal, 1);
});

test('fetchFileHTTP: with --fetch-remote and --fetch-allow-private, a remote file is streamed, hashed and stored', async (t) => {
  const o = await origin();
  t.after(() => o.server.close());
  const remote = await startServer({ env: { ORIGINSTORE_FETCH_REMOTE: '1', ORIGINSTORE_FETCH_ALLOW_PRIVATE: '1' } });
  t.after(() => remote.close());
  const rt = await remote.login();
  assert.equal(await fetchFile(remote, rt, '/in/r.txt', `${o.url}/hello.txt`, 'FF_CREATE_DESTDIR'), 0);
  await remote.app.services.fetchJobs.idle();
  const s = await call(remote, 'stat', [rt, '/in/r.txt', true]);
  assert.equal(s.code, 0);
  assert.equal(s.checksum, sha256Hex('remote hello'));
  assert.equal(await (await fetch(`${remote.url}/${ACCOUNT}/in/r.txt`)).text(), 'remote hello');
});

test('fetchFileHTTP: a failed remote fetch leaves nothing behind', async (t) => {
  const o = await origin();
  t.after(() => o.server.close());
  const remote = await startServer({ env: { ORIGINSTORE_FETCH_REMOTE: '1', ORIGINSTORE_FETCH_ALLOW_PRIVATE: '1' } });
  t.after(() => remote.close());
  const rt = await remote.login();
  const before = await remote.blobs.usage();
  assert.equal(await fetchFile(remote, rt, '/broken.bin', `${o.url}/broken`), 0);
  assert.equal(await fetchFile(remote, rt, '/missing.bin', `${o.url}/missing`), 0);
  await remote.app.services.fetchJobs.idle();
  assert.equal(remote.app.services.fetchJobs.failedTotal, 2);
  assert.equal(await statCode(remote, rt, '/broken.bin'), -1);
  assert.equal(await statCode(remote, rt, '/missing.bin'), -1);
  assert.deepEqual(await remote.blobs.usage(), before);
  assert.equal(await remote.blobs.temporaries(), 0);
});

test('fetchFileHTTP: a burst beyond the queue is -56 while a slow remote copy holds the only worker', async (t) => {
  const o = await origin();
  t.after(() => o.server.close());
  const remote = await startServer({
    env: { ORIGINSTORE_FETCH_REMOTE: '1', ORIGINSTORE_FETCH_ALLOW_PRIVATE: '1', ORIGINSTORE_FETCH_QUEUE_SIZE: '1', ORIGINSTORE_FETCH_CONCURRENCY: '1' },
  });
  t.after(() => remote.close());
  const rt = await remote.login();
  assert.equal(await fetchFile(remote, rt, '/h1.txt', `${o.url}/hold`), 0);
  // Wait until the worker has taken the first job and is blocked on the origin.
  while (o.hits.length === 0) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(await fetchFile(remote, rt, '/h2.txt', `${o.url}/hold`), 0);
  assert.equal(await fetchFile(remote, rt, '/h3.txt', `${o.url}/hold`), -56);
  o.release();
  await remote.app.services.fetchJobs.idle();
  assert.equal(await statCode(remote, rt, '/h1.txt'), 0);
  assert.equal(await statCode(remote, rt, '/h2.txt'), 0);
  assert.equal(await statCode(remote, rt, '/h3.txt'), -1);
});
