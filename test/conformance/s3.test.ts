/**
 * S3BlobStore against the BlobStore contract, on a real S3-compatible
 * server started for the test (test/helpers/s3.ts), one bucket per test;
 * and what only an object store has: temporaries left by a crash.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateMultipartUploadCommand, PutObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import { S3BlobStore } from '../../src/adapters/s3/s3-blob-store.js';
import { parseS3Location } from '../../src/adapters/s3/s3-location.js';
import { blobStoreSuite } from './blob-store.suite.js';
import { s3OrSkip, sharedTestS3 } from '../helpers/s3.js';

async function openStore(minTemporaryAgeMs = 0) {
  const s3 = await sharedTestS3();
  const bucket = await s3.createBucket();
  const location = parseS3Location(`${s3.blobsUrl(bucket)}&partSize=5MiB`);
  return { s3, bucket, location, store: S3BlobStore.open(location, { minTemporaryAgeMs }) };
}

// Says why the suite below is absent when the test S3 server cannot start (a failure with ORIGINSTORE_TEST_REQUIRE_SCALEOUT=1).
test('S3BlobStore: the test S3 server starts, so the conformance suite runs', async (t) => {
  await s3OrSkip(t);
});

if (await sharedTestS3().then(() => true, () => false)) {
  blobStoreSuite('S3BlobStore', async () => {
    const { store } = await openStore();
    return { store, cleanup: async () => undefined };
  });
}

test('S3BlobStore: a multipart upload cut short by a crash is swept, and the object it may have completed too', async (t) => {
  if (!(await s3OrSkip(t))) return;
  const { s3, bucket, location, store } = await openStore();
  const client = new S3Client({ endpoint: location.endpoint!, region: location.region, forcePathStyle: true, credentials: location.credentials! });
  try {
    // What a crash mid-upload leaves: the marker and an upload never completed.
    const key = 'blobs/0123456789abcdef0123456789abcdef';
    const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: created.UploadId!, PartNumber: 1, Body: Buffer.alloc(1024) }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'tmp/0123456789abcdef0123456789abcdef', Body: JSON.stringify({ key, uploadId: created.UploadId }) }));
    // What a crash after completing but before forgetting leaves: the marker and an object nobody was told about.
    const done = 'blobs/fedcba9876543210fedcba9876543210';
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: done, Body: 'never acknowledged' }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'tmp/fedcba9876543210fedcba9876543210', Body: JSON.stringify({ key: done, uploadId: 'gone' }) }));
    const kept = await store.write((async function* () { yield Buffer.from('acknowledged'); })());

    assert.ok((await store.sweepTemporaries(0)) >= 2);
    assert.deepEqual(await s3.keys(bucket, 'tmp/'), []);
    assert.deepEqual(await s3.keys(bucket, 'blobs/'), [`blobs/${kept.blobId}`]);
  } finally {
    client.destroy();
    await store.close();
  }
});

test('S3BlobStore: temporaries younger than the minimum age are kept, since another server may be writing them', async (t) => {
  if (!(await s3OrSkip(t))) return;
  const { s3, bucket, location } = await openStore();
  const store = S3BlobStore.open(location, { minTemporaryAgeMs: 3600_000 });
  const client = new S3Client({ endpoint: location.endpoint!, region: location.region, forcePathStyle: true, credentials: location.credentials! });
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'tmp/0123456789abcdef0123456789abcdef', Body: JSON.stringify({ key: 'blobs/0123456789abcdef0123456789abcdef', uploadId: 'x' }) }));
    assert.equal(await store.sweepTemporaries(0), 0);
    assert.equal((await s3.keys(bucket, 'tmp/')).length, 1);
  } finally {
    client.destroy();
    await store.close();
  }
});

test('S3BlobStore: a key prefix keeps every object under it', async (t) => {
  const s3 = await s3OrSkip(t);
  if (!s3) return;
  const bucket = await s3.createBucket();
  const store = S3BlobStore.open(parseS3Location(s3.blobsUrl(bucket).replace(`@${bucket}?`, `@${bucket}/site-a?`)), { minTemporaryAgeMs: 0 });
  try {
    const { blobId } = await store.write((async function* () { yield Buffer.from('x'); })());
    assert.deepEqual(await s3.keys(bucket), [`site-a/blobs/${blobId}`]);
  } finally {
    await store.close();
  }
});
