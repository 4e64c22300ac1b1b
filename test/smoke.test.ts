import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, type TestServer } from './helpers/server.js';

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server.close());

test('ping: answers {code: 0, operation: "pong"} without a token', async () => {
  assert.deepEqual(await server.rpc('ping', []), { code: 0, operation: 'pong' });
});

test('an upload through /post/raw can be read back through egress', async () => {
  const token = await server.login();
  const res = await server.postRaw('hello', { 'X-Agile-Authorization': token, 'X-Agile-Basename': 'a.txt' });
  assert.equal(res.headers.get('x-agile-status'), '0');
  const got = await fetch(`${server.url}/acme/a.txt`);
  assert.equal(await got.text(), 'hello');
  assert.equal(got.headers.get('content-type'), 'text/plain');
});
