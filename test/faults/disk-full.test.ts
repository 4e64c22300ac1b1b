/**
 * Disk full (uploading_files_nonmultipart.md and working_with_multipart_http.md:
 * "503 Service unavailable, -22: disk full"). The server runs on a 16 MiB
 * tmpfs of its own; a ballast file fills what the stored files leave. Then
 * /post/raw, /post/file and /multipart/piece answer -22 @ 503, a file being
 * replaced keeps its old contents, no stored byte changes, and no temporary
 * is left behind. Once the ballast is removed the same uploads succeed and
 * fsck finds nothing wrong.
 *
 * Mounting needs root (CAP_SYS_ADMIN); where the sandbox forbids it the
 * test is skipped, saying why. A size-limited tmpfs is used rather than a
 * loop image: it needs no mkfs and no loop device, and ENOSPC is the same.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, open, readdir, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { buildApp, type App } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import { openFsck } from '../../src/server/fsck.js';
import { postCreate, postPiece, postComplete, sha256 } from '../helpers/multipart.js';

const run = promisify(execFile);
const FS_BYTES = 16 << 20;
const MiB = 1 << 20;

async function mountTmpfs(): Promise<{ dir: string; unmount: () => Promise<void> } | string> {
  const dir = await mkdtemp(join(tmpdir(), 'originstore-full-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${FS_BYTES},mode=0700`, 'tmpfs', dir]);
  } catch (err) {
    await rmdir(dir);
    return `cannot mount a size-limited tmpfs here (${String((err as { stderr?: string }).stderr ?? err).trim()})`;
  }
  return {
    dir,
    async unmount() {
      await run('umount', [dir]);
      await rmdir(dir);
    },
  };
}

/** Write 1 MiB blocks, then smaller ones, until the filesystem refuses: returns the bytes written. */
async function fill(path: string): Promise<number> {
  const fh = await open(path, 'w');
  let written = 0;
  try {
    for (let block = MiB; block >= 512; block >>= 1) {
      const bytes = Buffer.alloc(block, 0x5a);
      for (;;) {
        try {
          await fh.write(bytes);
          written += block;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          break;
        }
      }
    }
  } finally {
    await fh.close();
  }
  return written;
}

