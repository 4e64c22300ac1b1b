/**
 * Multipart uploads over JSON-RPC against a real server
 * (working_with_multipart_json.md: createMultipart, getMultipartStatus,
 * getMultipartStatusMap, listMultipart, listMultipartPiece,
 * completeMultipart, abortMultipart, restartMultipart), with the states of
 * multipart_state_codes.md and multipart_state_transitions.md, the notes of
 * uploading_files_multipart.md (one user's identifiers, the sweeper) and the
 * background join. Pieces go through /multipart/piece, the only way to add
 * them. Project choices where the spec is silent are tested as they are:
 * a replaced piece is SKIPPED (10); abort releases piece blobs at once; the
 * sweeper moves NEW and FAILED uploads to EXPIRED and SUCCESS ones to
 * DELETED after the expiry age, ABORT ones to DELETED at its next run;
 * restartMultipart re-runs the join of a FAILED upload.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { expectAgile, postComplete, postPiece, sha256, streamedGet } from '../helpers/multipart.js';
import { ageMtime, assertMtimeMoved, call, callIn, FORMS, statCode, unique, UNKNOWN_TOKEN } from '../helpers/rpc.js';
import { ACCOUNT, startServer, type TestServer } from '../helpers/server.js';

const State = { NEW: 1, READY: 2, COMPLETE: 3, JOIN: 5, SUCCESS: 6, DELETED: 8, ABORT: 10, EXPIRED: 11, FAILED: 12 } as const;
const PieceState = { NEW: 1, SUCCESS: 6, DELETED: 8, SKIPPED: 10, ABORT: 11, EXPIRED: 12, FAILED: 13 } as const;

/** working_with_multipart_json.md, "Get String Equivalents of Multipart Status Codes": the two example maps. */
const UPLOAD_MAP = {
  '11': 'EXPIRED', '0': 'UNKNOWN', '12': 'FAILED', '1': 'NEW', '2': 'READY', '3': 'COMPLETE', '5': 'JOIN', '6': 'SUCCESS', '8': 'DELETED', '9': 'ERROR', '10': 'ABORT',
};
const PIECE_MAP = {
  '11': 'ABORT', '0': 'UNKNOWN', '12': 'EXPIRED', '1': 'NEW', '13': 'FAILED', '5': 'JOIN', '6': 'SUCCESS', '8': 'DELETED', '9': 'ERROR', '10': 'SKIPPED',
};

let server: TestServer;
let token: string;

before(async () => {
  server = await startServer();
  token = await server.login();
});
after(() => server.close());

async function freshDir(prefix = 'mpj', on: TestServer = server, t = token): Promise<string> {
  const dir = `/${unique(prefix)}`;
  assert.equal(await call(on, 'makeDir', [t, dir]), 0);
  return dir;
}

/** A user of its own (listMultipart lists everything a user has created). */
async function freshUser(on: TestServer = server): Promise<string> {
  const name = unique('user');
  await on.app.services.admin.addUser(ACCOUNT, name, 'pw');
  return on.login(name, 'pw');
}

async function createUpload(path: string, t = token, on: TestServer = server, extra: unknown[] = []): Promise<string> {
  const r = await call(on, 'createMultipart', [t, path, ...extra]);
  assert.equal(r.code, 0, `createMultipart ${path}: ${JSON.stringify(r)}`);
  assert.match(r.mpid, /^[0-9a-f]{32}$/);
  return r.mpid;
}

async function addPiece(mpid: string, part: number, data: string | Buffer, t = token, on: TestServer = server): Promise<void> {
  await expectAgile(await postPiece(on.url, t, mpid, part, data), 200, 0);
}

/** A READY upload of `path` holding `pieces` as parts 1, 2, … */
async function readyUpload(path: string, pieces: string[], t = token, on: TestServer = server): Promise<string> {
  const mpid = await createUpload(path, t, on);
  for (const [i, p] of pieces.entries()) await addPiece(mpid, i + 1, p, t, on);
  return mpid;
}

function status(mpid: string, t = token, on: TestServer = server): Promise<any> {
  return call(on, 'getMultipartStatus', [t, mpid]);
}

async function pieceStates(mpid: string, t = token, on: TestServer = server): Promise<Array<[number, number]>> {
  const r = await call(on, 'listMultipartPiece', [t, mpid, 0, 1000]);
  assert.equal(r.code, 0);
  return r.pieces.map((p: any) => [p.number, p.state]);
}

async function completeAndJoin(mpid: string, t = token, on: TestServer = server): Promise<any> {
  const r = await call(on, 'completeMultipart', [t, mpid]);
  await on.app.services.joiner.idle();
  return r;
}

// --- createMultipart ------------------------------------------------------------------------------------------

for (const form of FORMS) {
  test(`createMultipart: returns {code: 0, mpid}; path, content_type and mtime are kept (${form.label})`, async () => {
    const dir = await freshDir();
    const answer = await callIn(server, form, 'createMultipart', [['token', token], ['path', `${dir}/Multipart10`], ['content_type', 'text/plain'], ['mtime', 1461947066]]);
    assert.deepEqual(Object.keys(answer).sort(), ['code', 'mpid']);
    assert.equal(answer.code, 0);
    assert.match(answer.mpid, /^[0-9a-f]{32}$/);
    const st = await status(answer.mpid);
    assert.equal(st.path, `/${ACCOUNT}${dir}/Multipart10`);
    assert.equal(st.content_type, 'text/plain');
    assert.equal(st.mtime, 1461947066);
    assert.equal(st.state, State.NEW);
  });
}

