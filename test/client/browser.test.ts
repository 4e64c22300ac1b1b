/**
 * The SDK in a real browser (headless Chromium, when installed): the built
 * client/ modules are served by the test server's own egress, and a page
 * logs in, uploads a Blob through /post/raw with progress (XMLHttpRequest),
 * uploads one as a multipart upload, downloads it, posts a File through
 * /post/file and meets a typed error. It shows the browser build loads no
 * Node module.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createNodeClient, uploadLocalFile } from '../../src/client/node.js';
import { findChromium, launch } from '../helpers/cdp.js';
import { ACCOUNT, PASSWORD, startServer, USER } from '../helpers/server.js';

const ROOT = resolve(import.meta.dirname, '../..');
const chromium = findChromium();

const PAGE = `<!doctype html><meta charset="utf-8"><body><script>
window.result = import('./dist/client/index.js').then(async ({ OriginStoreClient, OriginStoreError }) => {
  const out = {};
  const client = new OriginStoreClient({ url: location.origin, username: ${JSON.stringify(USER)}, password: ${JSON.stringify(PASSWORD)} });
  out.user = (await client.checkToken()).username;
  const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7) & 255);
  const progress = [];
  const raw = await client.uploadFile(new Blob([bytes]), '/browser/raw.bin', { onProgress: (p) => progress.push(p.transferredBytes) });
  out.raw = [raw.method, raw.sha256, progress.at(-1)];
  const mp = await client.uploadFile(new Blob([bytes]), '/browser/mp.bin', { multipartThresholdBytes: 1048576, partSizeBytes: 1048576 });
  out.multipart = [mp.method, mp.pieces, mp.sha256];
  const got = await client.download('/browser/mp.bin');
  out.downloaded = (await new Response(got.body).arrayBuffer()).byteLength;
  const form = await client.postFile(new File(['from a form'], 'form.txt'), { path: '/browser/form.txt' });
  out.form = form.sizeBytes;
  try { await client.stat('/browser/none'); } catch (err) { out.error = [err instanceof OriginStoreError, err.code, err.call, err.meaning]; }
  return out;
});
</script>`;

test('browser: the SDK logs in, uploads (raw and multipart), downloads and throws typed errors in Chromium', { skip: chromium ? false : 'no Chromium installed (set CHROMIUM to its path)' }, async (t) => {
  const server = await startServer();
  const built = await mkdtemp(join(tmpdir(), 'originstore-client-build-'));
  t.after(async () => {
    await server.close();
    await rm(built, { recursive: true, force: true });
  });
  await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', built, '--declaration', 'false', '--sourceMap', 'false'], { cwd: ROOT });
  const client = createNodeClient({ url: server.url, username: USER, password: PASSWORD });
  for (const dir of ['client', 'domain']) {
    for (const name of await readdir(join(built, dir))) await uploadLocalFile(client, join(built, dir, name), `/site/dist/${dir}/${name}`);
  }
  await client.uploadFile(new TextEncoder().encode(PAGE), '/site/index.html');

  const browser = await launch(chromium!);
  t.after(() => browser.close());
  const out = (await browser.evaluateAfterLoad(`${server.url}/${ACCOUNT}/site/index.html`, 'window.result')) as Record<string, unknown>;
  const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7) & 255);
  const digest = createHash('sha256').update(bytes).digest('hex');
  assert.equal(out['user'], USER);
  assert.deepEqual(out['raw'], ['raw', digest, bytes.length]);
  assert.deepEqual(out['multipart'], ['multipart', 3, digest]);
  assert.equal(out['downloaded'], bytes.length);
  assert.equal(out['form'], 11);
  assert.deepEqual(out['error'], [true, -1, 'stat', 'no such file or directory']);
});
