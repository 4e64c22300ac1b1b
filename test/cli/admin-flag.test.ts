/**
 * Who is an account administrator (docs/extensions.md): the first-run user,
 * users added with `user add --admin`, and users given the flag with
 * `user admin` (until `--revoke`).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startChildServer } from '../helpers/child-server.js';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
let dataDir: string;

const originstore = async (...args: string[]) => (await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--data-dir', dataDir], { cwd: ROOT })).stdout;

async function isAdmin(url: string, username: string, password: string): Promise<boolean> {
  const call = async (method: string, params: unknown[]) => {
    const r = await fetch(`${url}/jsonrpc`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
    return ((await r.json()) as { result: any }).result;
  };
  const [token] = await call('login', [username, password]);
  return (await call('getSessionInfo', [token])).admin;
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'originstore-admin-flag-'));
});
after(() => rm(dataDir, { recursive: true, force: true }));

test('admin flag: the first-run user administers its account; --admin and `user admin` make others administrators', async () => {
  const first = await startChildServer({ dataDir, password: 'first-pw' });
  try {
    assert.equal(await isAdmin(first.url, 'demo', 'first-pw'), true);
  } finally {
    await first.kill();
  }
  await originstore('user', 'add', 'demo', 'boss', '--password', 'pw', '--admin');
  await originstore('user', 'add', 'demo', 'worker', '--password', 'pw');
  assert.match(await originstore('user', 'ls'), /^boss\tdemo\t.*\tadmin$/m);
  assert.match(await originstore('user', 'ls'), /^worker\tdemo\t[^\n]*home=\/$/m);
  await originstore('user', 'admin', 'worker');
  assert.match(await originstore('user', 'ls'), /^worker\t.*\tadmin$/m);
  await originstore('user', 'admin', 'worker', '--revoke');
  const server = await startChildServer({ dataDir });
  try {
    assert.equal(await isAdmin(server.url, 'boss', 'pw'), true);
    assert.equal(await isAdmin(server.url, 'worker', 'pw'), false);
  } finally {
    await server.kill();
  }
});
