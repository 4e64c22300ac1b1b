/**
 * Several real servers sharing one metadata store (a fresh PostgreSQL
 * schema) and one blob store, as docs/scale-out.md runs them: one bucket of
 * the test S3 server. Where that server cannot start (and the scale-out
 * suites are not required), the servers share one data directory instead,
 * and the run says so.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshSchema, PG_URL } from './postgres.js';
import { REQUIRE_SCALEOUT, sharedTestS3 } from './s3.js';
import { startServer, type TestServer } from './server.js';

export interface SharedBlobs {
  /** The data directory each server gets (the blobs live there when no other blob store is configured). */
  readonly dataDir: string;
  /** ORIGINSTORE_* settings that point every server at the same blob store. */
  readonly env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** One bucket for every server; `files`: one data directory instead (tests that watch its temporaries). */
export async function sharedBlobs(kind: 'bucket' | 'files' = 'bucket'): Promise<SharedBlobs> {
  const dataDir = await mkdtemp(join(tmpdir(), 'originstore-cluster-'));
  const cleanup = () => rm(dataDir, { recursive: true, force: true });
  if (kind === 'files') return { dataDir, env: {}, cleanup };
  try {
    const s3 = await sharedTestS3();
    const bucket = await s3.createBucket();
    return { dataDir, env: { ORIGINSTORE_BLOBS: s3.blobsUrl(bucket) }, cleanup };
  } catch (err) {
    if (REQUIRE_SCALEOUT) throw err;
    process.stderr.write(`note: the servers share a data directory, not a bucket: S3 test server unavailable (${(err as Error).message})\n`);
    return { dataDir, env: {}, cleanup };
  }
}

export interface Cluster {
  readonly servers: TestServer[];
  /** The metadata URL the servers share (through `base`, when one was given). */
  readonly metadata: string;
  close(): Promise<void>;
}

/**
 * `count` servers on one fresh schema and one blob store. `base` is the
 * PostgreSQL URL to reach it by (a proxy in the outage tests); the schema is
 * dropped through PG_URL at close.
 */
export async function startCluster(count = 2, options: { base?: string; env?: Record<string, string>; blobs?: 'bucket' | 'files' } = {}): Promise<Cluster> {
  const schema = await freshSchema(options.base ?? PG_URL);
  const blobs = await sharedBlobs(options.blobs);
  const servers: TestServer[] = [];
  try {
    // One after the other: the first creates the tables, the account and the user.
    for (let i = 0; i < count; i++) {
      servers.push(await startServer({ metadata: schema.url, dataDir: blobs.dataDir, env: { ...blobs.env, ...(options.env ?? {}) } }));
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    await schema.drop().catch(() => undefined);
    await blobs.cleanup();
    throw err;
  }
  return {
    servers,
    metadata: schema.url,
    async close() {
      await Promise.all(servers.map((s) => s.close()));
      await schema.drop();
      await blobs.cleanup();
    },
  };
}
