/** GET /console: the built console's files, and nothing outside their folder. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'originstore-console-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>console</title>');
  await writeFile(join(dir, 'console.js'), 'export {};\n'.repeat(100));
  await writeFile(join(tmpdir(), 'outside-console.txt'), 'secret');
  server = await startServer({ env: { ORIGINSTORE_CONSOLE_DIR: dir } });
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

test('console: /console redirects to /console/, which serves index.html with a strict content security policy', async () => {
  const redirect = await fetch(`${server.url}/console`, { redirect: 'manual' });
  assert.equal(redirect.status, 308);
  assert.equal(redirect.headers.get('location'), '/console/');
  const page = await fetch(`${server.url}/console/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  assert.equal(await page.text(), '<!doctype html><title>console</title>');
});

test('console: assets are served gzipped when asked, and answer 304 to their ETag', async () => {
  const r = await new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
    request(`${server.url}/console/console.js`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject).end();
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-encoding'], 'gzip');
  assert.equal(gunzipSync(r.body).toString(), 'export {};\n'.repeat(100));
  const again = await fetch(`${server.url}/console/console.js`, { headers: { 'if-none-match': String(r.headers['etag']) } });
  assert.equal(again.status, 304);
});

test('console: names outside the console folder, or unknown kinds, are 404', async () => {
  for (const path of ['/console/..%2Foutside-console.txt', '/console/%2e%2e', '/console/missing.js', '/console/notes.exe']) {
    const r = await fetch(server.url + path);
    assert.equal(r.status, 404, path);
    await r.arrayBuffer();
  }
});

test('console: an account cannot be named "console", whose path the console holds', async () => {
  await assert.rejects(server.app.services.admin.addAccount('console'), /reserved/);
});