test('disk full: uploads answer -22 @ 503, stored files are intact, and uploads work again once space is freed', { timeout: 120_000 }, async (t) => {
  const mounted = await mountTmpfs();
  if (typeof mounted === 'string') {
    t.skip(mounted);
    return;
  }
  let app: App | undefined;
  // One hook, in this order: the server must let go of its files before the filesystem can be unmounted.
  t.after(async () => {
    await app?.close();
    await mounted.unmount();
  });
  const dataDir = join(mounted.dir, 'data');
  await mkdir(dataDir);
  app = await buildApp(loadConfig({ dataDir, port: '0', logLevel: 'silent' }, { ORIGINSTORE_UPLOAD_RATE_LIMIT: '0' }), { logger: false });
  await app.services.admin.addAccount('acme');
  await app.services.admin.addUser('acme', 'alice', 'pw');
  await app.fastify.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.fastify.server.address() as { port: number }).port}`;
  const login = await fetch(`${url}/jsonrpc`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'login', params: ['alice', 'pw'] }) });
  const [token] = ((await login.json()) as { result: [string] }).result;
  const auth = { 'X-Agile-Authorization': token };
  const raw = (name: string, body: Buffer): Promise<Response> => fetch(`${url}/post/raw`, { method: 'POST', headers: { ...auth, 'X-Agile-Basename': name }, body: body as BodyInit });

  const stored = new Map<string, Buffer>();
  for (const [i, size] of [1 * MiB, 2 * MiB, 100, 0].entries()) {
    const bytes = Buffer.alloc(size, i + 1);
    const res = await raw(`kept-${i}.bin`, bytes);
    assert.equal(res.headers.get('x-agile-status'), '0');
    stored.set(`kept-${i}.bin`, bytes);
  }
  const created = await postCreate(url, { ...auth, 'X-Agile-Basename': 'parts.bin' });
  const mpid = created.headers.get('x-agile-multipart')!;
  assert.equal((await postPiece(url, token, mpid, 1, Buffer.alloc(MiB, 7))).headers.get('x-agile-status'), '0');

  const ballast = join(mounted.dir, 'ballast');
  const filled = await fill(ballast);
  t.diagnostic(`ballast of ${filled} bytes fills the ${FS_BYTES}-byte filesystem`);

  const full: [string, Response][] = [
    ['/post/raw of 2 MiB', await raw('new.bin', Buffer.alloc(2 * MiB, 9))],
    ['/post/raw of 64 KiB', await raw('small.bin', Buffer.alloc(64 << 10, 9))],
    ['/post/raw replacing a stored file', await raw('kept-0.bin', Buffer.alloc(3 * MiB, 9))],
    ['/post/file', await fetch(`${url}/post/file`, { method: 'POST', headers: auth, body: form('form.bin', Buffer.alloc(MiB, 3)) })],
    ['/multipart/piece', await postPiece(url, token, mpid, 2, Buffer.alloc(MiB, 8))],
  ];
  for (const [what, res] of full) {
    await res.arrayBuffer();
    assert.equal(res.headers.get('x-agile-status'), '-22', `${what}: X-Agile-Status`);
    assert.equal(res.status, 503, `${what}: HTTP status`);
  }

  // Empty files need no data blocks, only metadata: each is stored, or refused as -22 when the
  // metadata commit finds no space (SQLITE_FULL), never an internal error.
  const empties = new Map<string, number>();
  for (let i = 0; i < 40; i++) {
    const res = await raw(`empty-${i}.bin`, Buffer.alloc(0));
    const code = `${res.headers.get('x-agile-status')} @ ${res.status}`;
    empties.set(code, (empties.get(code) ?? 0) + 1);
    if (res.headers.get('x-agile-status') === '0') stored.set(`empty-${i}.bin`, Buffer.alloc(0));
  }
  t.diagnostic(`empty uploads on the full disk: ${JSON.stringify(Object.fromEntries(empties))}`);
  assert.deepEqual([...empties.keys()].filter((k) => k !== '0 @ 200' && k !== '-22 @ 503'), []);

  // Nothing stored changed, nothing half-written is visible, and the failed writes left no temporary.
  await checkStored(url, stored);
  for (const name of ['new.bin', 'small.bin', 'form.bin']) assert.equal((await fetch(`${url}/acme/${name}`)).status, 404, name);
  assert.deepEqual(await readdir(join(dataDir, 'tmp')), []);

  // Space is freed: the same uploads go through.
  await rm(ballast);
  const again = await raw('new.bin', Buffer.alloc(2 * MiB, 9));
  assert.equal(again.headers.get('x-agile-status'), '0');
  stored.set('new.bin', Buffer.alloc(2 * MiB, 9));
  const formAgain = await fetch(`${url}/post/file`, { method: 'POST', headers: auth, body: form('form.bin', Buffer.alloc(MiB, 3)) });
  assert.equal(formAgain.headers.get('x-agile-status'), '0');
  stored.set('form.bin', Buffer.alloc(MiB, 3));
  assert.equal((await postPiece(url, token, mpid, 2, Buffer.alloc(MiB, 8))).headers.get('x-agile-status'), '0');
  assert.equal((await postComplete(url, token, mpid)).headers.get('x-agile-status'), '0');
  await app.services.joiner.idle();
  stored.set('parts.bin', Buffer.concat([Buffer.alloc(MiB, 7), Buffer.alloc(MiB, 8)]));
  await checkStored(url, stored);

  await app.close();
  app = undefined;
  const { fsck, close } = await openFsck(dataDir);
  try {
    const report = await fsck.run();
    assert.deepEqual(report.findings, []);
    assert.equal(report.files, stored.size);
  } finally {
    await close();
  }
});

function form(name: string, bytes: Buffer): FormData {
  const f = new FormData();
  f.append('uploadFile', new Blob([bytes as BlobPart]), name);
  return f;
}

async function checkStored(url: string, stored: Map<string, Buffer>): Promise<void> {
  for (const [name, bytes] of stored) {
    const res = await fetch(`${url}/acme/${name}`);
    assert.equal(res.status, 200, name);
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(body.length, bytes.length, `${name}: size`);
    assert.equal(sha256(body), sha256(bytes), `${name}: SHA-256`);
  }
}
