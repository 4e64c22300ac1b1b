/**
 * Nothing reaches outside its root: two accounts and a user restricted to a
 * home directory try every method and endpoint against paths that are not
 * theirs — '..', encoded dots and slashes, UTF8-encoded headers, names that
 * look like paths — and each attempt is refused or stays inside the caller's
 * root, with nothing changed anywhere else.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { NodeRecord } from '../../src/domain/model.js';
import { allNodes, rawRequest } from '../helpers/http.js';
import { ACCOUNT, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let carol: string; // acme, restricted to /carol
let olga: string; // account "other"
let rooted: string; // alice, but a token rooted at /tree (authenticate's subdir)

before(async () => {
  server = await startServer();
  const admin = server.app.services.admin;
  await admin.addUser(ACCOUNT, 'carol', 'pw', { home: '/carol' });
  await admin.addAccount('other');
  await admin.addUser('other', 'olga', 'pw');
  const alice = await server.login();
  await server.rpc('makeDir', [alice, '/secret']);
  await server.postRaw('alice data', { 'X-Agile-Authorization': alice, 'X-Agile-Directory': '/secret', 'X-Agile-Basename': 'a.txt' });
  olga = await server.login('olga', 'pw');
  await server.postRaw('olga data', { 'X-Agile-Authorization': olga, 'X-Agile-Basename': 'o.txt' });
  carol = await server.login('carol', 'pw');
  await server.postRaw('carol data', { 'X-Agile-Authorization': carol, 'X-Agile-Basename': 'c.txt' });
  await server.rpc('makeDir', [alice, '/tree']);
  const auth = await server.rpc('authenticate', ['alice', 'secret', 0, '/tree']);
  assert.equal(auth.path, '/acme/tree');
  rooted = auth.token;
  await server.postRaw('tree data', { 'X-Agile-Authorization': rooted, 'X-Agile-Basename': 'c.txt' });
});

/** Who tries to get out, the root each is confined to, and its token. */
const PRINCIPALS = [
  ['carol (home /carol)', '/acme/carol', () => carol],
  ['olga (account other)', '/other', () => olga],
  ['a token rooted at /tree', '/acme/tree', () => rooted],
] as const;
after(() => server.close());

/** Every node outside `root`, as comparable text. */
async function outside(root: string): Promise<string[]> {
  const describe = (n: NodeRecord) => `${n.path} ${n.kind} ${n.sizeBytes} ${n.sha256} ${n.mime} ${n.mtime}`;
  return (await allNodes(server.app)).filter((n) => n.path !== root && !n.path.startsWith(`${root}/`) && !`${root}/`.startsWith(`${n.path}/`)).map(describe).sort();
}

const ESCAPES = ['..', '/..', '/../secret', '../../other', '/./secret', 'a/../../secret', '/%2e%2e/secret', '..%2Fsecret', '/carol/../secret'];

/** A path with a real '.' or '..' segment must be refused; percent-encoded dots are ordinary names inside the root. */
const escapes = (path: string) => path.split('/').some((s) => s === '.' || s === '..');

