/** The BlobStore contract, for every adapter: the filesystem always, S3 when it is configured. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../../src/ports/blob-store.js';

async function* chunks(parts: Buffer[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield p;
}

async function readAll(stream: Readable | undefined): Promise<Buffer> {
  assert.ok(stream, 'the blob exists');
  const out: Buffer[] = [];
  for await (const c of stream) out.push(c as Buffer);
  return Buffer.concat(out);
}

export function blobStoreSuite(name: string, open: () => Promise<{ store: BlobStore; cleanup: () => Promise<void> }>): void {
  const withStore = (title: string, fn: (s: BlobStore) => Promise<void>) =>
    test(`${name}: ${title}`, async () => {
      const { store, cleanup } = await open();
      try {
        await fn(store);
      } finally {
        await store.close();
        await cleanup();
      }
    });

  withStore('write returns the size and the bytes read back equal', async (s) => {
    const data = [Buffer.from('hello '), Buffer.alloc(3 << 20, 7), Buffer.from('world')];
    const { blobId, sizeBytes } = await s.write(chunks(data));
    const back = await readAll(await s.read(blobId));
    assert.equal(sizeBytes, back.length);
    assert.equal(createHash('sha256').update(back).digest('hex'), createHash('sha256').update(Buffer.concat(data)).digest('hex'));
  });

  withStore('read of a range returns exactly those bytes', async (s) => {
    const { blobId } = await s.write(chunks([Buffer.from('0123456789')]));
    assert.equal((await readAll(await s.read(blobId, { start: 2, end: 5 }))).toString(), '2345');
  });

  withStore('an empty blob can be written and read', async (s) => {
    const { blobId, sizeBytes } = await s.write(chunks([]));
    assert.equal(sizeBytes, 0);
    assert.equal((await readAll(await s.read(blobId))).length, 0);
  });

  withStore('a failed write leaves no blob and no temporary', async (s) => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('partial');
      throw new Error('client went away');
    }
    await assert.rejects(s.write(failing()), /client went away/);
    assert.equal(await s.sweepTemporaries(0), 0);
  });

  withStore('an aborted write is refused', async (s) => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(s.write(chunks([Buffer.from('x')]), { signal: controller.signal }));
  });

  withStore('delete is idempotent and a deleted blob reads as undefined', async (s) => {
    const { blobId } = await s.write(chunks([Buffer.from('x')]));
    await s.delete(blobId);
    await s.delete(blobId);
    assert.equal(await s.read(blobId), undefined);
  });

  withStore('listBlobs yields every durable blob once, with its size (fsck)', async (s) => {
    const a = await s.write(chunks([Buffer.from('abc')]));
    const b = await s.write(chunks([Buffer.alloc(70_000, 1)]));
    const gone = await s.write(chunks([Buffer.from('x')]));
    await s.delete(gone.blobId);
    const listed = new Map<string, number>();
    for await (const blob of s.listBlobs()) {
      assert.ok(!listed.has(blob.blobId), `${blob.blobId} listed twice`);
      assert.ok(blob.modifiedMs > 0);
      listed.set(blob.blobId, blob.sizeBytes);
    }
    assert.deepEqual([...listed].sort(), [[a.blobId, 3], [b.blobId, 70_000]].sort());
    const temporaries = [];
    for await (const t of s.listTemporaries()) temporaries.push(t);
    assert.deepEqual(temporaries, [], 'finished writes leave no temporary');
  });
}
