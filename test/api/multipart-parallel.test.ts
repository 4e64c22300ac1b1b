/**
 * "You can ingest pieces of an object in parallel" (uploading_files_multipart.md)
 * and "You can add pieces in any order" (working_with_multipart_http.md,
 * "Create a Multipart Piece"): 1,000 pieces — the documented maximum — sent
 * in random order, 8 at a time, then completed; the joined file is the
 * pieces in number order.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { after, before, test } from 'node:test';
import { expectAgile, postComplete, postCreate, postPiece, sha256, streamedGet } from '../helpers/multipart.js';
import { call } from '../helpers/rpc.js';
import { ACCOUNT, startServer, type TestServer } from '../helpers/server.js';

const PIECES = 1000;
const PARALLEL = 8;

let server: TestServer;
let token: string;

before(async () => {
  server = await startServer();
  token = await server.login();
});
after(() => server.close());

function shuffled(n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i + 1);
  for (let i = order.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

test(`multipart: ${PIECES} pieces sent in random order, ${PARALLEL} in parallel, join into the file whose SHA-256 is that of the pieces in number order`, { timeout: 10 * 60_000 }, async () => {
  assert.equal(await call(server, 'makeDir', [token, '/parallel']), 0);
  const created = await postCreate(server.url, { 'X-Agile-Authorization': token, 'X-Agile-Directory': '/parallel', 'X-Agile-Basename': 'joined.bin' });
  await expectAgile(created, 200, 0);
  const mpid = created.headers.get('x-agile-multipart')!;

  // Sizes from 1 byte to 16 KiB, so that piece boundaries fall everywhere in the join's buffers.
  const pieces = Array.from({ length: PIECES }, () => randomBytes(randomInt(1, 16 * 1024 + 1)));
  const queue = shuffled(PIECES);
  const sent: number[] = [];
  const worker = async (): Promise<void> => {
    for (let part = queue.shift(); part !== undefined; part = queue.shift()) {
      const data = pieces[part - 1]!;
      const res = await postPiece(server.url, token, mpid, part, data);
      await expectAgile(res, 200, 0);
      assert.equal(res.headers.get('x-agile-checksum'), sha256(data), `piece ${part}`);
      assert.equal(res.headers.get('x-agile-size'), String(data.length), `piece ${part}`);
      sent.push(part);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  assert.equal(sent.length, PIECES);
  assert.notDeepEqual(sent, [...sent].sort((a, b) => a - b), 'the pieces arrived in number order');

  const listed: number[] = [];
  let cookie = 0;
  do {
    const page = await call(server, 'listMultipartPiece', [token, mpid, cookie, 300]);
    assert.equal(page.code, 0);
    listed.push(...page.pieces.map((p: any) => p.number));
    cookie = page.cookie;
  } while (cookie !== 0);
  assert.equal(listed.length, PIECES);
  assert.deepEqual([...listed].sort((a, b) => a - b), Array.from({ length: PIECES }, (_, i) => i + 1));

  const completed = await postComplete(server.url, token, mpid);
  await expectAgile(completed, 200, 0);
  assert.equal(completed.headers.get('x-agile-parts'), String(PIECES));
  await server.app.services.joiner.idle();
  assert.equal((await call(server, 'getMultipartStatus', [token, mpid])).state, 6);

  const whole = Buffer.concat(pieces);
  const got = await streamedGet(`${server.url}/${ACCOUNT}/parallel/joined.bin`);
  assert.equal(got.status, 200);
  assert.equal(got.sizeBytes, whole.length);
  assert.equal(got.sha256, sha256(whole));
  assert.equal(got.checksumHeader, sha256(whole));
  const st = await call(server, 'stat', [token, '/parallel/joined.bin', true]);
  assert.equal(st.size, whole.length);
  assert.equal(st.checksum, sha256(whole));
});
