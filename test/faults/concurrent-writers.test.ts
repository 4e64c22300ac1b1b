/**
 * Concurrent writers to one path (DESIGN.md, "Writes are atomic": uploading
 * to an existing file replaces it, and a reader sees the old file or the new
 * one). Many clients upload different contents at once; afterwards the file
 * is exactly one of them: stat's size and checksum are one upload's, GET
 * serves those bytes, and fsck finds no blob left over by the losers. A
 * reader polling the path meanwhile only ever sees whole uploads.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { systemClock } from '../../src/ports/clock.js';
import { Fsck } from '../../src/service/fsck.js';
import { postComplete, postCreate, postPiece } from '../helpers/multipart.js';
import { startServer, type TestServer } from '../helpers/server.js';

const WRITERS = 24;

let server: TestServer;
let token: string;
before(async () => {
  server = await startServer();
  token = await server.login();
});
after(() => server.close());

interface Content {
  readonly bytes: Buffer;
  readonly sha256: string;
}

function content(sizeBytes: number): Content {
  const bytes = randomBytes(sizeBytes);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Sizes from empty to 1.5 MiB, so that writers finish in no particular order. */
function contents(n: number): Content[] {
  return Array.from({ length: n }, (_, i) => content([0, 1, 4096, 65_537, 300_000, 1_500_000][i % 6]! + i));
}

async function rawUpload(directory: string, name: string, c: Content): Promise<string | null> {
  const res = await server.postRaw(c.bytes, { 'X-Agile-Authorization': token, 'X-Agile-Directory': directory, 'X-Agile-Basename': name, 'X-Agile-Recursive': 'true' });
  await res.arrayBuffer();
  return res.headers.get('x-agile-status');
}

/** The file as stat and GET see it; both must agree and name one of `candidates`. */
async function checkIsOneOf(path: string, candidates: Content[]): Promise<Content> {
  const stat = await server.rpc('stat', [token, path, true]);
  assert.equal(stat.code, 0);
  const winner = candidates.find((c) => c.sha256 === stat.checksum);
  assert.ok(winner, `the file's checksum ${stat.checksum} is none of the uploads'`);
  assert.equal(stat.size, winner.bytes.length);
  const got = await fetch(`${server.url}/acme${path}`);
  const body = Buffer.from(await got.arrayBuffer());
  assert.equal(got.headers.get('x-agile-checksum'), winner.sha256);
  assert.equal(createHash('sha256').update(body).digest('hex'), winner.sha256, 'GET serves other bytes than stat describes');
  return winner;
}

/**
 * Reads `path` over and over until `done` settles: every answer is 404 (not
 * there yet) or whole bytes of one of `candidates`, matching its checksum.
 */
async function readWhileWriting(path: string, candidates: Content[], done: Promise<unknown>): Promise<number> {
  let settled = false;
  void done.finally(() => {
    settled = true;
  });
  const known = new Set(candidates.map((c) => c.sha256));
  let reads = 0;
  while (!settled) {
    const res = await fetch(`${server.url}/acme${path}`);
    const body = Buffer.from(await res.arrayBuffer());
    reads++;
    if (res.status === 404) continue;
    assert.equal(res.status, 200);
    const sha = createHash('sha256').update(body).digest('hex');
    assert.ok(known.has(sha), `a reader saw bytes of no upload (${body.length} bytes)`);
    assert.equal(res.headers.get('x-agile-checksum'), sha, 'a reader saw bytes that differ from their checksum');
  }
  return reads;
}

/** Every loser's blob is collected: fsck sees only referenced blobs. */
async function checkNoLeftovers(): Promise<void> {
  await server.app.services.joiner.idle();
  await server.app.services.garbage.drain();
  const report = await new Fsck({ ...server.app.stores, clock: systemClock }).run();
  assert.deepEqual(report.findings, []);
  assert.equal(report.queuedGarbage, 0);
}

test(`concurrent writers: ${WRITERS} /post/raw uploads of different contents to one path leave exactly one of them`, async () => {
  const all = contents(WRITERS);
  // The directory does not exist yet: every writer also races to create it (X-Agile-Recursive).
  const writing = Promise.all(all.map((c) => rawUpload('/race/raw', 'same.bin', c)));
  const [codes] = await Promise.all([writing, readWhileWriting('/race/raw/same.bin', all, writing)]);
  assert.deepEqual(codes, all.map(() => '0'), 'each upload is acknowledged (a later one replaces an earlier)');
  await checkIsOneOf('/race/raw/same.bin', all);
  const listed = await server.rpc('listFile', [token, '/race/raw', 100, 0, false]);
  assert.deepEqual(listed.list.map((f: { name: string }) => f.name), ['same.bin']);
  await checkNoLeftovers();
});

test('concurrent writers: multipart completions racing /post/raw uploads to one path leave exactly one of them', async () => {
  const directory = '/race/mixed';
  assert.equal(await server.rpc('makeDir2', [token, directory]), 0);
  const multipartContents: Content[] = [];
  const mpids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const created = await postCreate(server.url, { 'X-Agile-Authorization': token, 'X-Agile-Directory': directory, 'X-Agile-Basename': 'same.bin' });
    const mpid = created.headers.get('x-agile-multipart')!;
    const pieces = [content(200_000 + i), content(70_000 + i)];
    for (const [n, p] of pieces.entries()) assert.equal((await postPiece(server.url, token, mpid, n + 1, p.bytes)).headers.get('x-agile-status'), '0');
    const joined = Buffer.concat(pieces.map((p) => p.bytes));
    multipartContents.push({ bytes: joined, sha256: createHash('sha256').update(joined).digest('hex') });
    mpids.push(mpid);
  }
  const rawContents = contents(12);
  const writing = Promise.all([
    ...mpids.map(async (mpid) => {
      const res = await postComplete(server.url, token, mpid);
      return res.headers.get('x-agile-status');
    }),
    ...rawContents.map((c) => rawUpload(directory, 'same.bin', c)),
  ]);
  const [answers] = await Promise.all([writing, readWhileWriting(`${directory}/same.bin`, [...multipartContents, ...rawContents], writing.then(() => server.app.services.joiner.idle()))]);
  assert.deepEqual(answers, answers.map(() => '0'));
  await server.app.services.joiner.idle();
  for (const mpid of mpids) {
    const status = await server.rpc('getMultipartStatus', [token, mpid]);
    assert.equal(status.state, 6, 'SUCCESS: ' + `${mpid}: ${JSON.stringify(status)}`);
  }
  await checkIsOneOf(`${directory}/same.bin`, [...multipartContents, ...rawContents]);
  await checkNoLeftovers();
});
