/**
 * kill -9 in the middle of a multipart join (working_with_multipart_http.md,
 * "Complete a Multipart Upload": "neither the final file or individual
 * pieces are visible as files until you complete the multipart upload").
 * A 4 GiB upload of 32 pieces of 128 MiB, generated from a seeded stream and
 * never held whole in memory, is completed; the real server is SIGKILLed
 * while the join is writing, and restarted on the same data directory. The
 * outcome must be SUCCESS with the whole, correct file (size and SHA-256 by
 * stat and by a streamed GET), or FAILED and then completed by
 * restartMultipart. A poller watches stat and HEAD for the whole test: a
 * visible file is always the whole file. The server's resident memory is
 * sampled every 100 ms during both joins and must stay under 200 MB.
 *
 * The server runs compiled, as `npm start` runs it (as in memory.test.ts):
 * under the tsx loader it idles at about 140 MB, of which some 35 MB is the
 * loader's own, and its joins then peak at 185-198 MB, too close to the
 * bound to tell a regression from noise. Compiled, it idles near 105 MB and
 * joins at about 150 MB. It listens on a port of its own choosing, read from
 * its log (helpers/child-server.ts), so no port is picked in advance.
 *
 * Disk: the pieces and the joined file need about 8 GiB at once (plus the
 * partial join the kill leaves behind, removed at restart); the test is
 * skipped, saying so, when the temporary directory has less than 10 GiB free.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { TEST_BLOBS } from '../helpers/blobs.js';
import { compileServer, startChildServer, type ChildServer } from '../helpers/child-server.js';
import { SERVERS_ON_POSTGRES } from '../helpers/postgres.js';
import { seededBytes, streamedGet, streamPiece } from '../helpers/multipart.js';

const PASSWORD = 'pw';
const SEED = 'originstore multipart crash';
const PIECE_BYTES = 128 * 1024 * 1024;
const PIECES = 32;
const TOTAL_BYTES = PIECE_BYTES * PIECES;
const NEEDED_FREE_BYTES = 10 * 1024 ** 3;
/** The bound on the server's resident memory during a multi-gigabyte join. */
const RSS_LIMIT_BYTES = 200 * 1000 * 1000;
/** How often memory and visibility are sampled; pacing only, nothing waits on it. */
const TICK_MS = 100;
const PATH = '/big/four-gib.bin';
const State = { JOIN: 5, SUCCESS: 6, FAILED: 12 } as const;

