/**
 * `originstore serve --metadata postgres://…` as an operator runs it: the
 * first server creates the tables and the first-run account, a second one
 * on the same database finds them and prints no credentials, and both
 * accept the same token.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { redactUrl } from '../../src/server/config.js';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { originstore } from '../helpers/cli.js';
import { freshSchema, postgresSkip, type Schema } from '../helpers/postgres.js';

const options = await postgresSkip('the serve --metadata postgres:// test');

async function rpc(url: string, method: string, params: unknown[]): Promise<any> {
  const res = await fetch(`${url}/jsonrpc`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return ((await res.json()) as { result: unknown }).result;
}

/** A fresh schema and an empty data directory, both removed when the test ends. */
async function schemaAndDataDir(t: TestContext): Promise<{ schema: Schema; dataDir: string }> {
  const schema = await freshSchema();
  const dataDir = await mkdtemp(join(tmpdir(), 'originstore-serve-pg-'));
  t.after(async () => {
    await rm(dataDir, { recursive: true, force: true });
    await schema.drop();
  });
  return { schema, dataDir };
}

function startLine(server: ChildServer): any {
  return server.lines.map((l) => { try { return JSON.parse(l); } catch { return undefined; } }).find((o) => o?.msg === 'starting originstore');
}

test('serve --metadata postgres://: the first server sets up the database, a second one shares it, and a token from one works on the other', options, async (t) => {
  const { schema, dataDir } = await schemaAndDataDir(t);
  const first = await startChildServer({ dataDir, password: 'pw', metadata: schema.url });
  t.after(() => first.kill('SIGKILL'));
  const second = await startChildServer({ dataDir, password: 'pw', metadata: schema.url });
  t.after(() => second.kill('SIGKILL'));

  assert.equal(startLine(first).config.metadata, redactUrl(schema.url), 'the start-up line names the store, password redacted');
  assert.equal(redactUrl('postgres://u:hunter2@db:5432/o?schema=s'), 'postgres://u:redacted@db:5432/o?schema=s');
  assert.ok(first.lines.some((l) => l.includes('first run')), 'the first server did the first run');
  assert.ok(!second.lines.some((l) => l.includes('first run')), 'the second found it done');

  const [token] = await rpc(first.url, 'login', ['demo', 'pw']);
  assert.equal(typeof token, 'string');
  assert.equal(await rpc(second.url, 'makeDir', [token, '/shared']), 0);
  assert.equal((await rpc(first.url, 'stat', [token, '/shared'])).type, 1);
  assert.equal(await first.kill('SIGTERM'), 0);
  assert.equal(await second.kill('SIGTERM'), 0);
});

test('serve --metadata postgres:// --blobs s3:// without a key for the bucket: stops with a one-line message, before any first run', options, async (t) => {
  const { schema, dataDir } = await schemaAndDataDir(t);
  const noKey = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined, AWS_PROFILE: undefined,
    // No instance-metadata probing off loopback, and no shared files of whoever runs the tests.
    AWS_EC2_METADATA_DISABLED: 'true', AWS_SHARED_CREDENTIALS_FILE: join(dataDir, 'none'), AWS_CONFIG_FILE: join(dataDir, 'none') };
  const run = await originstore(['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--metadata', schema.url,
    '--blobs', 's3://bucket?endpoint=http://127.0.0.1:9', '--log-level', 'warn'], { env: noKey });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^originstore: no credentials for the S3 store: /m);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  assert.doesNotMatch(run.stdout, /first run|password/, 'no credentials were created to be lost');
  const admin = await originstore(['account', 'ls', '--metadata', schema.url, '--data-dir', join(dataDir, 'admin')]);
  assert.equal(admin.code, 0, admin.stderr);
  assert.equal(admin.stdout.trim(), '', 'no account was created');
});

test('admin commands on PostgreSQL metadata leave no blob directory where they run', options, async (t) => {
  const { schema, dataDir } = await schemaAndDataDir(t);
  const where = join(dataDir, 'not-created');
  const added = await originstore(['account', 'add', 'media', '--metadata', schema.url, '--data-dir', where]);
  assert.equal(added.code, 0, added.stderr);
  assert.equal((await readdir(where).catch((): string[] => [])).includes('blobs'), false);
});
