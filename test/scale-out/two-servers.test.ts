/**
 * Two servers on one PostgreSQL and one blob store (docs/scale-out.md): any
 * server answers any request, and conflicting calls sent to both at once end
 * exactly as the spec says they end when sent to one server one after the
 * other.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { UploadState } from '../../src/domain/multipart-state.js';
import { expectAgile, postComplete, postCreate, postPiece } from '../helpers/multipart.js';
import { postgresSkip } from '../helpers/postgres.js';
import { call, sha256Hex, unique, upload } from '../helpers/rpc.js';
import { startCluster, type Cluster } from '../helpers/scale-out.js';
import type { TestServer } from '../helpers/server.js';

const options = await postgresSkip('the two-server tests');
const ROUNDS = 10;

let cluster: Cluster;
let a: TestServer;
let b: TestServer;

before(async () => {
  if (options.skip) return;
  cluster = await startCluster(2);
  [a, b] = cluster.servers as [TestServer, TestServer];
});
after(async () => {
  await cluster?.close();
});

async function body(server: TestServer, path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server.url}/acme${path}`);
  return { status: res.status, text: await res.text() };
}

async function joinsSettled(): Promise<void> {
  await Promise.all([a.app.services.joiner.idle(), b.app.services.joiner.idle()]);
}

test('a token from one server works on the other: log in on A, upload on B, download from A', options, async () => {
  const token = await a.login();
  const dir = `/${unique('cross')}`;
  assert.equal(await call(b, 'makeDir', [token, dir]), 0);
  await upload(b, token, `${dir}/f.txt`, 'written through B');
  assert.deepEqual(await body(a, `${dir}/f.txt`), { status: 200, text: 'written through B' });
  const stat = await call(a, 'stat', [token, `${dir}/f.txt`, true]);
  assert.equal(stat.code, 0);
  assert.equal(stat.checksum, sha256Hex('written through B'));
  // A logout on B ends the token on A too.
  assert.equal(await call(b, 'logout', [token]), 0);
  assert.equal(await call(a, 'makeDir', [token, `${dir}/after`]), -10001);
});

test('pieces of one multipart upload sent alternately to both servers, completed on either, join into one file', options, async () => {
  const token = await a.login();
  const dir = `/${unique('mp')}`;
  assert.equal(await call(a, 'makeDir', [token, dir]), 0);
  for (const completer of [a, b]) {
    const path = `${dir}/${unique('joined')}.bin`;
    const cut = path.lastIndexOf('/');
    const created = await postCreate(b.url, { 'X-Agile-Authorization': token, 'X-Agile-Directory': path.slice(0, cut), 'X-Agile-Basename': path.slice(cut + 1) });
    await expectAgile(created, 200, 0);
    const mpid = created.headers.get('x-agile-multipart')!;
    const pieces = Array.from({ length: 6 }, (_, i) => Buffer.alloc(1000 + i, 65 + i));
    await Promise.all(pieces.map(async (piece, i) => {
      const res = await postPiece((i % 2 === 0 ? a : b).url, token, mpid, i + 1, piece);
      await res.arrayBuffer();
      assert.equal(res.headers.get('x-agile-status'), '0', `piece ${i + 1}`);
    }));
    const done = await postComplete(completer.url, token, mpid);
    await done.arrayBuffer();
    assert.equal(done.headers.get('x-agile-status'), '0');
    await joinsSettled();
    const status = await call(a === completer ? b : a, 'getMultipartStatus', [token, mpid]);
    assert.equal(status.state, UploadState.SUCCESS);
    const got = await fetch(`${a.url}/acme${path}`);
    assert.equal(Buffer.from(await got.arrayBuffer()).equals(Buffer.concat(pieces)), true);
  }
});

test('two makeDir of one name, one on each server at once: both answer 0 and one directory exists', options, async () => {
  const token = await a.login();
  const parent = `/${unique('mkdir')}`;
  assert.equal(await call(a, 'makeDir', [token, parent]), 0);
  for (let i = 0; i < ROUNDS; i++) {
    const path = `${parent}/d${i}`;
    assert.deepEqual(await Promise.all([call(a, 'makeDir', [token, path]), call(b, 'makeDir', [token, path])]), [0, 0]);
  }
  const listing = await call(b, 'listDir', [token, parent, 1000, 0]);
  assert.deepEqual(listing.list.map((d: { name: string }) => d.name).sort(), Array.from({ length: ROUNDS }, (_, i) => `d${i}`).sort());
});

test('makeDir2 of one deep path on both servers at once: both answer 0', options, async () => {
  const token = await a.login();
  for (let i = 0; i < ROUNDS; i++) {
    const path = `/${unique('deep')}/x/y/z`;
    assert.deepEqual(await Promise.all([call(a, 'makeDir2', [token, path]), call(b, 'makeDir2', [token, path])]), [0, 0]);
    assert.equal((await call(a, 'stat', [token, path, false])).type, 1);
  }
});

test('rename onto a path while the other server uploads to it: the upload lands, and the rename either moved the file first or answers -2', options, async () => {
  const token = await a.login();
  const dir = `/${unique('race')}`;
  assert.equal(await call(a, 'makeDir', [token, dir]), 0);
  const seen = new Set<number>();
  for (let i = 0; i < ROUNDS; i++) {
    const from = `${dir}/old${i}`;
    const to = `${dir}/new${i}`;
    await upload(a, token, from, `original ${i}`);
    const [renamed] = await Promise.all([call(a, 'rename', [token, from, to]), upload(b, token, to, `uploaded ${i}`)]);
    seen.add(renamed);
    assert.ok(renamed === 0 || renamed === -2, `rename answered ${renamed}`);
    // Either way the acknowledged upload is what the new path holds.
    assert.deepEqual(await body(a, to), { status: 200, text: `uploaded ${i}` });
    if (renamed === 0) assert.equal((await body(b, from)).status, 404, 'the renamed file left its old path');
    else assert.deepEqual(await body(b, from), { status: 200, text: `original ${i}` }, 'a refused rename moved nothing');
  }
  assert.ok(seen.size > 0);
});

test('two completeMultipart of one upload, one on each server at once: one answers the piece count, the other -8, and the file is joined once', options, async () => {
  const token = await a.login();
  const dir = `/${unique('complete')}`;
  assert.equal(await call(a, 'makeDir', [token, dir]), 0);
  const joinedBefore = a.app.services.joiner.joinedTotal + b.app.services.joiner.joinedTotal;
  for (let i = 0; i < ROUNDS; i++) {
    const path = `${dir}/f${i}`;
    const { mpid } = await call(a, 'createMultipart', [token, path, '', 0]);
    for (const n of [1, 2]) {
      const res = await postPiece(b.url, token, mpid, n, `piece ${n} `);
      await res.arrayBuffer();
      assert.equal(res.headers.get('x-agile-status'), '0');
    }
    const answers = await Promise.all([call(a, 'completeMultipart', [token, mpid]), call(b, 'completeMultipart', [token, mpid])]);
    const codes = answers.map((r: { code: number }) => r.code).sort();
    assert.deepEqual(codes, [-8, 0]);
    assert.equal(answers.find((r: { code: number }) => r.code === 0).numpieces, 2);
    await joinsSettled();
    assert.deepEqual(await body(b, path), { status: 200, text: 'piece 1 piece 2 ' });
  }
  assert.equal(a.app.services.joiner.joinedTotal + b.app.services.joiner.joinedTotal - joinedBefore, ROUNDS, 'one join per upload');
});

test('two updateSession of one token, one on each server at once: one answers 0, the other -1', options, async () => {
  for (let i = 0; i < ROUNDS; i++) {
    const token = await a.login();
    const codes = await Promise.all([call(a, 'updateSession', [token, 600]), call(b, 'updateSession', [token, 900])]);
    assert.deepEqual([...codes].sort(), [-1, 0]);
  }
});

test('uploads of one path to both servers at once: both are acknowledged and the file is one of them, whole', options, async () => {
  const token = await a.login();
  const dir = `/${unique('same')}`;
  assert.equal(await call(a, 'makeDir', [token, dir]), 0);
  for (let i = 0; i < ROUNDS; i++) {
    const path = `${dir}/f${i}`;
    await Promise.all([upload(a, token, path, `from A ${i}`), upload(b, token, path, `from B ${i}`)]);
    const { text } = await body(a, path);
    assert.ok(text === `from A ${i}` || text === `from B ${i}`, text);
  }
});

test('housekeeping runs on one server at a time: while one holds the lease the other skips its sweep', options, async () => {
  const store = a.app.stores.metadata;
  assert.equal(await store.acquireLease('housekeeping', 'another server', 60_000), true);
  try {
    assert.equal((await a.app.services.sweep()).skipped, true);
    assert.equal((await b.app.services.sweep()).skipped, true);
  } finally {
    await store.releaseLease('housekeeping', 'another server');
  }
  assert.equal((await b.app.services.sweep()).skipped, undefined);
});

test('a multipart join held by another server is not run again by recovery here', options, async () => {
  const token = await a.login();
  const dir = `/${unique('held')}`;
  assert.equal(await call(a, 'makeDir', [token, dir]), 0);
  const path = `${dir}/f`;
  const { mpid } = await call(a, 'createMultipart', [token, path, '', 0]);
  const res = await postPiece(a.url, token, mpid, 1, 'only piece');
  await res.arrayBuffer();
  // Another server has the join: its lease is taken before completeMultipart starts one here.
  assert.equal(await a.app.stores.metadata.acquireLease(`join:${mpid}`, 'another server', 60_000), true);
  assert.equal((await call(a, 'completeMultipart', [token, mpid])).code, 0);
  await b.app.services.recover();
  await joinsSettled();
  assert.equal((await call(b, 'getMultipartStatus', [token, mpid])).state, UploadState.COMPLETE, 'neither server ran it');
  // Once the holder is gone (its lease released or lapsed), recovery on B runs it.
  await a.app.stores.metadata.releaseLease(`join:${mpid}`, 'another server');
  await b.app.services.recover();
  await joinsSettled();
  assert.equal((await call(a, 'getMultipartStatus', [token, mpid])).state, UploadState.SUCCESS);
  assert.deepEqual(await body(a, path), { status: 200, text: 'only piece' });
});

/** signing_requests.md: the signature over the X-Agile-* headers (as test/api/signing.test.ts builds it). */
function sign(headers: Record<string, string>, endpoint: string, accessKey: string, secretKey: string): string {
  const mac = [`access_key=${accessKey}`, `expiry=${Math.floor(Date.now() / 1000) + 60}`];
  for (const [name, value] of Object.entries(headers)) mac.push(`${name.slice('X-Agile-'.length).toLowerCase()}=${value}`);
  mac.sort();
  const payload = `${endpoint}?${mac.join('&')}`;
  return `${payload}&signature=${createHmac('sha256', secretKey).update(payload).digest('base64')}`;
}

test('a key pair made on one server signs requests to the other, and a signature sent to both at once is used once', options, async () => {
  const token = await a.login();
  const pair = await call(a, 'initKeyPair', [token]);
  assert.equal(pair.code, 0);
  for (let i = 0; i < ROUNDS; i++) {
    const headers = { 'X-Agile-Directory': '/', 'X-Agile-Basename': unique('signed') };
    const signature = sign(headers, '/post/raw', pair.access_key, pair.secret_key);
    const answers = await Promise.all([a, b].map(async (server) => {
      const res = await server.postRaw(`signed ${i}`, { ...headers, 'X-Agile-Signature': signature });
      await res.arrayBuffer();
      return `${res.status} ${res.headers.get('x-agile-status')}`;
    }));
    assert.deepEqual(answers.sort(), ['200 0', '403 -10001']);
    assert.deepEqual(await body(a, `/${headers['X-Agile-Basename']}`), { status: 200, text: `signed ${i}` });
  }
});
