/** The embedded adapters against the port contracts. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsBlobStore } from '../../src/adapters/fs/fs-blob-store.js';
import { SqliteMetadataStore } from '../../src/adapters/sqlite/sqlite-metadata-store.js';
import { blobStoreSuite } from './blob-store.suite.js';
import { metadataStoreSuite } from './metadata-store.suite.js';

metadataStoreSuite('SqliteMetadataStore', async () => SqliteMetadataStore.open(':memory:'), { serialTransactions: true });

blobStoreSuite('FsBlobStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'originstore-blobs-'));
  return { store: await FsBlobStore.open(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});