test('createMultipart: the positional sample\'s path "Multipart10" (no leading /) is under the root', async () => {
  const name = unique('Multipart10');
  const r = await call(server, 'createMultipart', [token, name, 'text/plain', 1464896993]);
  assert.equal(r.code, 0);
  assert.equal((await status(r.mpid)).path, `/${ACCOUNT}/${name}`);
});

test('createMultipart: with token and path only, the content type comes from the extension (video/mpeg for .mpg) and mtime defaults to the current time', async () => {
  const dir = await freshDir('movies');
  const mpid = await createUpload(`${dir}/rock-climbing.mpg`);
  const st = await status(mpid);
  assert.equal(st.content_type, 'video/mpeg');
  assert.equal(st.mtime, st.created);
  await addPiece(mpid, 1, 'frames');
  await completeAndJoin(mpid);
  const file = await call(server, 'stat', [token, `${dir}/rock-climbing.mpg`, true]);
  assert.equal(file.mimetype, 'video/mpeg');
  assert.equal(file.mtime, st.created);
});

test('createMultipart: "if you pass an empty string, the API will derive the content type based on the file extension"', async () => {
  const dir = await freshDir();
  const mpid = await createUpload(`${dir}/novel.txt`, token, server, ['', 0]);
  assert.equal((await status(mpid)).content_type, 'text/plain');
});

test('createMultipart: the final file gets the content_type and mtime given', async () => {
  const dir = await freshDir();
  const mpid = await createUpload(`${dir}/million-page-novel`, token, server, ['text/plain', 1437426380]);
  await addPiece(mpid, 1, 'It was a dark and stormy night');
  await completeAndJoin(mpid);
  const file = await call(server, 'stat', [token, `${dir}/million-page-novel`, true]);
  assert.equal(file.mimetype, 'text/plain');
  assert.equal(file.mtime, 1437426380);
});

test('createMultipart: -1 when over the maximum number of multipart uploads not completed or aborted (per user)', async (t) => {
  const limited = await startServer({ env: { ORIGINSTORE_MULTIPART_MAX_OPEN: '2' } });
  t.after(() => limited.close());
  const alice = await limited.login();
  const first = await createUpload('/one.txt', alice, limited);
  const second = await createUpload('/two.txt', alice, limited);
  assert.deepEqual(await call(limited, 'createMultipart', [alice, '/three.txt']), { code: -1 });
  // A READY upload still counts; an aborted one does not.
  await addPiece(second, 1, 'x', alice, limited);
  assert.deepEqual(await call(limited, 'createMultipart', [alice, '/three.txt']), { code: -1 });
  assert.equal(await call(limited, 'abortMultipart', [alice, first]), 0);
  await createUpload('/three.txt', alice, limited);
  // Another user has a limit of their own.
  await createUpload('/bob.txt', await freshUser(limited), limited);
});

const badPaths: ReadonlyArray<readonly [string, string]> = [
  ['a path longer than 4096 bytes', `/${'x'.repeat(4097)}`],
  ["a '..' segment", '/a/../../b.txt'],
  ['a NUL byte', '/a\u0000b.txt'],
  ['the root itself', '/'],
  ['an empty path', ''],
];
for (const [name, path] of badPaths) {
  test(`createMultipart: -16 for an invalid path: ${name}`, async () => {
    assert.deepEqual(await call(server, 'createMultipart', [token, path]), { code: -16 });
  });
}

for (const mtime of [-1, 1.5, 253_402_300_800]) {
  test(`createMultipart: -20 for an invalid last modified time (${mtime})`, async () => {
    const dir = await freshDir();
    assert.deepEqual(await call(server, 'createMultipart', [token, `${dir}/a.txt`, '', mtime]), { code: -20 });
  });
}

test('createMultipart: -21 for an invalid content type', async () => {
  const dir = await freshDir();
  assert.deepEqual(await call(server, 'createMultipart', [token, `${dir}/a.txt`, 'no/such-type', 0]), { code: -21 });
  assert.deepEqual(await call(server, 'createMultipart', { token, path: `${dir}/a.txt`, content_type: 'gif' }), { code: -21 });
});

test('createMultipart: -23 when one or more parent segments in the path do not exist', async () => {
  const dir = await freshDir();
  assert.deepEqual(await call(server, 'createMultipart', [token, `${dir}/missing/a.txt`]), { code: -23 });
  assert.deepEqual(await call(server, 'createMultipart', [token, `${dir}/missing/deeper/a.txt`]), { code: -23 });
  const file = await readyUpload(`${dir}/plain`, ['x']);
  await completeAndJoin(file);
  assert.deepEqual(await call(server, 'createMultipart', [token, `${dir}/plain/a.txt`]), { code: -23 });
});

test('createMultipart: -10001 for an invalid token', async () => {
  assert.deepEqual(await call(server, 'createMultipart', [UNKNOWN_TOKEN, '/a.txt']), { code: -10001 });
});

// --- getMultipartStatus ------------------------------------------------------------------------------------------

for (const form of FORMS) {
  test(`getMultipartStatus: returns {path, code, content_type, numpieces, created, state, mtime, error} (${form.label})`, async () => {
    const dir = await freshDir('open-source-novels');
    const mpid = await createUpload(`${dir}/million-page-novel`, token, server, ['text/plain', 1437426380]);
    const st = await callIn(server, form, 'getMultipartStatus', [['token', token], ['mpid', mpid]]);
    assert.deepEqual(Object.keys(st).sort(), ['code', 'content_type', 'created', 'error', 'mtime', 'numpieces', 'path', 'state']);
    const { created, ...rest } = st;
    assert.equal(Number.isSafeInteger(created) && created > 1_600_000_000, true, `created ${created}`);
    assert.deepEqual(rest, {
      path: `/${ACCOUNT}${dir}/million-page-novel`, code: 0, content_type: 'text/plain', numpieces: 0, state: State.NEW, mtime: 1437426380, error: 0,
    });
  });
}

