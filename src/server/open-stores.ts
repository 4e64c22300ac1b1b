/**
 * Config → the two stores. The embedded default: SQLite + files under the
 * data directory; `--metadata postgres://…` puts the metadata in PostgreSQL
 * and `--blobs s3://…` the bytes in an S3-compatible bucket
 * (docs/scale-out.md).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FsBlobStore } from '../adapters/fs/fs-blob-store.js';
import { PostgresMetadataStore } from '../adapters/postgres/postgres-metadata-store.js';
import { parseS3Location } from '../adapters/s3/s3-location.js';
import { SqliteMetadataStore } from '../adapters/sqlite/sqlite-metadata-store.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { MetadataStore } from '../ports/metadata-store.js';

export interface Stores {
  readonly metadata: MetadataStore;
  readonly blobs: BlobStore;
}

/** What openStores needs of the Config. */
export interface StoreConfig {
  readonly dataDir: string;
  /** undefined: SQLite in the data directory. */
  readonly metadata?: string | undefined;
  /** An s3:// URL (see S3Location); undefined: files under the data directory. */
  readonly blobs?: string | undefined;
}

export async function openStores(config: StoreConfig, options: { blobsOnFirstUse?: boolean } = {}): Promise<Stores> {
  const { dataDir } = config;
  // With both stores elsewhere nothing is kept in the data directory: it is not created.
  if (config.metadata === undefined || config.blobs === undefined) await mkdir(dataDir, { recursive: true });
  const metadata = config.metadata === undefined
    ? SqliteMetadataStore.open(join(dataDir, 'metadata.sqlite'))
    : await PostgresMetadataStore.open(config.metadata);
  try {
    const open = (): Promise<BlobStore> => (config.blobs === undefined ? FsBlobStore.open(dataDir) : openS3(config.blobs));
    const blobs = options.blobsOnFirstUse === true ? new BlobStoreOpenedOnFirstUse(open) : await open();
    return { metadata, blobs };
  } catch (err) {
    await metadata.close();
    throw err;
  }
}

/** Loaded only when asked for: the S3 client is a large body of code that a server on files never needs. */
async function openS3(url: string): Promise<BlobStore> {
  const { S3BlobStore } = await import('../adapters/s3/s3-blob-store.js');
  return S3BlobStore.open(parseS3Location(url));
}

/** Whether several servers may share these stores (housekeeping then waits for its lease). */
export function isShared(config: StoreConfig): boolean {
  return config.metadata !== undefined;
}

/** The services over the configured stores, for the admin commands (no HTTP). */
export async function openServicesFor(config: StoreConfig) {
  const { createServices, DEFAULT_LIMITS } = await import('../service/index.js');
  const { systemClock, randomIds } = await import('../ports/clock.js');
  // Most admin commands never touch the bytes: a user added on PostgreSQL must not create blobs/ where it runs.
  const stores = await openStores(config, { blobsOnFirstUse: true });
  const quiet = { info: () => undefined, warn: () => undefined, error: (o: object) => process.stderr.write(`${JSON.stringify(o)}\n`) };
  const services = createServices({ ...stores, clock: systemClock, ids: randomIds, limits: DEFAULT_LIMITS, log: quiet });
  return {
    services,
    async close() {
      await stores.metadata.close();
      await stores.blobs.close();
    },
  };
}

/** A blob store that is opened when it is first used, not before. */
class BlobStoreOpenedOnFirstUse implements BlobStore {
  private opened: Promise<BlobStore> | undefined;

  constructor(private readonly open: () => Promise<BlobStore>) {}

  private store(): Promise<BlobStore> {
    this.opened ??= this.open();
    return this.opened;
  }

  async write(...args: Parameters<BlobStore['write']>) { return (await this.store()).write(...args); }
  async read(...args: Parameters<BlobStore['read']>) { return (await this.store()).read(...args); }
  async delete(blobId: string) { return (await this.store()).delete(blobId); }
  async deleteMany(blobIds: readonly string[]) { return (await this.store()).deleteMany(blobIds); }
  async concat(...args: Parameters<BlobStore['concat']>) { return (await this.store()).concat(...args); }
  async sweepTemporaries(olderThanMs?: number) { return (await this.store()).sweepTemporaries(olderThanMs); }
  async *listBlobs() { yield* (await this.store()).listBlobs(); }
  async *listTemporaries() { yield* (await this.store()).listTemporaries(); }

  async close(): Promise<void> {
    if (this.opened !== undefined) await (await this.opened).close();
  }
}