for (const [who, root, token] of PRINCIPALS) {
  test(`isolation: ${who} cannot touch anything outside its root through JSON-RPC`, async () => {
    const before = await outside(root);
    const t = token();
    for (const p of ESCAPES) {
      for (const [method, params] of [
        ['makeDir', [t, p]], ['makeDir2', [t, `${p}/x`]], ['deleteDir', [t, p]], ['deleteFile', [t, `${p}/a.txt`]],
        ['deleteObject', [t, `${p}/a.txt`]], ['rename', [t, `${p}/a.txt`, '/stolen.txt']], ['rename', [t, '/c.txt', `${p}/c.txt`]],
        ['setMTime', [t, `${p}/a.txt`, 1]], ['setContentType', [t, `${p}/a.txt`, 'image/png']],
        ['copyFile', [t, `${p}/a.txt`, '/stolen.txt']], ['copyFile', [t, '/c.txt', `${p}/c.txt`]],
        ['createMultipart', [t, `${p}/m.bin`]], ['mediaVaultUrl', [t, `${p}/a.txt`, 60]],
      ] as const) {
        const answer = await server.rpc(method, params);
        const code = typeof answer === 'number' ? answer : answer?.code;
        if (escapes(p)) assert.notEqual(code, 0, `${method}(${JSON.stringify(params.slice(1))}) must be refused`);
      }
      for (const method of ['stat', 'listDir', 'listFile', 'listPath']) {
        const answer = await server.rpc(method, [t, p]);
        if (escapes(p)) assert.notEqual(answer?.code, 0, `${method}(${p}) must be refused`);
      }
    }
    // The account root of another account is just a name under one's own root.
    assert.equal((await server.rpc('stat', [t, '/acme/secret/a.txt'])).code, -1);
    assert.equal((await server.rpc('stat', [t, '/other/o.txt'])).code, -1);
    assert.deepEqual(await outside(root), before);
  });

  test(`isolation: ${who} cannot upload, create directories or copy outside its root over HTTP`, async () => {
    const before = await outside(root);
    const t = token();
    for (const dir of ['..', '/../secret', '/%2e%2e/secret', '%2E%2E', '/carol/../../other']) {
      for (const encoding of [undefined, 'UTF8']) {
        const headers: Record<string, string> = { 'X-Agile-Authorization': t, 'X-Agile-Directory': dir, 'X-Agile-Basename': 'evil.txt' };
        if (encoding) headers['X-Agile-Encoding'] = encoding;
        const refused = escapes(encoding ? decodeURIComponent(dir) : dir);
        const raw = await server.postRaw('evil', headers);
        if (refused) assert.notEqual(raw.headers.get('x-agile-status'), '0', `/post/raw into ${dir} (${encoding ?? 'ascii'})`);
        const mk = await fetch(`${server.url}/post/directory`, { method: 'POST', headers: { 'X-Agile-Authorization': t, 'X-Agile-Directory': `${dir}/evil`, ...(encoding ? { 'X-Agile-Encoding': encoding } : {}) } });
        if (refused) assert.notEqual(mk.headers.get('x-agile-status'), '0', `/post/directory ${dir}`);
        const mp = await fetch(`${server.url}/multipart/create`, { method: 'POST', headers });
        if (refused) assert.notEqual(mp.headers.get('x-agile-status'), '0', `/multipart/create into ${dir}`);
      }
    }
    // A basename that looks like a path keeps only its last component: the file lands inside the root.
    const sneaky = await server.postRaw('ok', { 'X-Agile-Authorization': t, 'X-Agile-Basename': '../../secret/x.txt' });
    if (sneaky.headers.get('x-agile-status') === '0') assert.ok(sneaky.headers.get('x-agile-path')!.startsWith(`${root}/`));
    const form = new FormData();
    form.set('directory', '/../secret');
    form.set('uploadFile', new Blob(['evil']), 'evil.txt');
    const file = await fetch(`${server.url}/post/file`, { method: 'POST', headers: { 'X-Agile-Authorization': t }, body: form });
    assert.notEqual(file.headers.get('x-agile-status'), '0');
    const fetched = await server.rpc('fetchFileHTTP', [t, '/stolen.txt', 'http://acme/secret/a.txt', 0]);
    if (root === '/other') assert.equal(fetched, -14);
    else assert.equal(fetched, -14, 'a home-restricted user cannot copy from outside its home');
    await server.app.services.fetchJobs?.idle?.();
    assert.deepEqual(await outside(root), before);
  });
}