test('getMultipartStatus: numpieces counts the pieces added and state is READY (2) once there is one', async () => {
  const dir = await freshDir();
  const mpid = await readyUpload(`${dir}/two.txt`, ['a', 'b']);
  const st = await status(mpid);
  assert.equal(st.numpieces, 2);
  assert.equal(st.state, State.READY);
});

test('getMultipartStatus: content_type is absent when none was passed and the path has no file extension', async () => {
  const dir = await freshDir();
  const mpid = await createUpload(`${dir}/no-extension`);
  const st = await status(mpid);
  assert.equal(Object.hasOwn(st, 'content_type'), false, JSON.stringify(st));
  assert.deepEqual(Object.keys(st).sort(), ['code', 'created', 'error', 'mtime', 'numpieces', 'path', 'state']);
  const listed = (await call(server, 'listMultipart', [token, 0, 10_000])).multipart.find((u: any) => u.mpid === mpid);
  assert.equal(Object.hasOwn(listed, 'content_type'), false, JSON.stringify(listed));
});

test('getMultipartStatus: -2 for an invalid value for the mpid parameter', async () => {
  for (const mpid of ['00000000000000000000000000000000', 'nope', '']) {
    assert.deepEqual(await call(server, 'getMultipartStatus', [token, mpid]), { code: -2 });
  }
});

test('getMultipartStatus: -10001 for an invalid token', async () => {
  assert.deepEqual(await call(server, 'getMultipartStatus', [UNKNOWN_TOKEN, '00000000000000000000000000000000']), { code: -10001 });
});

// --- getMultipartStatusMap ----------------------------------------------------------------------------------------

for (const form of FORMS) {
  test(`getMultipartStatusMap: 'upload' and 'piece' answer the maps of the spec's examples (${form.label})`, async () => {
    const upload = await callIn(server, form, 'getMultipartStatusMap', [['token', token], ['name', 'upload']]);
    assert.deepEqual(upload, { code: 0, map: UPLOAD_MAP });
    const piece = await callIn(server, form, 'getMultipartStatusMap', [['token', token], ['name', 'piece']]);
    assert.deepEqual(piece, { code: 0, map: PIECE_MAP });
  });
}

test("getMultipartStatusMap: name defaults to 'upload'", async () => {
  assert.deepEqual(await call(server, 'getMultipartStatusMap', [token]), { code: 0, map: UPLOAD_MAP });
  assert.deepEqual(await call(server, 'getMultipartStatusMap', { token }), { code: 0, map: UPLOAD_MAP });
});

for (const name of ['uploads', 'pieces', 'Upload', '', 1, true, ['upload'], { name: 'upload' }]) {
  test(`getMultipartStatusMap: -19 for an invalid value for name (${JSON.stringify(name)})`, async () => {
    assert.deepEqual(await call(server, 'getMultipartStatusMap', [token, name]), { code: -19 });
  });
}

test("getMultipartStatusMap: name sent as null is left out, so 'upload'", async () => {
  const answer = await call(server, 'getMultipartStatusMap', [token, null]);
  assert.equal(answer.code, 0);
  assert.equal(answer.map['10'], 'ABORT');
});

test('getMultipartStatusMap: -10001 for an invalid token', async () => {
  assert.deepEqual(await call(server, 'getMultipartStatusMap', [UNKNOWN_TOKEN, 'upload']), { code: -10001 });
});

// --- listMultipart --------------------------------------------------------------------------------------------------

for (const form of FORMS) {
  test(`listMultipart: returns {code, cookie, multipart} with {uid, path, gid, content_type, state, mtime, error, mpid} for each upload (${form.label})`, async () => {
    const bob = await freshUser();
    const dir = await freshDir('multipart', server, bob);
    const mpid = await createUpload(`${dir}/multipart4.txt`, bob, server, ['text/plain', 1537165142]);
    const answer = await callIn(server, form, 'listMultipart', [['token', bob], ['cookie', 0], ['pagesize', 5]]);
    assert.equal(answer.code, 0);
    assert.equal(answer.cookie, 1);
    assert.equal(answer.multipart.length, 1);
    const [entry] = answer.multipart;
    assert.deepEqual(Object.keys(entry).sort(), ['content_type', 'error', 'gid', 'mpid', 'mtime', 'path', 'state', 'uid']);
    assert.equal(Number.isSafeInteger(entry.uid), true);
    assert.equal(Number.isSafeInteger(entry.gid), true);
    const { uid: _uid, gid: _gid, ...rest } = entry;
    assert.deepEqual(rest, { path: `/${ACCOUNT}${dir}/multipart4.txt`, content_type: 'text/plain', state: State.NEW, mtime: 1537165142, error: 0, mpid });
  });
}

test('listMultipart: lists only the uploads the caller\'s user created, in every state (aborted ones included)', async () => {
  const bob = await freshUser();
  const dir = await freshDir('lm', server, bob);
  const fresh = await createUpload(`${dir}/new.txt`, bob);
  const ready = await readyUpload(`${dir}/ready.txt`, ['r'], bob);
  const aborted = await readyUpload(`${dir}/aborted.txt`, ['a'], bob);
  assert.equal(await call(server, 'abortMultipart', [bob, aborted]), 0);
  const done = await readyUpload(`${dir}/done.txt`, ['d'], bob);
  await completeAndJoin(done, bob);
  await createUpload(`/${unique('alice-only')}.txt`);
  const answer = await call(server, 'listMultipart', [bob]);
  assert.equal(answer.cookie, 4);
  const states = Object.fromEntries(answer.multipart.map((u: any) => [u.mpid, u.state]));
  assert.deepEqual(states, { [fresh]: State.NEW, [ready]: State.READY, [aborted]: State.ABORT, [done]: State.SUCCESS });
});

