/**
 * fetchFileHTTP from a remote origin (an opt-in): "a failed remote fetch
 * leaves nothing behind and is logged". The real server runs as `serve`
 * with --fetch-remote and --fetch-allow-private (the origin is on loopback);
 * its log must name each failed copy, its source and its destination.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startChildServer } from '../helpers/child-server.js';

async function rpc(url: string, method: string, params: unknown[]): Promise<any> {
  const res = await fetch(`${url}/jsonrpc`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return ((await res.json()) as { result: unknown }).result;
}

test('fetchFileHTTP: a failed remote fetch is logged with its source and destination, and stores nothing', { timeout: 120_000 }, async (t) => {
  const origin = createServer((req, res) => {
    if (req.url === '/broken') {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('only part');
      return res.destroy();
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  t.after(() => origin.close());
  const address = origin.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const base = `http://127.0.0.1:${address.port}`;

  const dataDir = await mkdtemp(join(tmpdir(), 'originstore-fetchlog-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const server = await startChildServer({ dataDir, password: 'pw', args: ['--fetch-remote', '--fetch-allow-private'] });
  t.after(() => server.kill('SIGKILL'));
  const [token] = await rpc(server.url, 'login', ['demo', 'pw']);
  assert.equal(await rpc(server.url, 'fetchFileHTTP', [token, '/missing.bin', `${base}/missing`, 0]), 0);
  assert.equal(await rpc(server.url, 'fetchFileHTTP', [token, '/broken.bin', `${base}/broken`, 0]), 0);

  const failures = (): Array<{ source: string; destination: string; level: number }> => server.lines.flatMap((line) => {
    try {
      const entry = JSON.parse(line);
      return entry.msg === 'fetchFileHTTP copy failed' ? [entry] : [];
    } catch {
      return [];
    }
  });
  // The copies run in the background: wait for both to be logged.
  while (failures().length < 2) await delay(50);
  assert.deepEqual(failures().map((f) => [f.source, f.destination]).sort(), [[`${base}/broken`, '/broken.bin'], [`${base}/missing`, '/missing.bin']]);
  assert.ok(failures().every((f) => f.level >= 40), 'logged as warnings');
  for (const path of ['/missing.bin', '/broken.bin']) assert.equal((await rpc(server.url, 'stat', [token, path])).code, -1);
});
