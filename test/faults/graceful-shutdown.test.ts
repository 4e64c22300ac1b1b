/**
 * SIGTERM lets uploads in flight finish: the server stops taking new
 * connections, answers the upload that is still streaming, then exits 0.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = resolve(import.meta.dirname, '../..');

async function freePort(): Promise<number> {
  const srv = createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  return port;
}

async function startChild(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--data-dir', dataDir, '--port', String(port), '--init-password', 'pw', '--log-level', 'warn'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 600; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) return child;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`the server did not start: ${out}`);
}

test('graceful shutdown: an upload in flight when SIGTERM arrives completes and is stored', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'originstore-graceful-'));
  const port = await freePort();
  let child = await startChild(dataDir, port);
  try {
    const login = await fetch(`http://127.0.0.1:${port}/account/login`, { method: 'POST', headers: { 'X-Agile-Username': 'demo', 'X-Agile-Password': 'pw' } });
    const token = login.headers.get('x-agile-token')!;
    const first = Buffer.alloc(1 << 20, 1);
    const second = Buffer.alloc(1 << 20, 2);
    const sha = createHash('sha256').update(first).update(second).digest('hex');

    const req = request({
      host: '127.0.0.1', port, method: 'POST', path: '/post/raw',
      headers: { 'X-Agile-Authorization': token, 'X-Agile-Basename': 'inflight.bin', 'Content-Length': String(first.length + second.length) },
    });
    const answered = once(req, 'response');
    req.write(first);
    // Signal only once the server is writing the upload (its temporary blob exists).
    while ((await readdir(join(dataDir, 'tmp'))).length === 0) await new Promise((r) => setTimeout(r, 20));
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    req.end(second);
    const [res] = (await answered) as [import('node:http').IncomingMessage];
    res.resume();
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-agile-status'], '0');
    assert.equal(res.headers['x-agile-checksum'], sha);
    const [code] = (await exited) as [number];
    assert.equal(code, 0);

    child = await startChild(dataDir, port);
    const got = await fetch(`http://127.0.0.1:${port}/demo/inflight.bin`);
    assert.equal(createHash('sha256').update(Buffer.from(await got.arrayBuffer())).digest('hex'), sha);
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    await rm(dataDir, { recursive: true, force: true });
  }
});