test('listMultipart: cookie is the number of uploads returned so far; a page past the end is empty with cookie 0', async () => {
  const bob = await freshUser();
  const dir = await freshDir('paging', server, bob);
  const all: string[] = [];
  for (let i = 0; i < 5; i++) all.push(await createUpload(`${dir}/u${i}.txt`, bob));
  const seen: string[] = [];
  const cookies: number[] = [];
  let cookie = 0;
  for (;;) {
    const page = await call(server, 'listMultipart', [bob, cookie, 2]);
    assert.equal(page.code, 0);
    seen.push(...page.multipart.map((u: any) => u.mpid));
    cookies.push(page.cookie);
    if (page.multipart.length === 0) {
      assert.equal(page.cookie, 0);
      break;
    }
    cookie = page.cookie;
  }
  assert.deepEqual(cookies, [2, 4, 5, 0]);
  assert.deepEqual([...seen].sort(), [...all].sort());
});

test("listMultipart: the spec's sample loop (listMultipart(token, 0, pageSize) until cookie is 0) visits every upload once", async () => {
  const bob = await freshUser();
  const dir = await freshDir('loop', server, bob);
  const all = new Set<string>();
  for (let i = 0; i < 7; i++) all.add(await createUpload(`${dir}/u${i}.txt`, bob));
  const visited: string[] = [];
  let results = await call(server, 'listMultipart', [bob, 0, 3]);
  let cookie = results.cookie;
  while (cookie !== 0) {
    assert.equal(results.code, 0);
    visited.push(...results.multipart.map((u: any) => u.mpid));
    results = await call(server, 'listMultipart', [bob, cookie, 3]);
    cookie = results.cookie;
  }
  assert.equal(visited.length, 7);
  assert.deepEqual(new Set(visited), all);
});

test('listMultipart: cookie defaults to 0 and pagesize to 100', async () => {
  const bob = await freshUser();
  for (let i = 0; i < 101; i++) await createUpload(`/${unique('many')}.txt`, bob);
  const first = await call(server, 'listMultipart', [bob]);
  assert.equal(first.multipart.length, 100);
  assert.equal(first.cookie, 100);
  const second = await call(server, 'listMultipart', { token: bob, cookie: first.cookie });
  assert.equal(second.multipart.length, 1);
  assert.equal(second.cookie, 101);
});

test('listMultipart: an empty list answers {code: 0, cookie: 0, multipart: []}', async () => {
  assert.deepEqual(await call(server, 'listMultipart', [await freshUser(), 0, 5]), { code: 0, cookie: 0, multipart: [] });
});

test('listMultipart: -3 for an invalid cookie', async () => {
  assert.deepEqual(await call(server, 'listMultipart', [token, -1, 5]), { code: -3 });
  assert.deepEqual(await call(server, 'listMultipart', { token, cookie: 1.5 }), { code: -3 });
});

test('listMultipart: -14 for an invalid pagesize', async () => {
  for (const pagesize of [0, -5, 2.5]) assert.deepEqual(await call(server, 'listMultipart', [token, 0, pagesize]), { code: -14 });
});

test('listMultipart: -10001 for an invalid token', async () => {
  assert.deepEqual(await call(server, 'listMultipart', [UNKNOWN_TOKEN, 0, 5]), { code: -10001 });
});

// --- listMultipartPiece ----------------------------------------------------------------------------------------------

for (const form of FORMS) {
  test(`listMultipartPiece: pieces {number, state, size, error} in the order they were added, duplicates included (${form.label})`, async () => {
    const dir = await freshDir();
    const mpid = await createUpload(`${dir}/pieces.bin`);
    await addPiece(mpid, 2, 'two');
    await addPiece(mpid, 1, 'one!');
    await addPiece(mpid, 2, 'two again');
    const answer = await callIn(server, form, 'listMultipartPiece', [['token', token], ['mpid', mpid], ['cookie', 0], ['pagesize', 5]]);
    assert.deepEqual(answer, {
      code: 0,
      cookie: 3,
      pieces: [
        { number: 2, state: PieceState.SKIPPED, size: 3, error: 0 },
        { number: 1, state: PieceState.NEW, size: 4, error: 0 },
        { number: 2, state: PieceState.NEW, size: 9, error: 0 },
      ],
    });
  });
}

test('listMultipartPiece: a duplicate piece number replaces the earlier piece; the file holds the later one', async () => {
  const dir = await freshDir();
  const mpid = await createUpload(`${dir}/dup.txt`);
  await addPiece(mpid, 1, 'old-one;');
  await addPiece(mpid, 2, 'two;');
  await addPiece(mpid, 1, 'new-one;');
  assert.equal((await status(mpid)).numpieces, 2);
  assert.deepEqual(await completeAndJoin(mpid), { code: 0, numpieces: 2 });
  assert.equal(await (await fetch(`${server.url}/${ACCOUNT}${dir}/dup.txt`)).text(), 'new-one;two;');
  assert.deepEqual(await pieceStates(mpid), [[1, PieceState.SKIPPED], [2, PieceState.SUCCESS], [1, PieceState.SUCCESS]]);
});

