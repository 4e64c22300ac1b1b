/**
 * Several real servers sharing one metadata store (a fresh PostgreSQL
 * schema) and one blob store, as docs/scale-out.md runs them. The blob side
 * is `sharedBlobs()`: one data directory on this machine for now; an S3
 * bucket plugs in there (its env settings and cleanup) without changing the
 * tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshSchema, PG_URL } from './postgres.js';
import { startServer, type TestServer } from './server.js';

export interface SharedBlobs {
  /** The data directory each server gets (the blobs live there when no other blob store is configured). */
  readonly dataDir: string;
  /** ORIGINSTORE_* settings that point every server at the same blob store. */
  readonly env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function sharedBlobs(): Promise<SharedBlobs> {
  const dataDir = await mkdtemp(join(tmpdir(), 'originstore-cluster-'));
  return { dataDir, env: {}, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
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
export async function startCluster(count = 2, options: { base?: string; env?: Record<string, string> } = {}): Promise<Cluster> {
  const schema = await freshSchema(options.base ?? PG_URL);
  const blobs = await sharedBlobs();
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
