/**
 * A full disk (working_with_multipart_http.md, "Create a Multipart Piece":
 * 503 with "-22: disk full"). The real server runs on a data directory on a
 * small tmpfs of its own; a piece larger than the space left is refused with
 * 503 / -22, leaves nothing behind, and a piece that fits is accepted
 * afterwards. Mounting needs root: elsewhere the test is skipped, saying so.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';

const TMPFS_BYTES = 8 * 1024 * 1024;

async function rpc(url: string, method: string, params: unknown[]): Promise<any> {
  const res = await fetch(`${url}/jsonrpc`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return ((await res.json()) as { result: unknown }).result;
}

test('multipart/piece: 503 with -22 (disk full) when the store has no space left; nothing is kept, and a piece that fits is accepted after', { timeout: 120_000 }, async (t) => {
  const mountPoint = await mkdtemp(join(tmpdir(), 'originstore-diskfull-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_BYTES}`, 'tmpfs', mountPoint], { stdio: 'ignore' });
  } catch {
    await rm(mountPoint, { recursive: true, force: true });
    t.skip('cannot mount a tmpfs here (needs root)');
    return;
  }
  let server: ChildServer | undefined;
  // One hook, in order: the server, then the mount, then its directory.
  t.after(async () => {
    await server?.kill('SIGKILL');
    execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
    await rm(mountPoint, { recursive: true, force: true });
  });
  const dataDir = join(mountPoint, 'data');
  server = await startChildServer({ dataDir, password: 'pw' });
  const [token] = await rpc(server.url, 'login', ['demo', 'pw']);
  const { mpid } = await rpc(server.url, 'createMultipart', [token, '/big.bin']);
  const url = server.url;
  const piece = (part: number, body: Buffer) => fetch(`${url}/multipart/piece`, {
    method: 'POST', headers: { 'X-Agile-Authorization': token, 'X-Agile-Multipart': mpid, 'X-Agile-Part': String(part) }, body: body as unknown as BodyInit,
  });

  const tooBig = await piece(1, Buffer.alloc(2 * TMPFS_BYTES, 7));
  await tooBig.arrayBuffer();
  assert.equal(tooBig.status, 503);
  assert.equal(tooBig.headers.get('x-agile-status'), '-22');
  assert.deepEqual((await rpc(url, 'listMultipartPiece', [token, mpid])).pieces, []);
  assert.deepEqual(await readdir(join(dataDir, 'tmp')), [], 'the refused piece left a temporary behind');

  const fits = await piece(1, Buffer.from('small enough'));
  await fits.arrayBuffer();
  assert.equal(fits.status, 200);
  assert.equal(fits.headers.get('x-agile-status'), '0');
});
