/**
 * `originstore serve --blobs s3://…` (and ORIGINSTORE_BLOBS): file bytes go
 * to the bucket, the data directory keeps only metadata, and the start-up
 * log shows the URL without its credentials.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startChildServer } from '../helpers/child-server.js';
import { s3OrSkip } from '../helpers/s3.js';

async function rpc(url: string, method: string, params: unknown[]): Promise<any> {
  const res = await fetch(`${url}/jsonrpc`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return ((await res.json()) as { result: unknown }).result;
}

for (const how of ['flag', 'env'] as const) {
  test(`serve: blobs in S3 through ${how === 'flag' ? '--blobs' : 'ORIGINSTORE_BLOBS'}; the credentials never reach the log`, async (t) => {
    const s3 = await s3OrSkip(t);
    if (!s3) return;
    const bucket = await s3.createBucket();
    const url = s3.blobsUrl(bucket);
    const dataDir = await mkdtemp(join(tmpdir(), 'originstore-cli-'));
    t.after(() => rm(dataDir, { recursive: true, force: true }));
    const blobs = { env: {}, args: [], count: async () => 0, usage: async () => ({ files: 0, bytes: 0 }), temporaries: async () => 0 };
    const server = await startChildServer({
      dataDir,
      blobs,
      ...(how === 'flag' ? { args: ['--blobs', url] } : { env: { ORIGINSTORE_BLOBS: url } }),
    });
    t.after(() => server.kill('SIGKILL'));
    const [token] = (await rpc(server.url, 'login', ['demo', 'secret'])) as [string];
    const res = await fetch(`${server.url}/post/raw`, { method: 'POST', headers: { 'X-Agile-Authorization': token, 'X-Agile-Directory': '/', 'X-Agile-Basename': 'in-s3.txt' }, body: 'bytes in the bucket' });
    assert.equal(res.status, 200);
    assert.equal(await (await fetch(`${server.url}/demo/in-s3.txt`)).text(), 'bytes in the bucket');
    assert.equal((await s3.keys(bucket, 'blobs/')).length, 1);
    assert.equal((await readdir(dataDir)).includes('blobs'), false, 'no blob directory under --data-dir');
    assert.equal(await server.kill('SIGTERM'), 0);
    const started = server.lines.map((l) => { try { return JSON.parse(l); } catch { return undefined; } }).find((o) => o?.msg === 'starting originstore');
    assert.match(started.config.blobs, /^s3:\/\/\[redacted\]@t-/);
    assert.ok(!server.lines.some((l) => l.includes('S3RVER:S3RVER')), 'the credentials were logged');
  });
}
