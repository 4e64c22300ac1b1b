/** Config → the two stores. The embedded default: SQLite + files under the data directory. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FsBlobStore } from '../adapters/fs/fs-blob-store.js';
import { SqliteMetadataStore } from '../adapters/sqlite/sqlite-metadata-store.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { MetadataStore } from '../ports/metadata-store.js';

export interface Stores {
  readonly metadata: MetadataStore;
  readonly blobs: BlobStore;
}

export async function openStores(dataDir: string): Promise<Stores> {
  await mkdir(dataDir, { recursive: true });
  const metadata = SqliteMetadataStore.open(join(dataDir, 'metadata.sqlite'));
  const blobs = await FsBlobStore.open(dataDir);
  return { metadata, blobs };
}

/** The services over the stores of a data directory, for the admin commands (no HTTP). */
export async function openServicesFor(dataDir: string) {
  const { createServices, DEFAULT_LIMITS } = await import('../service/index.js');
  const { systemClock, randomIds } = await import('../ports/clock.js');
  const stores = await openStores(dataDir);
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
