/**
 * Nothing reaches outside its root: two accounts and a user restricted to a
 * home directory try every method and endpoint against paths that are not
 * theirs — '..', encoded dots and slashes, UTF8-encoded headers, names that
 * look like paths — and each attempt is refused or stays inside the caller's
 * root, with nothing changed anywhere else.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { NodeRecord } from '../../src/domain/model.js';
import { allNodes, rawRequest } from '../helpers/http.js';
import { ACCOUNT, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let carol: string; // acme, restricted to /carol
let olga: string; // account "other"

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
});
after(() => server.close());

/** Every node outside `root`, as comparable text. */
async function outside(root: string): Promise<string[]> {
  const describe = (n: NodeRecord) => `${n.path} ${n.kind} ${n.sizeBytes} ${n.sha256} ${n.mime} ${n.mtime}`;
  return (await allNodes(server.app)).filter((n) => n.path !== root && !n.path.startsWith(`${root}/`) && !`${root}/`.startsWith(`${n.path}/`)).map(describe).sort();
}

const ESCAPES = ['..', '/..', '/../secret', '../../other', '/./secret', 'a/../../secret', '/%2e%2e/secret', '..%2Fsecret', '/carol/../secret'];

/** A path with a real '.' or '..' segment must be refused; percent-encoded dots are ordinary names inside the root. */
const escapes = (path: string) => path.split('/').some((s) => s === '.' || s === '..');

for (const [who, root, token] of [['carol (home /carol)', '/acme/carol', () => carol], ['olga (account other)', '/other', () => olga]] as const) {
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
