/**
 * The admin commands work on a data directory: accounts, users (with a home
 * directory, given or assigned uid/gid), passwords, disabling and removal,
 * the MediaVault secrets (shown, rotated, given) and private accounts — and
 * the server then honours what they did.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { buildApp } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import type { Clock } from '../../src/ports/clock.js';
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

test('passwords are stored as scrypt hashes with a salt of their own, never as given', async () => {
  await originstore('user', 'add', 'shop', 'dee', '--password', 'same-password');
  await originstore('user', 'add', 'shop', 'eve', '--password', 'same-password');
  const app = await buildApp(loadConfig({ dataDir, port: '0', logLevel: 'silent' }, {}), { logger: false });
  try {
    const hashes = await Promise.all(['dee', 'eve'].map(async (name) => (await app.stores.metadata.getUserByName(name))!.passwordHash));
    for (const hash of hashes) {
      assert.match(hash, /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
      assert.ok(!hash.includes('same-password'));
    }
    assert.notEqual(hashes[0], hashes[1], 'the same password hashes differently for two users');
  } finally {
    await app.close();
  }
});

/** The real server on the data directory, on an ephemeral loopback port, for the length of `fn`. */
async function withServer<T>(env: Record<string, string>, fn: (url: string) => Promise<T>, clock?: Clock): Promise<T> {
  const config = loadConfig({ dataDir, port: '0', logLevel: 'silent' }, { ORIGINSTORE_UPLOAD_RATE_LIMIT: '0', ...env });
  const app = await buildApp(config, clock ? { logger: false, clock } : { logger: false });
  await app.fastify.listen({ host: '127.0.0.1', port: 0 });
  const address = app.fastify.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  try {
    return await fn(`http://127.0.0.1:${address.port}`);
  } finally {
    const closing = app.close();
    app.fastify.server.closeIdleConnections();
    await closing;
  }
}

/** Log in as `username` and store `body` at `/name` of its account. */
async function store(url: string, username: string, password: string, name: string, body: string): Promise<void> {
  const login = await fetch(`${url}/jsonrpc`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'login', params: [username, password] }) });
  const [token] = ((await login.json()) as { result: [string] }).result;
  const res = await fetch(`${url}/post/raw`, { method: 'POST', headers: { 'X-Agile-Authorization': token, 'X-Agile-Basename': name }, body });
  await res.arrayBuffer();
  assert.equal(res.headers.get('x-agile-status'), '0');
}

/** security.md's workflow, as a CMS does it outside the server: the URL with its terms, then h = MD5(secret + URL). */
function cmsUrl(secret: string, url: string): string {
  return `${url}&h=${createHash('md5').update(secret + url).digest('hex')}`;
}

const status = async (url: string): Promise<number> => {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.status;
};

test('account secret shows the MediaVault secret; URLs a CMS hashes with it are served, and any changed byte is 403', async () => {
  assert.equal((await originstore('account', 'add', 'vault')).code, 0);
  assert.equal((await originstore('user', 'add', 'vault', 'vic', '--password', 'pw')).code, 0);
  const shown = await originstore('account', 'secret', 'vault');
  assert.equal(shown.code, 0, shown.stderr);
  const secret = /^current\t([0-9A-Za-z]+)$/m.exec(shown.stdout)?.[1];
  assert.ok(secret, shown.stdout);
  assert.match(shown.stdout, /^previous\t-$/m);
  await withServer({}, async (url) => {
    await store(url, 'vic', 'pw', 'clip.txt', 'vault clip');
    const signed = cmsUrl(secret, `${url}/vault/clip.txt?e=${Math.floor(Date.now() / 1000) + 600}`);
    assert.equal(await status(signed), 200);
    assert.equal(await status(signed.replace('clip.txt', 'clip.txu')), 404);
    // Change the hash's first digit (to another digit: the same one would be no change).
    assert.equal(await status(signed.replace(/h=(.)/, (_, d: string) => `h=${d === '0' ? '1' : '0'}`)), 403);
    assert.equal(await status(signed.replace(/e=(\d)/, 'e=9')), 403);
  });
});

