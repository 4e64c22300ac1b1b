/** The stores of a data directory, opened for `originstore fsck` (which must not create one). */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock } from '../ports/clock.js';
import { Fsck } from '../service/fsck.js';
import { ConfigError } from './config.js';
import { openStores } from './open-stores.js';

export async function openFsck(dataDir: string): Promise<{ fsck: Fsck; close(): Promise<void> }> {
  await access(join(dataDir, 'metadata.sqlite')).catch(() => {
    throw new ConfigError(`${dataDir} is not a data directory (no metadata.sqlite)`);
  });
  const stores = await openStores({ dataDir });
  return {
    fsck: new Fsck({ metadata: stores.metadata, blobs: stores.blobs, clock: systemClock }),
    async close() {
      await stores.metadata.close();
      await stores.blobs.close();
    },
  };
}
