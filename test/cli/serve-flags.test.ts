/**
 * `originstore serve` flags reach the configuration under their own names,
 * including those whose Config key differs (--session-ttl →
 * sessionTtlSeconds), and out-of-range values stop start-up.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startChildServer } from '../helpers/child-server.js';

test('serve: every flag is applied (the effective configuration is logged at start)', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'originstore-cli-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const server = await startChildServer({
    dataDir,
    args: ['--session-ttl', '2h', '--max-upload-size', '5MiB', '--sweep-interval', '10m', '--init-account', 'acme', '--init-user', 'alice'],
  });
  t.after(() => server.kill('SIGKILL'));
  const started = server.lines.map((l) => { try { return JSON.parse(l); } catch { return undefined; } }).find((o) => o?.msg === 'starting originstore');
  assert.ok(started, 'no start-up line');
  assert.equal(started.config.sessionTtlSeconds, 7200);
  assert.equal(started.config.maxUploadBytes, 5 * 1024 * 1024);
  assert.equal(started.config.sweepIntervalSeconds, 600);
  assert.equal(started.config.initAccount, 'acme');
  assert.equal(started.config.initUser, 'alice');
  assert.equal(started.config.initPassword, '[redacted]');
  assert.equal(await server.kill('SIGTERM'), 0);
});

for (const [flag, value] of [['--session-ttl', '2d'], ['--sweep-interval', '0'], ['--max-upload-size', 'lots'], ['--port', '70000'], ['--metadata', 'mysql://db/originstore']]) {
  test(`serve: ${flag} ${value} is refused at start-up, naming the flag`, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--data-dir', join(tmpdir(), 'originstore-never-created'), flag!, value!], {
      cwd: new URL('../../', import.meta.url),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(code, 2);
    assert.match(stderr, new RegExp(`^originstore: ${flag}: `));
  });
}

test('serve: each request is logged as one JSON line in which every key appears once', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'originstore-cli-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const server = await startChildServer({ dataDir });
  t.after(() => server.kill('SIGKILL'));
  await (await fetch(`${server.url}/healthz`)).text();
  assert.equal(await server.kill('SIGTERM'), 0);
  const lines = server.lines.filter((l) => l.includes('"msg":"request"'));
  assert.equal(lines.length, 1);
  const line = lines[0]!;
  const parsed = JSON.parse(line) as Record<string, unknown>;
  for (const key of Object.keys(parsed)) {
    assert.equal(line.split(`"${key}":`).length - 1, 1, `"${key}" appears more than once in ${line}`);
  }
  assert.equal(parsed['url'], '/healthz');
  assert.equal(parsed['statusCode'], 200);
  assert.equal(typeof parsed['reqId'], 'string');
});

test('serve: ORIGINSTORE_* environment variables configure the server when no flag is given, and a flag wins over one', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'originstore-cli-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const server = await startChildServer({
    dataDir,
    env: { ORIGINSTORE_SESSION_TTL: '2h', ORIGINSTORE_INIT_ACCOUNT: 'fromenv', ORIGINSTORE_MAX_UPLOAD_SIZE: '7MB', ORIGINSTORE_SWEEP_INTERVAL: '1h' },
    args: ['--sweep-interval', '10m'],
  });
  t.after(() => server.kill('SIGKILL'));
  const started = server.lines.map((l) => { try { return JSON.parse(l); } catch { return undefined; } }).find((o) => o?.msg === 'starting originstore');
  assert.ok(started, 'no start-up line');
  assert.equal(started.config.sessionTtlSeconds, 7200);
  assert.equal(started.config.initAccount, 'fromenv');
  assert.equal(started.config.maxUploadBytes, 7_000_000);
  assert.equal(started.config.sweepIntervalSeconds, 600, 'the flag wins over ORIGINSTORE_SWEEP_INTERVAL');
  // The settings are in force, not only logged: the first-run account is the one the environment named.
  const login = await fetch(`${server.url}/account/login`, { method: 'POST', headers: { 'X-Agile-Username': 'demo', 'X-Agile-Password': 'secret' } });
  await login.arrayBuffer();
  assert.equal(login.headers.get('x-agile-path'), '/fromenv');
  assert.equal(await server.kill('SIGTERM'), 0);
});

test('serve: a bad ORIGINSTORE_* value is refused at start-up, naming the variable', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--data-dir', join(tmpdir(), 'originstore-never-created')], {
    cwd: new URL('../../', import.meta.url),
    env: { ...process.env, ORIGINSTORE_PORT: 'eighty' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(code, 2);
  assert.match(stderr, /^originstore: ORIGINSTORE_PORT: /);
});
