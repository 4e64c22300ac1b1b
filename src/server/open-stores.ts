/** Config → the two stores. The embedded default: SQLite + files under the data directory; blobs in S3 by URL. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FsBlobStore } from '../adapters/fs/fs-blob-store.js';
import { parseS3Location } from '../adapters/s3/s3-location.js';
import { SqliteMetadataStore } from '../adapters/sqlite/sqlite-metadata-store.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { MetadataStore } from '../ports/metadata-store.js';

export interface Stores {
  readonly metadata: MetadataStore;
  readonly blobs: BlobStore;
}

export interface StoreLocations {
  /** An s3:// URL (see S3Location); undefined: files under the data directory. */
  readonly blobs?: string | undefined;
}

export async function openStores(dataDir: string, locations: StoreLocations = {}): Promise<Stores> {
  await mkdir(dataDir, { recursive: true });
  const metadata = SqliteMetadataStore.open(join(dataDir, 'metadata.sqlite'));
  const blobs = locations.blobs === undefined ? await FsBlobStore.open(dataDir) : await openS3(locations.blobs);
  return { metadata, blobs };
}

/** Loaded only when asked for: the S3 client is a large body of code that a server on files never needs. */
async function openS3(url: string): Promise<BlobStore> {
  const { S3BlobStore } = await import('../adapters/s3/s3-blob-store.js');
  return S3BlobStore.open(parseS3Location(url));
}

/** The services over the stores of a data directory, for the admin commands (no HTTP). */
export async function openServicesFor(dataDir: string, locations: StoreLocations = {}) {
  const { createServices, DEFAULT_LIMITS } = await import('../service/index.js');
  const { systemClock, randomIds } = await import('../ports/clock.js');
  const stores = await openStores(dataDir, locations);
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
