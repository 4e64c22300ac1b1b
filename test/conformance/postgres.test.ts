/**
 * PostgresMetadataStore against the port contract, on the local PostgreSQL
 * (test/helpers/postgres.ts): every test opens a store on a schema of its
 * own and drops it afterwards.
 */
import { PostgresMetadataStore } from '../../src/adapters/postgres/postgres-metadata-store.js';
import type { MetadataStore } from '../../src/ports/metadata-store.js';
import { freshSchema, postgresSkip } from '../helpers/postgres.js';
import { metadataStoreSuite } from './metadata-store.suite.js';

const testOptions = await postgresSkip('the PostgresMetadataStore conformance suite');

metadataStoreSuite(
  'PostgresMetadataStore',
  async (): Promise<MetadataStore> => {
    const schema = await freshSchema();
    const store = await PostgresMetadataStore.open(schema.url);
    const close = store.close.bind(store);
    // Closing the store also drops its schema.
    return Object.assign(store, { close: async () => { await close(); await schema.drop(); } });
  },
  { sharedLeases: true, testOptions },
);