async function rpc(url: string, method: string, params: unknown[]): Promise<any> {
  const res = await fetch(`${url}/jsonrpc`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: unknown };
  assert.equal(body.error, undefined, `${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}

/** Peak VmRSS of a process, sampled every TICK_MS until stopped. */
function sampleRss(pid: number): { stop(): number } {
  let peak = 0;
  const read = (): void => {
    try {
      const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      // The process has gone (the kill): the peak so far stands.
    }
  };
  read();
  const timer = setInterval(read, TICK_MS);
  return {
    stop() {
      clearInterval(timer);
      read();
      return peak;
    },
  };
}

interface Sighting {
  readonly via: 'stat' | 'HEAD';
  readonly size: number;
  readonly checksum: string | null;
}

/**
 * Looks at PATH through stat and HEAD on whichever server is up, every
 * TICK_MS, recording every sighting of the file; while no server answers
 * (between the kill and the restart) it just tries again.
 */
function watchVisibility(current: () => { url: string; token: string } | undefined): { stop(): Promise<Sighting[]> } {
  const sightings: Sighting[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const target = current();
      if (target) {
        try {
          const st = await rpc(target.url, 'stat', [target.token, PATH, true]);
          if (st.code === 0) sightings.push({ via: 'stat', size: st.size, checksum: st.checksum });
          const head = await fetch(`${target.url}/demo${PATH}`, { method: 'HEAD' });
          if (head.status !== 404) {
            sightings.push({ via: 'HEAD', size: Number(head.headers.get('content-length')), checksum: head.headers.get('x-agile-checksum') });
          }
        } catch {
          // The server is down or going down.
        }
      }
      await delay(TICK_MS);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return sightings;
    },
  };
}

/** Polls getMultipartStatus every TICK_MS until `done` holds for the state; returns that state. */
async function waitForState(url: string, token: string, mpid: string, done: (state: number) => boolean, alsoUntil: () => Promise<boolean> = async () => true): Promise<number> {
  for (;;) {
    const st = await rpc(url, 'getMultipartStatus', [token, mpid]);
    assert.equal(st.code, 0);
    if (done(st.state) && (await alsoUntil())) return st.state;
    await delay(TICK_MS);
  }
}

/** Size of the largest file in <dataDir>/tmp: the join's output while it is being written. */
async function largestTemporary(dataDir: string): Promise<number> {
  let largest = 0;
  for (const name of await readdir(join(dataDir, 'tmp'))) {
    const st = await stat(join(dataDir, 'tmp', name)).catch(() => undefined);
    if (st) largest = Math.max(largest, st.size);
  }
  return largest;
}

test('multipart: kill -9 during the join of a 4 GiB upload; after a restart the file is whole (or FAILED, then restartMultipart makes it whole), never partial, and the join stays under 200 MB RSS', { timeout: 45 * 60_000 }, async (t) => {
  if (TEST_BLOBS !== 'fs') {
    // It watches the join's partial output grow under <dataDir>/tmp, which only the filesystem store has;
    // an object store's join is a multipart upload that stays invisible until it completes.
    t.skip(`needs the filesystem blob store (ORIGINSTORE_TEST_BLOBS=${TEST_BLOBS})`);
    return;
  }
  const free = await statfs(tmpdir());
  if (free.bavail * free.bsize < NEEDED_FREE_BYTES) {
    t.skip(`needs ${NEEDED_FREE_BYTES / 1024 ** 3} GiB free in ${tmpdir()}`);
    return;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'originstore-mpcrash-'));
  const compiled = await compileServer();
  const started: ChildServer[] = [];
  let live: { url: string; token: string } | undefined;
  const watcher = watchVisibility(() => live);
  t.after(async () => {
    await watcher.stop();
    for (const s of started) await s.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    await compiled.remove();
  });

  const first = await startChildServer({ dataDir, password: PASSWORD, entry: compiled.entry });
  started.push(first);
  const [token] = (await rpc(first.url, 'login', ['demo', PASSWORD])) as [string];
  assert.equal(typeof token, 'string');
  live = { url: first.url, token };
  assert.equal(await rpc(first.url, 'makeDir', [token, '/big']), 0);
  const created = await rpc(first.url, 'createMultipart', [token, PATH]);
  assert.equal(created.code, 0);
  const mpid: string = created.mpid;

  const whole = createHash('sha256');
  for (let part = 1; part <= PIECES; part++) {
    const piece = createHash('sha256');
    const answer = await streamPiece(first.url, token, mpid, part, seededBytes(SEED, (part - 1) * PIECE_BYTES, PIECE_BYTES), PIECE_BYTES, (chunk) => {
      piece.update(chunk);
      whole.update(chunk);
    });
    assert.equal(answer.status, 200, `piece ${part}: HTTP ${answer.status}, X-Agile-Status ${answer.agileStatus}`);
    assert.equal(answer.agileStatus, '0');
    assert.equal(answer.size, String(PIECE_BYTES));
    assert.equal(answer.checksum, piece.digest('hex'), `piece ${part}`);
  }
  const expected = whole.digest('hex');

  // Complete, and kill the server once the join is well under way (a good part of the file written).
  const firstRss = sampleRss(first.pid);
  assert.deepEqual(await rpc(first.url, 'completeMultipart', [token, mpid]), { code: 0, numpieces: PIECES });
  const seenState = await waitForState(first.url, token, mpid, (s) => s === State.JOIN || s === State.SUCCESS,
    async () => (await largestTemporary(dataDir)) >= TOTAL_BYTES / 4);
  assert.equal(seenState, State.JOIN, 'the join ended before the server could be killed');
  live = undefined;
  assert.equal(await first.kill('SIGKILL'), 'SIGKILL');
  const firstPeak = firstRss.stop();
  const partial = await largestTemporary(dataDir);
  assert.ok(partial > 0 && partial < TOTAL_BYTES, `the kill left no partial join behind (${partial} bytes)`);

  // Restart on the same data directory: the interrupted join runs again.
  const second = await startChildServer({ dataDir, password: PASSWORD, entry: compiled.entry });
  started.push(second);
  const secondRss = sampleRss(second.pid);
  live = { url: second.url, token };
  let outcome = await waitForState(second.url, token, mpid, (s) => s === State.SUCCESS || s === State.FAILED);
  if (outcome === State.FAILED) {
    assert.equal(await rpc(second.url, 'restartMultipart', [token, mpid]), 0);
    outcome = await waitForState(second.url, token, mpid, (s) => s === State.SUCCESS || s === State.FAILED);
  }
  const secondPeak = secondRss.stop();
  assert.equal(outcome, State.SUCCESS);

  const st = await rpc(second.url, 'stat', [token, PATH, true]);
  assert.equal(st.code, 0);
  assert.equal(st.size, TOTAL_BYTES);
  assert.equal(st.checksum, expected);
  const got = await streamedGet(`${second.url}/demo${PATH}`);
  assert.equal(got.status, 200);
  assert.equal(got.sizeBytes, TOTAL_BYTES);
  assert.equal(got.sha256, expected);
  assert.equal(got.checksumHeader, expected);

  const sightings = await watcher.stop();
  for (const s of sightings) {
    assert.deepEqual(s, { via: s.via, size: TOTAL_BYTES, checksum: expected }, 'a partial or wrong file was visible');
  }
  // Servers sharing a metadata store keep young temporaries at start-up (docs/scale-out.md).
  if (!SERVERS_ON_POSTGRES) assert.equal((await readdir(join(dataDir, 'tmp'))).length, 0, 'the partial join survived the restart');

  t.diagnostic(`peak RSS: ${(firstPeak / 1e6).toFixed(0)} MB during the killed join, ${(secondPeak / 1e6).toFixed(0)} MB during the join after the restart; ${sightings.length} sightings of the file`);
  assert.ok(firstPeak < RSS_LIMIT_BYTES, `peak RSS ${firstPeak} bytes during the first join`);
  assert.ok(secondPeak < RSS_LIMIT_BYTES, `peak RSS ${secondPeak} bytes during the join after the restart`);
});
