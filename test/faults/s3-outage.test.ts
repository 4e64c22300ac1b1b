/**
 * The S3 store goes away in the middle of uploads and comes back: uploads
 * that cannot reach it are refused with the documented "try again" answers
 * (/post/raw and /multipart/piece -26 @ 503, egress 503), calls that
 * need only metadata keep working, nothing acknowledged is lost, and the
 * same server process serves everything again once the store answers.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { expectAgile, postCreate, postPiece, sha256, streamedGet } from '../helpers/multipart.js';
import { call } from '../helpers/rpc.js';
import { s3OrSkip, startTestS3, type TestS3 } from '../helpers/s3.js';
import { ACCOUNT, startServer, type TestServer } from '../helpers/server.js';

const MiB = 1024 * 1024;

function patterned(sizeBytes: number, seed: number): Buffer {
  const out = Buffer.alloc(sizeBytes);
  for (let i = 0; i + 4 <= sizeBytes; i += 4) out.writeUInt32BE((i * 2654435761 + seed) >>> 0, i);
  return out;
}

async function postRaw(server: TestServer, token: string, name: string, body: Buffer | string): Promise<Response> {
  return server.postRaw(body, { 'X-Agile-Authorization': token, 'X-Agile-Directory': '/', 'X-Agile-Basename': name });
}

/** A /post/raw whose body the test writes itself, so it can be cut off from S3 halfway. */
function openUpload(server: TestServer, token: string, name: string) {
  const url = new URL(`${server.url}/post/raw`);
  const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'X-Agile-Authorization': token, 'X-Agile-Directory': '/', 'X-Agile-Basename': name } });
  const answer = new Promise<{ status: number; agile: string | undefined }>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, agile: res.headers['x-agile-status'] as string | undefined });
    });
    // The server may answer and close before the body is all sent; the answer is what counts.
    req.on('error', (err) => setImmediate(() => reject(err)));
  });
  const write = (chunk: Buffer) => new Promise<void>((resolve) => (req.write(chunk) ? resolve() : req.once('drain', resolve)));
  return { write, end: () => req.end(), destroy: () => req.destroy(), answer };
}

/** Wait for a state the test can observe in the store (each look is a request, not a timer). */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail(`never saw: ${what}`);
}

