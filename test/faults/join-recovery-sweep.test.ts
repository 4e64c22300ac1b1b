/**
 * A join that a stopped server left behind is resumed by the housekeeping
 * sweep, and at start-up that sweep removes temporaries of any age. The
 * resumed join must not start before the temporaries are gone: its own
 * temporary (the file it is writing) would be removed under it, and an
 * acknowledged completion would end FAILED.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UploadState } from '../../src/domain/multipart-state.js';
import type { BlobStore } from '../../src/ports/blob-store.js';
import { startServer } from '../helpers/server.js';

test('start-up sweep: a join left in COMPLETE is resumed only after the temporaries are swept, and ends SUCCESS', async (t) => {
  const server = await startServer();
  t.after(() => server.close());
  const token = await server.login();
  const auth = { 'X-Agile-Authorization': token };
  const created = await fetch(`${server.url}/multipart/create`, { method: 'POST', headers: { ...auth, 'X-Agile-Directory': '/', 'X-Agile-Basename': 'resumed.bin' } });
  const mpid = created.headers.get('x-agile-multipart')!;
  for (const [i, body] of ['first piece, ', 'second piece'].entries()) {
    const res = await fetch(`${server.url}/multipart/piece`, { method: 'POST', headers: { ...auth, 'X-Agile-Multipart': mpid, 'X-Agile-Part': String(i + 1) }, body });
    assert.equal(res.headers.get('x-agile-status'), '0');
  }
  // What a server killed right after acknowledging completeMultipart leaves: COMPLETE, no join started.
  await server.app.stores.metadata.transaction((tx) => tx.updateMultipart(mpid, { state: UploadState.COMPLETE }));

  // The join's concat is held open until the sweep has looked at the temporaries, so a join resumed
  // before that sweep would be caught in flight, whatever the timing.
  const blobs = server.app.stores.blobs as BlobStore;
  const events: string[] = [];
  let release!: () => void;
  const swept = new Promise<void>((resolve) => (release = resolve));
  const concat = blobs.concat.bind(blobs);
  const sweepTemporaries = blobs.sweepTemporaries.bind(blobs);
  blobs.concat = async (...args) => {
    events.push('join writes');
    await Promise.race([swept, new Promise((resolve) => setTimeout(resolve, 500))]);
    return concat(...args);
  };
  blobs.sweepTemporaries = async (olderThanMs) => {
    // Long enough for a join resumed before this call to reach its write.
    await new Promise((resolve) => setTimeout(resolve, 200));
    events.push('temporaries swept');
    const removed = await sweepTemporaries(olderThanMs);
    release();
    return removed;
  };

  await server.app.services.sweep({});
  await server.app.services.joiner.idle();
  assert.deepEqual(events, ['temporaries swept', 'join writes']);
  const status = await server.rpc('getMultipartStatus', [token, mpid]);
  assert.equal(status.state, UploadState.SUCCESS);
  assert.equal((await server.rpc('stat', [token, '/resumed.bin'])).size, 'first piece, second piece'.length);
});
