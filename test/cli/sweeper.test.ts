/**
 * The sweeper ("garbage collector", uploading_files_multipart.md): it runs at
 * start-up and then every --sweep-interval, expires NEW and FAILED uploads
 * older than --multipart-expiry (1 day by default, multipart_state_codes.md),
 * removes temporary garbage, and its work shows in the log and in /metrics.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startChildServer } from '../helpers/child-server.js';
import { call } from '../helpers/rpc.js';
import { startServer } from '../helpers/server.js';

const EXPIRED = 11;

async function rpc(url: string, method: string, params: unknown[]): Promise<any> {
  const res = await fetch(`${url}/jsonrpc`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return ((await res.json()) as { result: unknown }).result;
}

/** The JSON log lines whose msg is `msg`. */
function logged(lines: readonly string[], msg: string): any[] {
  return lines.flatMap((line) => {
    try {
      const entry = JSON.parse(line);
      return entry.msg === msg ? [entry] : [];
    } catch {
      return [];
    }
  });
}

test('sweeper: at start-up it removes the temporaries a stop left behind; every --sweep-interval it expires old NEW uploads; both show in the log and in /metrics', { timeout: 120_000 }, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'originstore-sweeper-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const first = await startChildServer({ dataDir, password: 'pw' });
  assert.equal(await first.kill('SIGTERM'), 0);
  // What a killed upload leaves: a partly written temporary.
  await writeFile(join(dataDir, 'tmp', 'left-by-a-crash'), 'partial');

  const server = await startChildServer({ dataDir, password: 'pw', args: ['--sweep-interval', '1s', '--multipart-expiry', '0s'] });
  t.after(() => server.kill('SIGKILL'));
  const startup = logged(server.lines, 'start-up sweep done');
  assert.equal(startup.length, 1, 'no start-up sweep in the log');
  assert.equal(startup[0].swept.temporaries, 1);
  assert.deepEqual(await readdir(join(dataDir, 'tmp')), []);

  const [token] = await rpc(server.url, 'login', ['demo', 'pw']);
  const { mpid } = await rpc(server.url, 'createMultipart', [token, '/forgotten.bin']);
  // The periodic sweep runs on its own: wait for its effect.
  while ((await rpc(server.url, 'getMultipartStatus', [token, mpid])).state !== EXPIRED) await delay(100);
  while (!logged(server.lines, 'periodic sweep done').some((e) => e.swept.multipartsExpired >= 1)) await delay(100);

  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const value = (name: string): number => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1] ?? Number.NaN);
  assert.ok(value('originstore_sweeps_total') >= 2, 'the start-up sweep and at least one periodic one');
  assert.equal(value('originstore_sweep_multiparts_expired_total'), 1);
  assert.ok(value('originstore_sweep_temporaries_removed_total') >= 1);
});

test('sweeper: the expiry age defaults to 1 day: a NEW upload a second younger stays NEW, one a day old is EXPIRED', async (t) => {
  let nowMs = Date.now();
  const server = await startServer({ clock: { nowMs: () => nowMs } });
  t.after(() => server.close());
  const token = await server.login();
  const young = await call(server, 'createMultipart', [token, '/young.bin']);
  assert.equal(young.code, 0);
  nowMs += (86_400 - 1) * 1000;
  // Sessions last an hour: a day later alice logs in again.
  const later = await server.login();
  await server.app.services.sweep();
  assert.equal((await call(server, 'getMultipartStatus', [later, young.mpid])).state, 1);
  nowMs += 1000;
  const report = await server.app.services.sweep();
  assert.equal(report.multipartsExpired, 1);
  const status = await call(server, 'getMultipartStatus', [await server.login(), young.mpid]);
  assert.equal(status.state, EXPIRED);
});