test('listMultipartPiece: paging by cookie; "After all pieces have been returned, pieces is an empty array" and cookie is 0', async () => {
  const dir = await freshDir();
  const mpid = await readyUpload(`${dir}/paged.bin`, ['a', 'bb', 'ccc']);
  const pages: Array<{ cookie: number; numbers: number[] }> = [];
  let cookie = 0;
  for (;;) {
    const page = await call(server, 'listMultipartPiece', [token, mpid, cookie, 2]);
    assert.equal(page.code, 0);
    pages.push({ cookie: page.cookie, numbers: page.pieces.map((p: any) => p.number) });
    if (page.cookie === 0) break;
    cookie = page.cookie;
  }
  assert.deepEqual(pages, [{ cookie: 2, numbers: [1, 2] }, { cookie: 3, numbers: [3] }, { cookie: 0, numbers: [] }]);
});

test('listMultipartPiece: "If you pass a page size that is equal to the number of pieces ... you must call the method a final time before the returned cookie is zero"', async () => {
  const dir = await freshDir();
  const mpid = await readyUpload(`${dir}/exact.bin`, ['a', 'b', 'c']);
  const first = await call(server, 'listMultipartPiece', [token, mpid, 0, 3]);
  assert.equal(first.pieces.length, 3);
  assert.notEqual(first.cookie, 0);
  assert.deepEqual(await call(server, 'listMultipartPiece', [token, mpid, first.cookie, 3]), { code: 0, cookie: 0, pieces: [] });
});

test("listMultipartPiece: the spec's getPieces loop (cookie until 0) returns every piece", async () => {
  const dir = await freshDir();
  const mpid = await readyUpload(`${dir}/loop.bin`, ['1', '2', '3', '4', '5']);
  const results = await call(server, 'listMultipartPiece', [token, mpid, 0, 2]);
  const pieces = [...results.pieces];
  let cookie = results.cookie;
  while (cookie !== 0) {
    const next = await call(server, 'listMultipartPiece', [token, mpid, cookie, 2]);
    assert.equal(next.code, 0);
    pieces.push(...next.pieces);
    cookie = next.cookie;
  }
  assert.deepEqual(pieces.map((p) => p.number), [1, 2, 3, 4, 5]);
});

test("listMultipartPiece: the cookie may be sent under the name 'lastpiece' (the vendor's Java client)", async () => {
  const dir = await freshDir();
  const mpid = await readyUpload(`${dir}/java.bin`, ['a', 'b', 'c']);
  const page = await call(server, 'listMultipartPiece', { token, mpid, lastpiece: 2, pagesize: 5 });
  assert.deepEqual(page, { code: 0, cookie: 3, pieces: [{ number: 3, state: PieceState.NEW, size: 1, error: 0 }] });
});

test('listMultipartPiece: cookie defaults to 0 and pagesize to 100', async () => {
  const dir = await freshDir();
  const mpid = await createUpload(`${dir}/hundred.bin`);
  for (let i = 1; i <= 101; i++) await addPiece(mpid, i, String(i));
  const first = await call(server, 'listMultipartPiece', [token, mpid]);
  assert.equal(first.pieces.length, 100);
  assert.equal(first.cookie, 100);
  const second = await call(server, 'listMultipartPiece', { token, mpid, cookie: 100 });
  assert.deepEqual(second.pieces.map((p: any) => p.number), [101]);
});

test('listMultipartPiece: -2 for an invalid multipart upload identifier', async () => {
  assert.deepEqual(await call(server, 'listMultipartPiece', [token, '00000000000000000000000000000000', 0, 5]), { code: -2 });
  assert.deepEqual(await call(server, 'listMultipartPiece', [token, 'junk']), { code: -2 });
});

test('listMultipartPiece: -3 for an invalid cookie', async () => {
  const mpid = await createUpload(`/${unique('cookie')}.bin`);
  assert.deepEqual(await call(server, 'listMultipartPiece', [token, mpid, -1, 5]), { code: -3 });
});

test('listMultipartPiece: -14 for an invalid page size', async () => {
  const mpid = await createUpload(`/${unique('pagesize')}.bin`);
  for (const pagesize of [0, -1]) assert.deepEqual(await call(server, 'listMultipartPiece', [token, mpid, 0, pagesize]), { code: -14 });
});

test('listMultipartPiece: -10001 for an invalid token', async () => {
  assert.deepEqual(await call(server, 'listMultipartPiece', [UNKNOWN_TOKEN, '00000000000000000000000000000000']), { code: -10001 });
});

// --- completeMultipart -----------------------------------------------------------------------------------------------

for (const form of FORMS) {
  test(`completeMultipart: returns {code: 0, numpieces} (${form.label})`, async () => {
    const dir = await freshDir();
    const mpid = await readyUpload(`${dir}/four.txt`, ['1', '2', '3', '4']);
    assert.deepEqual(await callIn(server, form, 'completeMultipart', [['token', token], ['mpid', mpid]]), { code: 0, numpieces: 4 });
    await server.app.services.joiner.idle();
    assert.equal(await (await fetch(`${server.url}/${ACCOUNT}${dir}/four.txt`)).text(), '1234');
  });
}

test('completeMultipart: -2 for an invalid multipart upload identifier', async () => {
  assert.deepEqual(await call(server, 'completeMultipart', [token, '00000000000000000000000000000000']), { code: -2 });
});

test('completeMultipart: -4 when the multipart upload does not have any parts', async () => {
  const mpid = await createUpload(`/${unique('empty')}.txt`);
  assert.deepEqual(await call(server, 'completeMultipart', [token, mpid]), { code: -4 });
  assert.equal((await status(mpid)).state, State.NEW);
});

