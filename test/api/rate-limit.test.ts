/**
 * best_practices.md, "Observe Upload Limits": upload requests beyond the
 * account's rate per second get HTTP 429 with Retry-After, and nothing is
 * stored (`--upload-rate-limit`, 100 by default, 0 = off).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RateLimiter } from '../../src/service/rate-limit.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { call, statCode } from '../helpers/rpc.js';

let server: TestServer;
let token: string;

before(async () => {
  // Time stands still, so the bucket never refills between two uploads however slow the store is.
  const frozenMs = Date.now();
  server = await startServer({ env: { ORIGINSTORE_UPLOAD_RATE_LIMIT: '3' }, clock: { nowMs: () => frozenMs } });
  token = await server.login();
});
after(() => server.close());

function raw(t: string, name: string, body = 'data'): Promise<Response> {
  return server.postRaw(body, { 'X-Agile-Authorization': t, 'X-Agile-Directory': '/', 'X-Agile-Basename': name });
}

test('upload limits: the 4th upload in the same second is 429 with Retry-After and is not stored', async () => {
  const answers: Response[] = [];
  for (let i = 1; i <= 4; i++) {
    const res = await raw(token, `burst-${i}.txt`);
    await res.arrayBuffer();
    answers.push(res);
  }
  assert.deepEqual(answers.map((r) => r.status), [200, 200, 200, 429]);
  const refused = answers[3]!;
  assert.equal(refused.headers.get('x-agile-status'), '-56');
  assert.ok(Number(refused.headers.get('retry-after')) >= 1);
  assert.equal(await statCode(server, token, '/burst-3.txt'), 0);
  assert.equal(await statCode(server, token, '/burst-4.txt'), -1);
});

test('upload limits: /post/file and /multipart/piece are refused the same way, another account is not', async () => {
  const form = new FormData();
  form.set('directory', '/');
  form.set('basename', 'form.txt');
  form.set('uploadFile', new Blob(['x']), 'form.txt');
  // Empty the bucket first, then the other two endpoints within the same second.
  for (let i = 0; i < 4; i++) {
    const res = await raw(token, `drain-${i}.txt`);
    await res.arrayBuffer();
    if (res.status === 429) break;
  }
  const file = await fetch(`${server.url}/post/file`, { method: 'POST', headers: { 'X-Agile-Authorization': token }, body: form });
  await file.arrayBuffer();
  assert.equal(file.status, 429);
  const piece = await fetch(`${server.url}/multipart/piece`, {
    method: 'POST',
    headers: { 'X-Agile-Authorization': token, 'X-Agile-Multipart': '0'.repeat(32), 'X-Agile-Part': '1' },
    body: 'piece',
  });
  await piece.arrayBuffer();
  assert.equal(piece.status, 429);
  assert.equal(await statCode(server, token, '/form.txt'), -1);

  await server.app.services.admin.addAccount('ratelimit-other');
  await server.app.services.admin.addUser('ratelimit-other', 'bob', 'pw');
  const bob = await server.login('bob', 'pw');
  const res = await raw(bob, 'bob.txt');
  await res.arrayBuffer();
  assert.equal(res.status, 200);
});

test('upload limits: JSON-RPC calls are not counted', async () => {
  for (let i = 0; i < 5; i++) assert.equal(await call(server, 'makeDir', [token, `/rpc-${i}`]), 0);
});

test('upload limits: the bucket refills at the configured rate (pinned clock)', () => {
  let now = 1_000_000;
  const limiter = new RateLimiter({ nowMs: () => now }, 3);
  assert.deepEqual([1, 2, 3].map(() => limiter.take('acme').allowed), [true, true, true]);
  assert.deepEqual(limiter.take('acme'), { allowed: false, retryAfterSeconds: 1 });
  assert.equal(limiter.take('other').allowed, true);
  now += 334;
  assert.equal(limiter.take('acme').allowed, true);
  assert.equal(limiter.take('acme').allowed, false);
  now += 1000;
  assert.deepEqual([1, 2, 3, 4].map(() => limiter.take('acme').allowed), [true, true, true, false]);
});

test('upload limits: 0 turns the limit off', () => {
  const limiter = new RateLimiter({ nowMs: () => 0 }, 0);
  for (let i = 0; i < 1000; i++) assert.equal(limiter.take('acme').allowed, true);
});
