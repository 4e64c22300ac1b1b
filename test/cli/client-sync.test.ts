/**
 * `originstore sync`: a tree of 2,000 small files is uploaded once, and a
 * second sync uploads nothing; a changed file (same size, other bytes) is
 * found by its SHA-256; --dry-run changes nothing; --delete removes what is
 * gone locally.
 */
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OriginStoreClient } from '../../src/client/index.js';
import { newConfigDir, originstore, serverEnv } from '../helpers/cli.js';
import { PASSWORD, startServer, USER, type TestServer } from '../helpers/server.js';

let server: TestServer;
let configDir: string;
let tree: string;
let env: Record<string, string>;

const DIRS = 40;
const FILES_PER_DIR = 50;

before(async () => {
  server = await startServer();
  configDir = await newConfigDir();
  env = serverEnv(server, configDir);
  tree = join(configDir, 'tree');
  for (let d = 0; d < DIRS; d++) {
    const dir = join(tree, `dir-${d}`, d % 2 === 0 ? 'nested' : '');
    await mkdir(dir, { recursive: true });
    for (let f = 0; f < FILES_PER_DIR; f++) await writeFile(join(dir, `file-${f}.txt`), `content of ${d}/${f}\n`);
  }
  await mkdir(join(tree, 'empty-dir'));
});
after(async () => {
  await server.close();
  await rm(configDir, { recursive: true, force: true });
});

const sync = (...args: string[]) => originstore(['sync', tree, '/site', '--json', ...args], { env });

test('sync: 2,000 files are uploaded once; the second sync uploads nothing', async () => {
  const first = await sync();
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.json.uploaded, DIRS * FILES_PER_DIR);
  assert.equal(first.json.unchanged, 0);
  const client = new OriginStoreClient({ url: server.url, username: USER, password: PASSWORD });
  assert.equal((await client.stat('/site/empty-dir')).type, 1);
  assert.equal((await client.stat('/site/dir-0/nested/file-7.txt', { detail: true })).size, 'content of 0/7\n'.length);

  const second = await sync();
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual([second.json.uploaded, second.json.unchanged, second.json.createdDirs], [0, DIRS * FILES_PER_DIR, 0]);
});

test('sync: a file of the same size with other bytes is uploaded again, found by SHA-256', async () => {
  await writeFile(join(tree, 'dir-1', 'file-3.txt'), 'CONTENT OF 1/3\n');
  const r = await sync();
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.json.actions, [{ action: 'upload', path: '/site/dir-1/file-3.txt', reason: 'checksum', size: 15 }]);
});

test('sync --delete --dry-run lists what would go and changes nothing; --delete removes it', async () => {
  await rm(join(tree, 'dir-3'), { recursive: true });
  await rm(join(tree, 'dir-5', 'file-0.txt'));
  const dry = await sync('--delete', '--dry-run');
  assert.equal(dry.code, 0, dry.stderr);
  assert.deepEqual(dry.json.actions, [
    { action: 'delete', path: '/site/dir-5/file-0.txt' },
    { action: 'delete-tree', path: '/site/dir-3' },
  ]);
  const client = new OriginStoreClient({ url: server.url, username: USER, password: PASSWORD });
  assert.equal((await client.stat('/site/dir-3')).type, 1);
  const real = await sync('--delete');
  assert.deepEqual([real.json.deletedFiles, real.json.deletedDirs, real.json.uploaded], [1, 1, 0]);
  assert.equal(await client.statOrUndefined('/site/dir-3'), undefined);
  assert.equal(await client.statOrUndefined('/site/dir-5/file-0.txt'), undefined);
  assert.equal((await sync('--delete')).json.actions.length, 0);
});
