/**
 * `originstore serve` on an empty data directory creates an account and a
 * user and prints their credentials once; later starts on the same data
 * directory print nothing of the kind, and the printed password keeps working.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startChildServer } from '../helpers/child-server.js';

async function login(url: string, username: string, password: string): Promise<{ status: string | null; path: string | null }> {
  const res = await fetch(`${url}/account/login`, { method: 'POST', headers: { 'X-Agile-Username': username, 'X-Agile-Password': password } });
  await res.arrayBuffer();
  return { status: res.headers.get('x-agile-status'), path: res.headers.get('x-agile-path') };
}

test('first run: creates an account and a user, prints the generated password once, and it logs in', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'originstore-first-run-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));

  const first = await startChildServer({ dataDir, password: null });
  t.after(() => first.kill('SIGKILL'));
  const banner = first.lines.join('\n');
  assert.match(banner, /first run in /);
  assert.match(banner, /^ {2}account: +demo$/m);
  assert.match(banner, /^ {2}user: +demo$/m);
  const password = /^ {2}password: +(\S+)$/m.exec(banner)?.[1];
  assert.ok(password, `no password in:\n${banner}`);
  assert.ok(password.length >= 12, 'a generated password is not a short one');
  assert.deepEqual(await login(first.url, 'demo', password), { status: '0', path: '/demo' });
  assert.equal(await first.kill('SIGTERM'), 0);

  const second = await startChildServer({ dataDir, password: null });
  t.after(() => second.kill('SIGKILL'));
  const again = second.lines.join('\n');
  assert.doesNotMatch(again, /first run|password/, 'the credentials are printed on the first run only');
  assert.deepEqual(await login(second.url, 'demo', password), { status: '0', path: '/demo' });
  assert.equal(await second.kill('SIGTERM'), 0);
});

test('first run: --init-account, --init-user and --init-password choose the credentials, and the password is not echoed', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'originstore-first-run-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const server = await startChildServer({ dataDir, password: 'chosen-pw-1', args: ['--init-account', 'shop', '--init-user', 'ann'] });
  t.after(() => server.kill('SIGKILL'));
  const banner = server.lines.join('\n');
  assert.match(banner, /^ {2}account: +shop$/m);
  assert.match(banner, /^ {2}user: +ann$/m);
  assert.ok(!banner.includes('chosen-pw-1'), 'a password given on the command line is not printed back');
  assert.deepEqual(await login(server.url, 'ann', 'chosen-pw-1'), { status: '0', path: '/shop' });
  assert.equal(await server.kill('SIGTERM'), 0);
});
