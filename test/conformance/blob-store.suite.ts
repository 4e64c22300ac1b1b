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
  withStore('a write of many parts reads back whole, and a range across parts too', async (s) => {
    const data = Buffer.alloc(12 * MiB + 7);
    for (let i = 0; i < data.length; i += 4096) data.writeUInt32BE(i, i);
    const { blobId, sizeBytes } = await s.write(chunks(slices(data, 64 * 1024)));
    assert.equal(sizeBytes, data.length);
    assert.ok((await readAll(await s.read(blobId))).equals(data));
    const start = 5 * MiB - 3;
    const end = 10 * MiB + 2;
    assert.ok((await readAll(await s.read(blobId, { start, end }))).equals(data.subarray(start, end + 1)));
  });

  withStore('writes of exactly 5 and 10 MiB in odd chunks, and one chunk larger than a part, read back whole', async (s) => {
    for (const [size, chunkBytes] of [[5 * MiB, MiB + 3], [10 * MiB, MiB + 3], [11 * MiB, 11 * MiB]] as const) {
      const data = patterned(size, size);
      const { blobId, sizeBytes } = await s.write(chunks(slices(data, chunkBytes)));
      assert.equal(sizeBytes, size);
      assert.equal(sha256(await readAll(await s.read(blobId))), sha256(data), `${size} bytes in chunks of ${chunkBytes}`);
    }
  });

  withStore('a write that fails after several parts leaves no temporary', async (s) => {
    async function* failing(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 12; i++) yield Buffer.alloc(MiB, i);
      throw new Error('client went away');
    }
    await assert.rejects(s.write(failing()), /client went away/);
    assert.equal(await s.sweepTemporaries(0), 0);
  });

  withStore('deleteMany deletes every blob named, missing ones included', async (s) => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await s.write(chunks([Buffer.from(`blob ${i}`)]))).blobId);
    await s.delete(ids[0]!);
    await s.deleteMany(ids);
    await s.deleteMany([]);
    for (const id of ids) assert.equal(await s.read(id), undefined);
  });

  const concatCases: Array<{ title: string; sizes: number[] }> = [
    { title: 'small blobs', sizes: [10, 0, 3000, 1] },
    { title: 'large and small blobs (parts the store may copy)', sizes: [6 * MiB, 100, 6 * MiB + 5, 2 * MiB, 5 * MiB + 1, 1] },
    { title: 'one large blob', sizes: [6 * MiB + 3] },
  ];
  for (const { title, sizes } of concatCases) {
    withStore(`concat joins ${title} in order and hands every byte to observe once`, async (s) => {
      const parts = sizes.map((size, i) => patterned(size, i));
      const sources = [];
      for (const part of parts) sources.push(await s.write(chunks(slices(part, 256 * 1024))));
      const observed = createHash('sha256');
      let observedBytes = 0;
      const joined = await s.concat(sources, (chunk) => {
        observed.update(chunk);
        observedBytes += chunk.length;
      });
      assert.ok(joined);
      const expected = Buffer.concat(parts);
      assert.equal(joined.sizeBytes, expected.length);
      assert.equal(observedBytes, expected.length);
      assert.equal(observed.digest('hex'), sha256(expected));
      assert.equal(sha256(await readAll(await s.read(joined.blobId))), sha256(expected));
      for (const source of sources) assert.ok(await s.read(source.blobId), 'the sources are kept');
      assert.equal(await s.sweepTemporaries(0), 0);
    });
  }

  withStore('concat with a missing source resolves undefined and leaves nothing behind', async (s) => {
    const present = await s.write(chunks([patterned(6 * MiB, 1)]));
    const gone = await s.write(chunks([patterned(6 * MiB, 2)]));
    await s.delete(gone.blobId);
    assert.equal(await s.concat([present, gone], () => undefined), undefined);
    assert.equal(await s.sweepTemporaries(0), 0);
  });

  withStore('concat of a source whose size differs from the recorded one fails', async (s) => {
    const source = await s.write(chunks([Buffer.from('0123456789')]));
    await assert.rejects(s.concat([{ blobId: source.blobId, sizeBytes: 11 }], () => undefined));
    assert.equal(await s.sweepTemporaries(0), 0);
  });
}

const MiB = 1024 * 1024;

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Bytes that differ from one offset and one blob to the next, so a misplaced range shows. */
function patterned(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) out.writeUInt32BE((i * 2654435761 + seed) >>> 0, i);
  return out;
}

function slices(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}
