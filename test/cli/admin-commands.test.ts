/**
 * The admin commands work on a data directory: accounts, users (with a home
 * directory, given or assigned uid/gid), passwords, disabling and removal —
 * and the server then honours what they did.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { buildApp } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import { schemaForDataDir, SERVERS_ON_POSTGRES } from '../helpers/postgres.js';

const run = promisify(execFile);
/** With ORIGINSTORE_TEST_METADATA=postgres, the commands and the server use the data directory's schema. */
const metadataEnv = (): Record<string, string> => (SERVERS_ON_POSTGRES ? { ORIGINSTORE_METADATA: schemaForDataDir(dataDir).url } : {});
const ROOT = resolve(import.meta.dirname, '../..');
let dataDir: string;

async function originstore(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--data-dir', dataDir], {
      cwd: ROOT,
      env: { ...process.env, ...metadataEnv() },
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

/** Log in through the real server on the same data directory. */
async function canLogIn(username: string, password: string): Promise<{ ok: boolean; path?: string }> {
  const app = await buildApp(loadConfig({ dataDir, port: '0', logLevel: 'silent' }, metadataEnv()), { logger: false });
  try {
    const answer = await app.fastify.inject({ method: 'POST', url: '/account/login', headers: { 'x-agile-username': username, 'x-agile-password': password } });
    return { ok: answer.headers['x-agile-status'] === '0', path: answer.headers['x-agile-path'] as string | undefined };
  } finally {
    await app.close();
  }
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'originstore-admin-'));
});
after(() => rm(dataDir, { recursive: true, force: true }));

test('account add and account ls', async () => {
  assert.equal((await originstore('account', 'add', 'shop')).code, 0);
  const listed = await originstore('account', 'ls');
  assert.match(listed.stdout, /^shop\t/m);
  const again = await originstore('account', 'add', 'shop');
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /path exists|exists/);
});

test('account add refuses a name that cannot be a host label', async () => {
  const bad = await originstore('account', 'add', 'Not A Label');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /account name/);
});

test('user add with a home directory, given uid and gid; the token is rooted at the home', async () => {
  const added = await originstore('user', 'add', 'shop', 'ann', '--password', 'pw1', '--home', '/team/ann', '--uid', '20001', '--gid', '300');
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /uid 20001, gid 300, home \/team\/ann/);
  assert.deepEqual(await canLogIn('ann', 'pw1'), { ok: true, path: '/shop/team/ann' });
});

test('user add without a password prints a generated one, and uids are assigned', async () => {
  const added = await originstore('user', 'add', 'shop', 'ben');
  assert.equal(added.code, 0, added.stderr);
  const password = /password: (\S+)/.exec(added.stdout)?.[1];
  assert.ok(password, added.stdout);
  assert.equal((await canLogIn('ben', password)).ok, true);
  assert.match((await originstore('user', 'ls', '--account', 'shop')).stdout, /^ben\tshop\tuid=\d+\tgid=100\thome=\//m);
});

test('user passwd, disable (and --enable) and rm take effect at the next login', async () => {
  await originstore('user', 'add', 'shop', 'cid', '--password', 'old');
  assert.equal((await originstore('user', 'passwd', 'cid', '--password', 'new')).code, 0);
  assert.equal((await canLogIn('cid', 'old')).ok, false);
  assert.equal((await canLogIn('cid', 'new')).ok, true);
  assert.equal((await originstore('user', 'disable', 'cid')).code, 0);
  assert.equal((await canLogIn('cid', 'new')).ok, false);
  assert.match((await originstore('user', 'ls')).stdout, /^cid\t.*\tdisabled$/m);
  assert.equal((await originstore('user', 'disable', 'cid', '--enable')).code, 0);
  assert.equal((await canLogIn('cid', 'new')).ok, true);
  assert.equal((await originstore('user', 'rm', 'cid')).code, 0);
  assert.equal((await canLogIn('cid', 'new')).ok, false);
  assert.notEqual((await originstore('user', 'rm', 'cid')).code, 0);
});