test('completeMultipart: -5 when the upload is missing some pieces (the range of piece numbers is not contiguous)', async () => {
  const dir = await freshDir();
  const mpid = await createUpload(`${dir}/gap.txt`);
  await addPiece(mpid, 1, 'a');
  await addPiece(mpid, 3, 'c');
  assert.deepEqual(await call(server, 'completeMultipart', [token, mpid]), { code: -5 });
  assert.equal((await status(mpid)).state, State.READY);
});

test('completeMultipart: -8 when the multipart upload has already been completed', async () => {
  const dir = await freshDir();
  const mpid = await readyUpload(`${dir}/twice.txt`, ['x']);
  assert.deepEqual(await call(server, 'completeMultipart', [token, mpid]), { code: 0, numpieces: 1 });
  assert.deepEqual(await call(server, 'completeMultipart', [token, mpid]), { code: -8 });
  await server.app.services.joiner.idle();
  assert.deepEqual(await call(server, 'completeMultipart', [token, mpid]), { code: -8 });
});

test('completeMultipart: -17 when the multipart upload has been aborted', async () => {
  const dir = await freshDir();
  const mpid = await readyUpload(`${dir}/aborted.txt`, ['x']);
  assert.equal(await call(server, 'abortMultipart', [token, mpid]), 0);
  assert.deepEqual(await call(server, 'completeMultipart', [token, mpid]), { code: -17 });
});

test('completeMultipart: -10001 for an invalid token', async () => {
  assert.deepEqual(await call(server, 'completeMultipart', [UNKNOWN_TOKEN, '00000000000000000000000000000000']), { code: -10001 });
});

// --- abortMultipart ---------------------------------------------------------------------------------------------------

for (const form of FORMS) {
  test(`abortMultipart: returns a bare 0; the upload (ABORT, 10) and its pieces (ABORT, 11) still show in status and listings (${form.label})`, async () => {
    const dir = await freshDir();
    const mpid = await readyUpload(`${dir}/abort.txt`, ['a', 'b']);
    assert.equal(await callIn(server, form, 'abortMultipart', [['token', token], ['mpid', mpid]]), 0);
    const st = await status(mpid);
    assert.equal(st.state, State.ABORT);
    assert.equal(st.numpieces, 2);
    assert.deepEqual(await pieceStates(mpid), [[1, PieceState.ABORT], [2, PieceState.ABORT]]);
    const listed = (await call(server, 'listMultipart', [token, 0, 10_000])).multipart.find((u: any) => u.mpid === mpid);
    assert.equal(listed.state, State.ABORT);
    assert.equal(await statCode(server, token, `${dir}/abort.txt`), -1);
  });
}

test('abortMultipart: a NEW upload (no pieces) can be aborted', async () => {
  const mpid = await createUpload(`/${unique('abort-new')}.txt`);
  assert.equal(await call(server, 'abortMultipart', [token, mpid]), 0);
  assert.equal((await status(mpid)).state, State.ABORT);
});

test('abortMultipart: the pieces\' blobs are released at once', async (t) => {
  const own = await startServer();
  t.after(() => own.close());
  const alice = await own.login();
  const mpid = await readyUpload('/abort-blobs.bin', ['one', 'two', 'three'], alice, own);
  assert.equal(await own.blobs.count(), 3);
  assert.equal(await call(own, 'abortMultipart', [alice, mpid]), 0);
  await own.app.services.garbage.drain();
  assert.equal(await own.blobs.count(), 0);
});

test('abortMultipart: -17 when the multipart upload has already been aborted', async () => {
  const mpid = await createUpload(`/${unique('abort-twice')}.txt`);
  assert.equal(await call(server, 'abortMultipart', [token, mpid]), 0);
  assert.equal(await call(server, 'abortMultipart', [token, mpid]), -17);
});

test('abortMultipart: -18 (invalid state) after completeMultipart: "Multipart uploads cannot be aborted after calling completeMultipart"', async () => {
  const dir = await freshDir();
  const mpid = await readyUpload(`${dir}/kept.txt`, ['kept']);
  assert.deepEqual(await call(server, 'completeMultipart', [token, mpid]), { code: 0, numpieces: 1 });
  assert.equal(await call(server, 'abortMultipart', [token, mpid]), -18);
  await server.app.services.joiner.idle();
  assert.equal(await call(server, 'abortMultipart', [token, mpid]), -18);
  assert.equal((await status(mpid)).state, State.SUCCESS);
  assert.equal(await statCode(server, token, `${dir}/kept.txt`), 0);
});

test('abortMultipart: -2 for an invalid multipart identifier', async () => {
  assert.equal(await call(server, 'abortMultipart', [token, '00000000000000000000000000000000']), -2);
});

test('abortMultipart: -10001 for an invalid token', async () => {
  assert.equal(await call(server, 'abortMultipart', [UNKNOWN_TOKEN, '00000000000000000000000000000000']), -10001);
});

// --- restartMultipart -------------------------------------------------------------------------------------------------

/** A FAILED upload: its destination directory is deleted between create and complete, so the join fails. */
async function failedUpload(pieces: string[], t = token, on: TestServer = server): Promise<{ mpid: string; dir: string; path: string }> {
  const dir = await freshDir('failing', on, t);
  const path = `${dir}/joined.bin`;
  const mpid = await readyUpload(path, pieces, t, on);
  assert.equal(await call(on, 'deleteDir', [t, dir]), 0);
  assert.deepEqual(await completeAndJoin(mpid, t, on), { code: 0, numpieces: pieces.length });
  return { mpid, dir, path };
}