test('account rotate-secret: the previous secret stays accepted until the next rotation; --secret sets the one a CMS already uses', async () => {
  const first = /^current\t(\S+)$/m.exec((await originstore('account', 'secret', 'vault')).stdout)![1]!;
  const rotated = await originstore('account', 'rotate-secret', 'vault');
  assert.equal(rotated.code, 0, rotated.stderr);
  const second = /^current\t(\S+)$/m.exec(rotated.stdout)![1]!;
  assert.notEqual(second, first);
  assert.match(rotated.stdout, new RegExp(`^previous\\t${first}$`, 'm'));
  assert.match((await originstore('account', 'secret', 'vault')).stdout, new RegExp(`^current\\t${second}\\nprevious\\t${first}$`, 'm'));
  const e = Math.floor(Date.now() / 1000) + 600;
  await withServer({}, async (url) => {
    assert.equal(await status(cmsUrl(first, `${url}/vault/clip.txt?e=${e}`)), 200);
    assert.equal(await status(cmsUrl(second, `${url}/vault/clip.txt?e=${e}`)), 200);
  });
  const given = await originstore('account', 'rotate-secret', 'vault', '--secret', 'CmsSecret42');
  assert.equal(given.code, 0, given.stderr);
  assert.match(given.stdout, new RegExp(`^current\\tCmsSecret42\\nprevious\\t${second}$`, 'm'));
  await withServer({}, async (url) => {
    assert.equal(await status(cmsUrl(first, `${url}/vault/clip.txt?e=${e}`)), 403);
    assert.equal(await status(cmsUrl(second, `${url}/vault/clip.txt?e=${e}`)), 200);
    assert.equal(await status(cmsUrl('CmsSecret42', `${url}/vault/clip.txt?e=${e}`)), 200);
  });
  const bad = await originstore('account', 'rotate-secret', 'vault', '--secret', 'not alphanumeric!');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /letters and digits/);
});

test('account private: egress then serves only MediaVault URLs and signed requests; --public undoes it', async () => {
  const secret = /^current\t(\S+)$/m.exec((await originstore('account', 'secret', 'vault')).stdout)![1]!;
  const e = Math.floor(Date.now() / 1000) + 600;
  const made = await originstore('account', 'private', 'vault');
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.stdout, /account vault is private/);
  await withServer({}, async (url) => {
    assert.equal(await status(`${url}/vault/clip.txt`), 403);
    assert.equal(await status(cmsUrl(secret, `${url}/vault/clip.txt?e=${e}`)), 200);
  });
  assert.match((await originstore('account', 'private', 'vault', '--public')).stdout, /account vault is public/);
  await withServer({}, async (url) => assert.equal(await status(`${url}/vault/clip.txt`), 200));
});

test("security.md's worked example is served as written: secret mediavaulthash, public URL http://published.test.com, /directory/file.txt?s=1672531200&e=1988150400&h=bd164af2cf67f89cdd5095bf2a4f8c4f", async () => {
  assert.equal((await originstore('account', 'add', 'directory')).code, 0);
  assert.equal((await originstore('user', 'add', 'directory', 'dora', '--password', 'pw')).code, 0);
  assert.equal((await originstore('account', 'rotate-secret', 'directory', '--secret', 'mediavaulthash')).code, 0);
  const example = '/directory/file.txt?s=1672531200&e=1988150400&h=bd164af2cf67f89cdd5095bf2a4f8c4f';
  let nowMs = 1_700_000_000_000; // between s and e
  const clock = { nowMs: () => nowMs };
  await withServer({ ORIGINSTORE_PUBLIC_URL: 'http://published.test.com' }, async (url) => {
    await store(url, 'dora', 'pw', 'file.txt', 'the worked example');
    const res = await fetch(`${url}${example}`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'the worked example');
    nowMs = 1672531199_000; // a second before s
    assert.equal(await status(`${url}${example}`), 403);
    nowMs = 1988150401_000; // a second after e
    assert.equal(await status(`${url}${example}`), 403);
  }, clock);
  // The hash covers scheme and host: without the public URL the server is http://127.0.0.1:<port>, and the example does not match.
  await withServer({}, async (url) => assert.equal(await status(`${url}${example}`), 403), clock);
});
