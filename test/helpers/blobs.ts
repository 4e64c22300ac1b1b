/**
 * Where a test server's blobs live, and a look at them that does not depend
 * on the store: files under <dataDir> by default, or a fresh bucket on the
 * test S3 server when ORIGINSTORE_TEST_BLOBS=s3 (so the whole API suite can
 * run on S3). Tests count blobs and temporaries through this, never by
 * reading the data directory themselves.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sharedTestS3 } from './s3.js';

export const TEST_BLOBS = process.env['ORIGINSTORE_TEST_BLOBS'] === 's3' ? 's3' : 'fs';

export interface TestBlobs {
  /** ORIGINSTORE_BLOBS for a server on this store ({} for the default). */
  readonly env: Record<string, string>;
  /** The same as `serve` flags. */
  readonly args: readonly string[];
  /** Durable blobs. */
  count(): Promise<number>;
  usage(): Promise<{ files: number; bytes: number }>;
  /** Temporaries of writes in progress or interrupted. */
  temporaries(): Promise<number>;
}

export async function testBlobs(dataDir: string): Promise<TestBlobs> {
  if (TEST_BLOBS === 'fs') return fsBlobs(dataDir);
  const s3 = await sharedTestS3();
  const bucket = await s3.createBucket();
  const url = s3.blobsUrl(bucket);
  const usage = async () => {
    const objects = await s3.objects(bucket, 'blobs/');
    return { files: objects.length, bytes: objects.reduce((sum, o) => sum + o.sizeBytes, 0) };
  };
  return {
    env: { ORIGINSTORE_BLOBS: url },
    args: ['--blobs', url],
    count: async () => (await usage()).files,
    usage,
    temporaries: async () => (await s3.keys(bucket, 'tmp/')).length,
  };
}

function fsBlobs(dataDir: string): TestBlobs {
  const usage = async () => {
    let files = 0;
    let bytes = 0;
    const root = join(dataDir, 'blobs');
    for (const shard of await readdir(root).catch(() => [])) {
      for (const name of await readdir(join(root, shard))) {
        files++;
        bytes += (await stat(join(root, shard, name))).size;
      }
    }
    return { files, bytes };
  };
  return {
    env: {},
    args: [],
    count: async () => (await usage()).files,
    usage,
    temporaries: async () => (await readdir(join(dataDir, 'tmp')).catch(() => [])).length,
  };
}