test('restartMultipart: a join that fails leaves the upload FAILED (12) with a non-zero error; restartMultipart returns 0 and the file appears', async () => {
  const pieces = ['first piece;', 'second piece;', 'third piece.'];
  const { mpid, dir, path } = await failedUpload(pieces);
  const failed = await status(mpid);
  assert.equal(failed.state, State.FAILED);
  // docs/compatibility.md: -23 in `error` when the destination directory is gone.
  assert.equal(failed.error, -23);
  assert.equal(failed.numpieces, 3);
  assert.deepEqual(await pieceStates(mpid), [[1, PieceState.FAILED], [2, PieceState.FAILED], [3, PieceState.FAILED]]);
  assert.equal(await call(server, 'makeDir', [token, dir]), 0);
  assert.equal(await statCode(server, token, path), -1);
  assert.equal(await call(server, 'restartMultipart', [token, mpid]), 0);
  await server.app.services.joiner.idle();
  const done = await status(mpid);
  assert.equal(done.state, State.SUCCESS);
  assert.equal(done.error, 0);
  const file = await call(server, 'stat', [token, path, true]);
  assert.equal(file.code, 0);
  assert.equal(file.checksum, sha256(pieces.join('')));
  assert.equal(await (await fetch(`${server.url}/${ACCOUNT}${path}`)).text(), pieces.join(''));
  assert.deepEqual(await pieceStates(mpid), [[1, PieceState.SUCCESS], [2, PieceState.SUCCESS], [3, PieceState.SUCCESS]]);
});

test('restartMultipart: a restart whose join fails again leaves the upload FAILED', async () => {
  const { mpid } = await failedUpload(['x']);
  assert.equal(await call(server, 'restartMultipart', [token, mpid]), 0);
  await server.app.services.joiner.idle();
  assert.equal((await status(mpid)).state, State.FAILED);
});

for (const form of FORMS) {
  test(`restartMultipart: returns a bare 0 for a FAILED upload (${form.label})`, async () => {
    const { mpid, dir } = await failedUpload(['a']);
    assert.equal(await call(server, 'makeDir', [token, dir]), 0);
    assert.equal(await callIn(server, form, 'restartMultipart', [['token', token], ['mpid', mpid]]), 0);
    await server.app.services.joiner.idle();
    assert.equal((await status(mpid)).state, State.SUCCESS);
  });
}

test('restartMultipart: -22 when the upload is not FAILED (NEW, READY, SUCCESS, ABORT)', async () => {
  const dir = await freshDir();
  const fresh = await createUpload(`${dir}/new.txt`);
  const ready = await readyUpload(`${dir}/ready.txt`, ['r']);
  const done = await readyUpload(`${dir}/done.txt`, ['d']);
  await completeAndJoin(done);
  const aborted = await readyUpload(`${dir}/aborted.txt`, ['a']);
  assert.equal(await call(server, 'abortMultipart', [token, aborted]), 0);
  for (const [mpid, state] of [[fresh, State.NEW], [ready, State.READY], [done, State.SUCCESS], [aborted, State.ABORT]] as const) {
    assert.equal(await call(server, 'restartMultipart', [token, mpid]), -22, `restart in state ${state}`);
    assert.equal((await status(mpid)).state, state);
  }
});

test('restartMultipart: -2 for an invalid multipart upload identifier', async () => {
  assert.equal(await call(server, 'restartMultipart', [token, '00000000000000000000000000000000']), -2);
});

test('restartMultipart: -10001 for an invalid token', async () => {
  assert.equal(await call(server, 'restartMultipart', [UNKNOWN_TOKEN, '00000000000000000000000000000000']), -10001);
});

// --- the life of an upload ----------------------------------------------------------------------------------------------

test('states: NEW → READY on the first piece → COMPLETE → JOIN → SUCCESS; the file is not visible (stat -1, GET 404) until the join ends, then it is whole', async (t) => {
  const dir = await freshDir();
  const path = `${dir}/states.bin`;
  const mpid = await createUpload(path);
  assert.equal((await status(mpid)).state, State.NEW);
  const pieces = Array.from({ length: 8 }, (_, i) => Buffer.alloc(2 * 1024 * 1024, i + 1));
  await addPiece(mpid, 1, pieces[0]!);
  assert.equal((await status(mpid)).state, State.READY);
  for (let i = 1; i < pieces.length; i++) await addPiece(mpid, i + 1, pieces[i]!);
  assert.equal(await statCode(server, token, path), -1);
  await ageMtime(server, token, dir);

  assert.deepEqual(await call(server, 'completeMultipart', [token, mpid]), { code: 0, numpieces: 8 });
  // The file and SUCCESS are published in one transaction: a state read after a stat that
  // still says COMPLETE or JOIN proves the file was invisible at that stat.
  const seen: number[] = [];
  for (;;) {
    const visible = await statCode(server, token, path);
    const got = await fetch(`${server.url}/${ACCOUNT}${path}`, { method: 'HEAD' });
    const state = (await status(mpid)).state;
    if (state === State.COMPLETE || state === State.JOIN) {
      assert.equal(visible, -1, `visible in state ${state}`);
      assert.equal(got.status, 404, `GET answers ${got.status} in state ${state}`);
    }
    if (seen.at(-1) !== state) seen.push(state);
    if (state !== State.COMPLETE && state !== State.JOIN) break;
  }
  await server.app.services.joiner.idle();
  t.diagnostic(`states seen after completeMultipart: ${seen.join(' → ')}`);
  assert.equal(seen.at(-1), State.SUCCESS, `states seen: ${seen}`);
  const order: number[] = [State.COMPLETE, State.JOIN, State.SUCCESS];
  assert.deepEqual([...seen].sort((a, b) => order.indexOf(a) - order.indexOf(b)), seen, `states out of order: ${seen}`);

  const whole = Buffer.concat(pieces);
  const got = await streamedGet(`${server.url}/${ACCOUNT}${path}`);
  assert.equal(got.status, 200);
  assert.equal(got.sizeBytes, whole.length);
  assert.equal(got.sha256, sha256(whole));
  assert.equal(got.checksumHeader, sha256(whole));
  const file = await call(server, 'stat', [token, path, true]);
  assert.equal(file.size, whole.length);
  assert.equal(file.checksum, sha256(whole));
  await assertMtimeMoved(server, token, dir);
  const st = await status(mpid);
  assert.equal(st.numpieces, 8);
  assert.equal(st.error, 0);
  assert.deepEqual(await pieceStates(mpid), pieces.map((_, i) => [i + 1, PieceState.SUCCESS]));
});