test('isolation: egress of raw paths with .. or encoded slashes never leaves the account it names', async () => {
  for (const path of ['/acme/../other/o.txt', '/acme/%2e%2e/other/o.txt', '/other/..%2facme/secret/a.txt', '/acme/secret/..%2F..%2Fother/o.txt']) {
    const answer = await rawRequest(server.port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    assert.notEqual(answer.status, 200, path);
  }
});

/** A signature over `endpoint` and `headers` made as signing_requests.md's Python sample makes it. */
function sign(endpoint: string, headers: Record<string, string>, pair: { access_key: string; secret_key: string }): string {
  const mac = [`access_key=${pair.access_key}`, `expiry=${Math.floor(Date.now() / 1000) + 60}`];
  for (const [name, value] of Object.entries(headers)) mac.push(`${name.slice('X-Agile-'.length).toLowerCase()}=${value}`);
  mac.sort();
  const payload = `${endpoint}?${mac.join('&')}`;
  return `${payload}&signature=${createHmac('sha256', pair.secret_key).update(payload).digest('base64')}`;
}

test("isolation: a home-restricted user's key pair signs nothing outside its home (uploads land inside it; egress of a private account's other files is 403)", async (t) => {
  await server.app.services.mediavault.setPrivate(ACCOUNT, true);
  t.after(() => server.app.services.mediavault.setPrivate(ACCOUNT, false));
  const before = await outside('/acme/carol');
  const pair = await server.rpc('initKeyPair', [carol]);
  assert.equal(pair.code, 0);
  for (const path of ['/acme/secret/a.txt', '/acme/carol/../secret/a.txt', '/acme/carol/%2e%2e/secret/a.txt']) {
    const res = await fetch(`${server.url}${path}`, { headers: { 'X-Agile-Signature': sign(path, {}, pair) } });
    await res.arrayBuffer();
    assert.notEqual(res.status, 200, `signed GET ${path}`);
  }
  await (await server.postRaw('carol signed', { 'X-Agile-Authorization': carol, 'X-Agile-Basename': 'own.txt' })).arrayBuffer();
  const own = await fetch(`${server.url}/acme/carol/own.txt`, { headers: { 'X-Agile-Signature': sign('/acme/carol/own.txt', {}, pair) } });
  assert.equal(own.status, 200);
  assert.equal(await own.text(), 'carol signed');
  for (const dir of ['/../secret', '/secret']) {
    const headers = { 'X-Agile-Directory': dir, 'X-Agile-Basename': 'signed-evil.txt' };
    const res = await server.postRaw('evil', { ...headers, 'X-Agile-Signature': sign('/post/raw', headers, pair) });
    await res.arrayBuffer();
    if (res.headers.get('x-agile-status') === '0') assert.ok(res.headers.get('x-agile-path')!.startsWith('/acme/carol/'), dir);
  }
  assert.deepEqual(await outside('/acme/carol'), before);
});

test("isolation: another user's or another account's multipart upload, or one outside the token's root, is -2 through every multipart method and endpoint, and stays as it was", async () => {
  const alice = await server.login();
  const created = await server.rpc('createMultipart', [alice, '/secret/big.bin']);
  assert.equal(created.code, 0);
  const mpid: string = created.mpid;
  const piece = (t: string, part: number, body: string) =>
    fetch(`${server.url}/multipart/piece`, { method: 'POST', headers: { 'X-Agile-Authorization': t, 'X-Agile-Multipart': mpid, 'X-Agile-Part': String(part) }, body });
  await (await piece(alice, 1, 'alice piece')).arrayBuffer();
  const statusBefore = await server.rpc('getMultipartStatus', [alice, mpid]);
  const piecesBefore = await server.rpc('listMultipartPiece', [alice, mpid]);
  // rooted is alice herself, but the upload's destination is outside the token's root.
  for (const t of [carol, olga, rooted]) {
    for (const method of ['getMultipartStatus', 'listMultipartPiece', 'completeMultipart', 'abortMultipart', 'restartMultipart']) {
      const answer = await server.rpc(method, [t, mpid]);
      assert.equal(typeof answer === 'number' ? answer : answer.code, -2, method);
    }
    const listed = await server.rpc('listMultipart', [t, 0, 100]);
    assert.equal(listed.multipart.some((u: { mpid: string }) => u.mpid === mpid), false, 'listMultipart shows another user\'s upload');
    const p = await piece(t, 2, 'evil piece');
    await p.arrayBuffer();
    assert.deepEqual([p.status, p.headers.get('x-agile-status')], [400, '-2']);
    const c = await fetch(`${server.url}/multipart/complete`, { method: 'POST', headers: { 'X-Agile-Authorization': t, 'X-Agile-Multipart': mpid } });
    await c.arrayBuffer();
    assert.deepEqual([c.status, c.headers.get('x-agile-status')], [400, '-2']);
  }
  // Inside its root, the rooted token sees and lists its own uploads.
  const inside = await server.rpc('createMultipart', [rooted, '/inside.bin']);
  assert.equal((await server.rpc('getMultipartStatus', [rooted, inside.mpid])).path, '/acme/tree/inside.bin');
  const listed = (await server.rpc('listMultipart', [rooted, 0, 1000])).multipart as Array<{ mpid: string; path: string }>;
  assert.ok(listed.some((u) => u.mpid === inside.mpid));
  for (const u of listed) assert.ok(u.path.startsWith('/acme/tree/'), `listMultipart shows ${u.path}`);
  const all = (await server.rpc('listMultipart', [alice, 0, 1000])).multipart as Array<{ mpid: string }>;
  assert.ok(all.some((u) => u.mpid === mpid) && all.some((u) => u.mpid === inside.mpid));
  assert.deepEqual(await server.rpc('getMultipartStatus', [alice, mpid]), statusBefore);
  assert.deepEqual(await server.rpc('listMultipartPiece', [alice, mpid]), piecesBefore);
  assert.equal(await server.rpc('abortMultipart', [alice, mpid]), 0);
});

test('isolation: fetchFileHTTP sources naming another account, or climbing out with .., encoded dots or encoded slashes, are -14 and copy nothing', async () => {
  const sources: Array<[string, () => string, string[]]> = [
    ['carol', () => carol, ['http://acme/secret/a.txt', 'http://acme/carol/../secret/a.txt', 'http://acme/carol/%2e%2e/secret/a.txt', 'http://acme/carol/..%2Fsecret%2Fa.txt', 'http://acme/carol%2F..%2Fsecret/a.txt', 'http://other/o.txt']],
    ['olga', () => olga, ['http://acme/secret/a.txt', 'http://other/../acme/secret/a.txt', 'http://other/%2e%2e/acme/secret/a.txt', 'http://other/..%2Facme%2Fsecret%2Fa.txt', 'http://OTHER/../acme/secret/a.txt', 'http://other@acme/secret/a.txt', 'http://acme:80/secret/a.txt']],
  ];
  for (const [who, token, uris] of sources) {
    for (const uri of uris) {
      assert.equal(await server.rpc('fetchFileHTTP', [token(), '/stolen.txt', uri, 0]), -14, `${who}: ${uri}`);
    }
  }
  await server.app.services.fetchJobs.idle();
  for (const t of [carol, olga]) assert.equal((await server.rpc('stat', [t, '/stolen.txt'])).code, -1);
});

/** Names that mean '..' or '/' to some other layer: overlong and look-alike UTF-8, backslashes, link-like names. */
const LOOKALIKES = ['%C0%AE%C0%AE/secret', '%E2%80%A5/secret', '%EF%BC%8E%EF%BC%8E/secret', '..%5Csecret', '..%5C..%5Csecret', 'secret%20-%3E%20%2Facme%2Fsecret', '%252e%252e/secret', '%2E%2E%2F%2E%2E%2Fsecret'];

for (const [who, root, token] of PRINCIPALS) {
  test(`isolation: ${who}: UTF8-encoded look-alikes of '..' and '/', backslashes and link-like names are refused or stay inside the root`, async () => {
    const before = await outside(root);
    const t = token();
    for (const dir of LOOKALIKES) {
      const headers = { 'X-Agile-Authorization': t, 'X-Agile-Directory': `/${dir}`, 'X-Agile-Basename': 'evil.txt', 'X-Agile-Encoding': 'UTF8' };
      for (const answer of [
        await server.postRaw('evil', headers),
        await fetch(`${server.url}/post/directory`, { method: 'POST', headers: { ...headers, 'X-Agile-Directory': `/${dir}/evil` } }),
        await fetch(`${server.url}/multipart/create`, { method: 'POST', headers }),
      ]) {
        await answer.arrayBuffer();
        const path = answer.headers.get('x-agile-path');
        if (answer.headers.get('x-agile-status') === '0' && path) assert.ok(decodeURIComponent(path).startsWith(`${root}/`), `${dir} landed at ${path}`);
      }
      let decoded: string;
      try {
        decoded = decodeURIComponent(dir);
      } catch {
        decoded = dir;
      }
      for (const [method, params] of [
        ['makeDir2', [t, `/${decoded}/x`]], ['copyFile', [t, '/c.txt', `/${decoded}/c.txt`]], ['rename', [t, `/${decoded}/a.txt`, '/stolen.txt']],
        ['deleteFile', [t, `/${decoded}/a.txt`]], ['setMTime', [t, `/${decoded}/a.txt`, 1]], ['deleteDir', [t, `/${decoded}`]],
      ] as const) {
        await server.rpc(method, params);
      }
    }
    assert.deepEqual(await outside(root), before);
  });
}
