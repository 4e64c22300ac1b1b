/**
 * `originstore serve --metadata postgres://…` as an operator runs it: the
 * first server creates the tables and the first-run account, a second one
 * on the same database finds them and prints no credentials, and both
 * accept the same token.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { redactUrl } from '../../src/server/config.js';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { freshSchema, postgresSkip } from '../helpers/postgres.js';

const options = await postgresSkip('the serve --metadata postgres:// test');

async function rpc(url: string, method: string, params: unknown[]): Promise<any> {
  const res = await fetch(`${url}/jsonrpc`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return ((await res.json()) as { result: unknown }).result;
}

function startLine(server: ChildServer): any {
  return server.lines.map((l) => { try { return JSON.parse(l); } catch { return undefined; } }).find((o) => o?.msg === 'starting originstore');
}

test('serve --metadata postgres://: the first server sets up the database, a second one shares it, and a token from one works on the other', options, async (t) => {
  const schema = await freshSchema();
  const dataDir = await mkdtemp(join(tmpdir(), 'originstore-serve-pg-'));
  t.after(async () => {
    await rm(dataDir, { recursive: true, force: true });
    await schema.drop();
  });
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