test('a FAILED join never makes the file visible', async () => {
  const { mpid, dir, path } = await failedUpload(['never', 'seen']);
  assert.equal((await status(mpid)).state, State.FAILED);
  assert.equal(await call(server, 'makeDir', [token, dir]), 0);
  assert.equal(await statCode(server, token, path), -1);
  assert.equal((await fetch(`${server.url}/${ACCOUNT}${path}`)).status, 404);
});

test('"Multipart identifiers can only be used and managed by the user who created the multipart upload": another user gets -2 for everything', async () => {
  const bob = await freshUser();
  const dir = await freshDir();
  const mpid = await readyUpload(`${dir}/alice.txt`, ['a']);
  assert.deepEqual(await call(server, 'getMultipartStatus', [bob, mpid]), { code: -2 });
  assert.deepEqual(await call(server, 'listMultipartPiece', [bob, mpid, 0, 5]), { code: -2 });
  assert.deepEqual(await call(server, 'completeMultipart', [bob, mpid]), { code: -2 });
  assert.equal(await call(server, 'abortMultipart', [bob, mpid]), -2);
  assert.equal(await call(server, 'restartMultipart', [bob, mpid]), -2);
  await expectAgile(await postPiece(server.url, bob, mpid, 2, 'b'), 400, -2);
  await expectAgile(await postComplete(server.url, bob, mpid), 400, -2);
  assert.deepEqual((await call(server, 'listMultipart', [bob, 0, 100])).multipart, []);
  assert.equal((await status(mpid)).state, State.READY);
  assert.deepEqual(await pieceStates(mpid), [[1, PieceState.NEW]]);

  const { mpid: failed } = await failedUpload(['f']);
  assert.equal(await call(server, 'restartMultipart', [bob, failed]), -2);
  assert.equal((await status(failed)).state, State.FAILED);
});

test('sweeper: with an expiry age of 0s, NEW and FAILED uploads become EXPIRED (pieces EXPIRED), ABORT and SUCCESS ones DELETED, and their piece blobs are deleted', async (t) => {
  const own = await startServer({ env: { ORIGINSTORE_MULTIPART_EXPIRY: '0s' } });
  t.after(() => own.close());
  const alice = await own.login();
  const dir = await freshDir('sweep', own, alice);
  const fresh = await createUpload(`${dir}/new.txt`, alice, own);
  const { mpid: failed } = await failedUpload(['f1', 'f2'], alice, own);
  const aborted = await readyUpload(`${dir}/aborted.txt`, ['a1'], alice, own);
  assert.equal(await call(own, 'abortMultipart', [alice, aborted]), 0);
  const done = await readyUpload(`${dir}/done.txt`, ['d1', 'd2'], alice, own);
  await completeAndJoin(done, alice, own);
  const ready = await readyUpload(`${dir}/ready.txt`, ['r1'], alice, own);
  await own.app.services.garbage.drain();
  // The joined file, the FAILED upload's two pieces and the READY upload's piece.
  assert.equal(await own.blobs.count(), 4);

  await own.app.services.sweep();

  assert.equal((await status(fresh, alice, own)).state, State.EXPIRED);
  assert.equal((await status(failed, alice, own)).state, State.EXPIRED);
  assert.deepEqual(await pieceStates(failed, alice, own), [[1, PieceState.EXPIRED], [2, PieceState.EXPIRED]]);
  assert.equal((await status(aborted, alice, own)).state, State.DELETED);
  assert.deepEqual(await pieceStates(aborted, alice, own), [[1, PieceState.DELETED]]);
  assert.equal((await status(done, alice, own)).state, State.DELETED);
  assert.deepEqual(await pieceStates(done, alice, own), [[1, PieceState.DELETED], [2, PieceState.DELETED]]);
  // READY is not among the states the sweeper expires (multipart_state_codes.md: "NEW or FAILED").
  assert.equal((await status(ready, alice, own)).state, State.READY);
  assert.equal(await own.blobs.count(), 2);
  // The file a SUCCESS upload made outlives the upload.
  const file = await call(own, 'stat', [alice, `${dir}/done.txt`, true]);
  assert.equal(file.checksum, sha256('d1d2'));
  assert.equal(await (await fetch(`${own.url}/${ACCOUNT}${dir}/done.txt`)).text(), 'd1d2');

  // Expired and deleted uploads take nothing more.
  assert.deepEqual(await call(own, 'completeMultipart', [alice, fresh]), { code: -8 });
  await expectAgile(await postPiece(own.url, alice, fresh, 1, 'late'), 400, -8);
  assert.equal(await call(own, 'restartMultipart', [alice, failed]), -22);
  assert.equal(await call(own, 'abortMultipart', [alice, done]), -18);
  // A second run changes nothing more.
  assert.deepEqual(await own.app.services.sweep().then((r) => [r.multipartsExpired, r.multipartsDeleted]), [0, 0]);
});