test('S3 outage: uploads fail with -26 @ 503, nothing acknowledged is lost, and the server recovers without a restart', async (t) => {
  const s3: TestS3 | undefined = await s3OrSkip(t, startTestS3);
  if (!s3) return;
  const bucket = await s3.createBucket();
  // Parts of 5 MiB, so an upload of a few MiB is already a multipart upload in the store.
  const server = await startServer({ env: { ORIGINSTORE_BLOBS: `${s3.blobsUrl(bucket)}&partSize=5MiB` } });
  t.after(async () => {
    await server.close();
    await s3.close();
  });
  const token = await server.login();

  // Acknowledged before the outage: one small file, one of several parts, and a multipart upload under way.
  const small = Buffer.from('acknowledged before the outage');
  const large = patterned(12 * MiB + 5, 1);
  assert.equal((await postRaw(server, token, 'small.txt', small)).status, 200);
  assert.equal((await postRaw(server, token, 'large.bin', large)).status, 200);
  const created = await postCreate(server.url, { 'X-Agile-Authorization': token, 'X-Agile-Directory': '/', 'X-Agile-Basename': 'joined.bin' });
  assert.equal(created.status, 200);
  const mpid = created.headers.get('x-agile-multipart')!;
  const pieces = [patterned(6 * MiB, 2), patterned(6 * MiB, 3)];
  await expectAgile(await postPiece(server.url, token, mpid, 1, pieces[0]!), 200, 0);

  // An upload in the middle of its parts when the store goes away.
  const cut = openUpload(server, token, 'cut.bin');
  t.after(() => cut.destroy());
  // Two parts' worth: the store holds one part back until it knows another follows, then starts the upload.
  await cut.write(patterned(11 * MiB, 4));
  await until('the interrupted upload started a multipart upload in the store', async () => (await s3.keys(bucket, 'tmp/')).length > 0);
  await s3.stop();
  await cut.write(patterned(3 * MiB, 5));
  cut.end();
  assert.deepEqual(await cut.answer, { status: 503, agile: '-26' });

  // While the store is away: uploads get their "try again" answers, egress 503, metadata calls still work.
  const refused = await postRaw(server, token, 'during.txt', 'written during the outage');
  await expectAgile(refused, 503, -26);
  await expectAgile(await postPiece(server.url, token, mpid, 2, pieces[1]!), 503, -26);
  const egress = await fetch(`${server.url}/${ACCOUNT}/small.txt`);
  assert.equal(egress.status, 503);
  assert.doesNotMatch(await egress.text(), /at .*\.ts:\d+/, 'no stack trace in the answer');
  assert.equal((await call(server, 'stat', [token, '/small.txt', true])).code, 0);
  assert.equal((await call(server, 'stat', [token, '/during.txt', true])).code, -1);
  assert.equal((await call(server, 'stat', [token, '/cut.bin', true])).code, -1);
  assert.equal(await call(server, 'makeDir', [token, '/made-during-outage']), 0);

  // The store comes back; the same server process carries on.
  await s3.start();
  for (const [name, bytes] of [['small.txt', small], ['large.bin', large]] as const) {
    const got = await streamedGet(`${server.url}/${ACCOUNT}/${name}`);
    assert.equal(got.status, 200, name);
    assert.equal(got.sha256, sha256(bytes), `${name} is intact`);
  }
  assert.equal((await postRaw(server, token, 'after.txt', 'written after the outage')).status, 200);
  await expectAgile(await postPiece(server.url, token, mpid, 2, pieces[1]!), 200, 0);
  const complete = await fetch(`${server.url}/multipart/complete`, { method: 'POST', headers: { 'X-Agile-Authorization': token, 'X-Agile-Multipart': mpid } });
  await expectAgile(complete, 200, 0);
  await server.app.services.joiner.idle();
  assert.equal((await call(server, 'getMultipartStatus', [token, mpid])).state, 6, 'the join succeeded');
  const joined = await streamedGet(`${server.url}/${ACCOUNT}/joined.bin`);
  assert.equal(joined.status, 200);
  assert.equal(joined.sha256, sha256(Buffer.concat(pieces)));
  // The interrupted upload never became visible: the only objects are blobs of files that exist.
  assert.equal((await call(server, 'stat', [token, '/cut.bin', true])).code, -1);
});

test('S3 outage: a multipart join that cannot reach the store waits in JOIN and completes once the store is back', async (t) => {
  const s3: TestS3 | undefined = await s3OrSkip(t, startTestS3);
  if (!s3) return;
  const bucket = await s3.createBucket();
  const server = await startServer({ env: { ORIGINSTORE_BLOBS: `${s3.blobsUrl(bucket)}&partSize=5MiB` } });
  t.after(async () => {
    await server.close();
    await s3.close();
  });
  const token = await server.login();
  const created = await postCreate(server.url, { 'X-Agile-Authorization': token, 'X-Agile-Directory': '/', 'X-Agile-Basename': 'later.bin' });
  const mpid = created.headers.get('x-agile-multipart')!;
  const pieces = [patterned(6 * MiB, 6), patterned(100, 7), patterned(6 * MiB, 8)];
  for (const [i, piece] of pieces.entries()) await expectAgile(await postPiece(server.url, token, mpid, i + 1, piece), 200, 0);

  await s3.stop();
  const complete = await fetch(`${server.url}/multipart/complete`, { method: 'POST', headers: { 'X-Agile-Authorization': token, 'X-Agile-Multipart': mpid } });
  await expectAgile(complete, 200, 0);
  await server.app.services.joiner.idle();
  const waiting = await call(server, 'getMultipartStatus', [token, mpid]);
  assert.equal(waiting.state, 5, 'the upload waits in JOIN, not FAILED');

  await s3.start();
  await server.app.services.joiner.retryNow();
  await server.app.services.joiner.idle();
  assert.equal((await call(server, 'getMultipartStatus', [token, mpid])).state, 6);
  const joined = await streamedGet(`${server.url}/${ACCOUNT}/later.bin`);
  assert.equal(joined.sha256, sha256(Buffer.concat(pieces)));
});
