/**
 * `originstore fsck` on a data directory written by the real server and then
 * damaged by hand, one kind of damage at a time: it finds each, exits
 * non-zero, repairs only what is safe (never a referenced blob), and the
 * server then serves every intact file as before.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, truncate, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { buildApp, type App } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import { postComplete, postCreate, postPiece, sha256 } from '../helpers/multipart.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

interface Report {
  files: number;
  blobs: number;
  multiparts: number;
  pendingJoins: number;
  queuedGarbage: number;
  problems: number;
  findings: { kind: string; subject: string; detail: string; repaired: boolean }[];
}

async function fsck(dataDir: string, ...args: string[]): Promise<{ code: number; report: Report; stdout: string }> {
  let stdout: string;
  let code = 0;
  try {
    ({ stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'fsck', '--data-dir', dataDir, ...args], { cwd: ROOT }));
  } catch (err) {
    const e = err as { stdout: string; code: number };
    stdout = e.stdout;
    code = e.code;
  }
  return { code, stdout, report: args.includes('--json') ? (JSON.parse(stdout) as Report) : (undefined as never) };
}

/** A served data directory: a few files (two sharing a blob), multipart uploads in several states. */
async function populated(): Promise<{ dataDir: string; blobOf: Map<string, string>; mpids: Record<string, string> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'originstore-fsck-'));
  const app: App = await buildApp(loadConfig({ dataDir, port: '0', logLevel: 'silent' }, { ORIGINSTORE_UPLOAD_RATE_LIMIT: '0' }), { logger: false });
  const mpids: Record<string, string> = {};
  try {
    await app.services.admin.addAccount('acme');
    await app.services.admin.addUser('acme', 'alice', 'pw');
    await app.fastify.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.fastify.server.address() as { port: number }).port}`;
    const rpc = async (method: string, params: unknown[]): Promise<any> => {
      const res = await fetch(`${url}/jsonrpc`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
      return ((await res.json()) as { result: unknown }).result;
    };
    const [token] = (await rpc('login', ['alice', 'pw'])) as [string];
    for (const name of ['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt']) {
      const res = await fetch(`${url}/post/raw`, { method: 'POST', headers: { 'X-Agile-Authorization': token, 'X-Agile-Basename': name }, body: `contents of ${name}` });
      assert.equal(res.headers.get('x-agile-status'), '0');
    }
    assert.equal(await rpc('copyFile', [token, '/a.txt', '/a-copy.txt']), 0);
    for (const name of ['open', 'joined', 'broken']) {
      const created = await postCreate(url, { 'X-Agile-Authorization': token, 'X-Agile-Basename': `${name}.bin` });
      mpids[name] = created.headers.get('x-agile-multipart')!;
      for (const part of [1, 2]) assert.equal((await postPiece(url, token, mpids[name]!, part, `${name} piece ${part}`)).headers.get('x-agile-status'), '0');
    }
    assert.equal((await postComplete(url, token, mpids['joined']!)).headers.get('x-agile-status'), '0');
    await app.services.joiner.idle();
    await app.services.garbage.drain();
  } finally {
    await app.close();
  }
  const db = new Database(join(dataDir, 'metadata.sqlite'), { readonly: true });
  const blobOf = new Map((db.prepare("SELECT path, blob_id FROM nodes WHERE kind = 2").all() as { path: string; blob_id: string }[]).map((r) => [r.path, r.blob_id]));
  db.close();
  return { dataDir, blobOf, mpids };
}

function blobPath(dataDir: string, blobId: string): string {
  return join(dataDir, 'blobs', blobId.slice(0, 2), blobId);
}

let dir: Awaited<ReturnType<typeof populated>>;
before(async () => {
  dir = await populated();
});
after(() => rm(dir.dataDir, { recursive: true, force: true }));

test('fsck: a data directory the server wrote is clean (exit 0)', async () => {
  const { code, report } = await fsck(dir.dataDir, '--json');
  assert.equal(code, 0, JSON.stringify(report.findings));
  assert.deepEqual(report.findings, []);
  assert.equal(report.files, 7);
  // Six files' blobs (the copy shares one) and the four pieces of the two uploads not joined.
  assert.equal(report.blobs, 6 + 4);
  assert.equal(report.multiparts, 3);
  const text = await fsck(dir.dataDir);
  assert.match(text.stdout, /no problems found/);
});

test('fsck: finds every kind of damage, exits 4, and --repair fixes only what is safe', async () => {
  const { dataDir, blobOf, mpids } = dir;
  const a = blobOf.get('/acme/a.txt')!;
  const b = blobOf.get('/acme/b.txt')!;
  const c = blobOf.get('/acme/c.txt')!;
  const d = blobOf.get('/acme/d.txt')!;
  const e = blobOf.get('/acme/e.txt')!;
  await unlink(blobPath(dataDir, b)); // a file whose bytes are gone
  await truncate(blobPath(dataDir, c), 3); // wrong size
  await writeFile(blobPath(dataDir, d), 'contents of D.txt'); // same size, other bytes
  const stray = 'ab'.padEnd(32, '0');
  await writeFile(blobPath(dataDir, stray), 'left by a crash before the metadata commit');
  const young = 'cd'.padEnd(32, '1');
  await writeFile(blobPath(dataDir, young), 'maybe still being published');
  await writeFile(join(dataDir, 'tmp', 'interrupted'), 'half an upload');
  const old = new Date(Date.now() - 3600_000);
  await utimes(blobPath(dataDir, stray), old, old);
  await utimes(join(dataDir, 'tmp', 'interrupted'), old, old);
  const db = new Database(join(dataDir, 'metadata.sqlite'));
  // A referenced blob queued for deletion: the collector would delete e.txt's bytes.
  db.prepare('INSERT INTO garbage_blobs (blob_id, created) VALUES (?, 0)').run(e);
  // An upload SUCCESS whose pieces were never joined: incoherent.
  db.prepare('UPDATE multiparts SET state = 6 WHERE mpid = ?').run(mpids['broken']);
  db.close();

  const found = await fsck(dataDir, '--json', '--min-age', '10m');
  assert.equal(found.code, 4);
  const kinds = (subject: string): string[] => found.report.findings.filter((f) => f.subject === subject).map((f) => f.kind).sort();
  assert.deepEqual(kinds('/acme/b.txt'), ['missing-blob']);
  assert.deepEqual(kinds('/acme/c.txt'), ['size-mismatch']);
  assert.deepEqual(kinds('/acme/d.txt'), ['checksum-mismatch']);
  assert.deepEqual(kinds(stray), ['unreferenced-blob']);
  assert.deepEqual(kinds(young), ['unreferenced-blob']);
  assert.deepEqual(kinds('interrupted'), ['temporary']);
  assert.deepEqual(kinds(e), ['queued-blob-referenced']);
  assert.deepEqual(kinds(mpids['broken']!), ['incoherent-multipart']);
  assert.deepEqual(kinds(mpids['open']!), [], 'a READY upload is coherent');
  assert.equal(found.report.findings.length, 8, JSON.stringify(found.report.findings, null, 1));
  assert.ok(found.report.findings.every((f) => !f.repaired));
  const human = await fsck(dataDir, '--min-age', '10m');
  assert.equal(human.code, 4);
  assert.match(human.stdout, /PROBLEM\s+missing-blob\s+\/acme\/b\.txt/);
  assert.match(human.stdout, /8 problem\(s\) left, 0 repaired/);

  const repaired = await fsck(dataDir, '--json', '--repair', '--min-age', '10m');
  assert.equal(repaired.code, 4, 'damaged files cannot be repaired');
  const left = repaired.report.findings.filter((f) => !f.repaired).map((f) => `${f.kind} ${f.subject}`).sort();
  assert.deepEqual(left, ['checksum-mismatch /acme/d.txt', 'missing-blob /acme/b.txt', 'size-mismatch /acme/c.txt', `unreferenced-blob ${young}`].sort());

  const again = await fsck(dataDir, '--json', '--min-age', '10m');
  const leftAgain = again.report.findings.map((f) => `${f.kind} ${f.subject}`).sort();
  assert.deepEqual(leftAgain, left, 'a second run finds only what could not be repaired');
  const check = new Database(join(dataDir, 'metadata.sqlite'), { readonly: true });
  const upload = check.prepare('SELECT state, error FROM multiparts WHERE mpid = ?').get(mpids['broken']) as { state: number; error: number };
  const pieces = check.prepare('SELECT state, blob_id FROM pieces WHERE mpid = ?').all(mpids['broken']) as { state: number; blob_id: string | null }[];
  check.close();
  assert.deepEqual(upload, { state: 12, error: -27 }, 'the incoherent upload is FAILED');
  assert.deepEqual(pieces.map((p) => p.state), [13, 13], 'its pieces are FAILED and keep their bytes for restartMultipart');
  assert.ok(pieces.every((p) => p.blob_id !== null));

  // --min-age 0 (no server running) removes the young leftover too.
  const last = await fsck(dataDir, '--json', '--repair', '--min-age', '0');
  assert.deepEqual(last.report.findings.filter((f) => !f.repaired).map((f) => f.kind).sort(), ['checksum-mismatch', 'missing-blob', 'size-mismatch']);

  // Referenced blobs were never deleted: the server serves the intact files, the copy and the queued one.
  const app = await buildApp(loadConfig({ dataDir, port: '0', logLevel: 'silent' }, {}), { logger: false });
  try {
    await app.services.sweep();
    for (const name of ['a.txt', 'a-copy.txt', 'e.txt']) {
      const got = await app.fastify.inject({ method: 'GET', url: `/acme/${name}` });
      assert.equal(got.statusCode, 200, name);
      assert.equal(got.headers['x-agile-checksum'], sha256(`contents of ${name.replace('-copy', '')}`));
    }
    assert.equal(a, blobOf.get('/acme/a-copy.txt'));
  } finally {
    await app.close();
  }
});

test('fsck: a directory that is not a data directory is refused (exit 2), not created', async () => {
  const missing = join(dir.dataDir, 'no-such-dir');
  const r = await fsck(missing);
  assert.equal(r.code, 2);
});

test('restartMultipart of a FAILED upload whose pieces have a gap (as fsck --repair may leave one) fails with -7 instead of joining a wrong file', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'originstore-gap-'));
  const config = loadConfig({ dataDir, port: '0', logLevel: 'silent' }, { ORIGINSTORE_UPLOAD_RATE_LIMIT: '0' });
  let mpid = '';
  const serve = async (fn: (url: string, rpc: (m: string, p: unknown[]) => Promise<any>, app: App) => Promise<void>): Promise<void> => {
    const app = await buildApp(config, { logger: false });
    try {
      await app.fastify.listen({ host: '127.0.0.1', port: 0 });
      const url = `http://127.0.0.1:${(app.fastify.server.address() as { port: number }).port}`;
      const rpc = async (method: string, params: unknown[]): Promise<any> => {
        const res = await fetch(`${url}/jsonrpc`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
        return ((await res.json()) as { result: unknown }).result;
      };
      await fn(url, rpc, app);
    } finally {
      await app.close();
    }
  };
  try {
    await serve(async (url, rpc, app) => {
      await app.services.admin.addAccount('acme');
      await app.services.admin.addUser('acme', 'alice', 'pw');
      const [token] = (await rpc('login', ['alice', 'pw'])) as [string];
      mpid = (await postCreate(url, { 'X-Agile-Authorization': token, 'X-Agile-Basename': 'gap.bin' })).headers.get('x-agile-multipart')!;
      for (const part of [1, 2, 3]) assert.equal((await postPiece(url, token, mpid, part, `piece ${part}`)).headers.get('x-agile-status'), '0');
    });
    const db = new Database(join(dataDir, 'metadata.sqlite'));
    db.prepare('UPDATE multiparts SET state = 12, num_pieces = 3 WHERE mpid = ?').run(mpid);
    db.prepare('UPDATE pieces SET state = 13 WHERE mpid = ?').run(mpid);
    db.prepare('UPDATE pieces SET state = 10, blob_id = NULL WHERE mpid = ? AND number = 2').run(mpid);
    db.close();
    await serve(async (_url, rpc, app) => {
      const [token] = (await rpc('login', ['alice', 'pw'])) as [string];
      assert.equal(await rpc('restartMultipart', [token, mpid]), 0);
      await app.services.joiner.idle();
      const status = await rpc('getMultipartStatus', [token, mpid]);
      assert.deepEqual([status.state, status.error], [12, -7], 'FAILED, piece missing');
      assert.equal((await rpc('stat', [token, '/gap.bin'])).code, -1, 'no file was published');
    });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
