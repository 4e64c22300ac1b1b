/**
 * A full disk is the documented "-22: disk full" with HTTP 503 on /post/raw
 * and /post/file (uploading_files_nonmultipart.md), not a 500: the server
 * runs on a 6 MiB tmpfs of its own (a mount namespace through `unshare`),
 * an upload larger than that fails with -22 and leaves nothing behind, and
 * once the partial bytes are gone the next small upload succeeds.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startChildServer } from '../helpers/child-server.js';

const DISK_BYTES = 6 * 1024 * 1024;
const TOO_BIG_BYTES = 16 * 1024 * 1024;

/** Mount a tmpfs over the data directory in a private mount namespace, then run the server there. */
const LAUNCHER = ['unshare', '-rm', 'sh', '-c', `mount -t tmpfs -o size=${DISK_BYTES} tmpfs "$ORIGINSTORE_DATA_DIR" && exec "$0" "$@"`];

function namespacesAvailable(): boolean {
  const probe = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs /tmp'], { stdio: 'ignore' });
  return probe.status === 0;
}

/** Send `total` bytes a chunk at a time; resolve with the answer, which may come before the body is all sent. */
function upload(url: string, headers: Record<string, string>, total: number): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(`${url}/post/raw`, { method: 'POST', headers: { ...headers, 'Content-Length': String(total) } }, (res) => {
      answered = true;
      res.resume();
      resolve(res);
    });
    req.on('error', (err) => (answered ? undefined : reject(err)));
    const chunk = Buffer.alloc(256 * 1024, 0x5a);
    let sent = 0;
    const pump = (): void => {
      while (sent < total && !answered && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (sent >= total) req.end();
    };
    pump();
  });
}

test('disk full: an upload that does not fit answers -22 with HTTP 503, stores nothing, and the next upload that fits succeeds', async (t) => {
  if (!namespacesAvailable()) {
    t.skip('needs `unshare -rm` (user and mount namespaces) to give the server a small disk of its own');
    return;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'originstore-disk-full-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const server = await startChildServer({ dataDir, launcher: LAUNCHER, env: { ORIGINSTORE_DATA_DIR: dataDir } });
  t.after(() => server.kill('SIGKILL'));

  const login = await fetch(`${server.url}/account/login`, { method: 'POST', headers: { 'X-Agile-Username': 'demo', 'X-Agile-Password': 'secret' } });
  await login.arrayBuffer();
  const token = login.headers.get('x-agile-token')!;

  const full = await upload(server.url, { 'X-Agile-Authorization': token, 'X-Agile-Basename': 'too-big.bin' }, TOO_BIG_BYTES);
  assert.equal(full.statusCode, 503);
  assert.equal(full.headers['x-agile-status'], '-22');

  const form = new FormData();
  form.append('uploadFile', new Blob([Buffer.alloc(TOO_BIG_BYTES, 1)]), 'too-big-form.bin');
  const viaForm = await fetch(`${server.url}/post/file`, { method: 'POST', headers: { 'X-Agile-Authorization': token }, body: form });
  await viaForm.arrayBuffer();
  assert.equal(viaForm.status, 503, '/post/file');
  assert.equal(viaForm.headers.get('x-agile-status'), '-22', '/post/file');

  const stat = await fetch(`${server.url}/jsonrpc`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'stat', params: [token, '/too-big.bin'] }) });
  assert.equal(((await stat.json()) as { result: { code: number } }).result.code, -1, 'nothing of the upload that did not fit is visible');

  const small = await upload(server.url, { 'X-Agile-Authorization': token, 'X-Agile-Basename': 'fits.bin' }, 1024 * 1024);
  assert.equal(small.statusCode, 200);
  assert.equal(small.headers['x-agile-status'], '0');
  const errors = server.lines.filter((l) => l.includes('"level":50'));
  assert.deepEqual(errors, [], 'a full disk is not logged as a server fault');
  assert.equal(await server.kill('SIGTERM'), 0);
});
