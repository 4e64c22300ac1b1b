/**
 * mediaVaultUrl and the MediaVault check at egress (working_with_files_json.md
 * "Generate MediaVault URLs"; spec/mediavault/security.md,
 * mediavault_parameters.md) against a real server.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mediaVaultHash, signMediaVaultUrl } from '../../src/domain/mediavault.js';
import { ACCOUNT, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let token: string;

before(async () => {
  server = await startServer();
  token = await server.login();
  assert.equal(await server.rpc('makeDir', [token, '/vault']), 0);
  await upload('/vault/a.txt', 'alpha');
  await upload('/vault/b.txt', 'bravo');
});
after(() => server.close());

async function upload(path: string, body: string): Promise<void> {
  const slash = path.lastIndexOf('/');
  const res = await server.postRaw(body, {
    'X-Agile-Authorization': token,
    'X-Agile-Directory': path.slice(0, slash) || '/',
    'X-Agile-Basename': path.slice(slash + 1),
  });
  await res.arrayBuffer();
  assert.equal(res.status, 200);
}

const now = (): number => Math.floor(Date.now() / 1000);
const secret = async (): Promise<string> => (await server.app.services.mediavault.security(ACCOUNT)).secret;
const fileUrl = (path: string): string => `${server.url}/${ACCOUNT}${path}`;

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; disposition: string | null }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: await res.text(), disposition: res.headers.get('content-disposition') };
}

test('security.md, "Generate a Hash using Bash Commands": the worked example is reproduced', () => {
  const url = 'http://published.test.com/directory/file.txt?s=1672531200&e=1988150400';
  assert.equal(mediaVaultHash('mediavaulthash', url), 'bd164af2cf67f89cdd5095bf2a4f8c4f');
  assert.equal(signMediaVaultUrl('mediavaulthash', url), `${url}&h=bd164af2cf67f89cdd5095bf2a4f8c4f`);
});

test('mediaVaultUrl "generates time-limited URLs you can use to download or preview a file"', async () => {
  const r = await server.rpc('mediaVaultUrl', [token, '/vault/a.txt', 300]);
  assert.equal(r.code, 0);
  assert.equal(r.message, 'success');
  assert.ok(r.download_url.startsWith(`${fileUrl('/vault/a.txt')}?e=`));
  const e = Number(/[?&]e=(\d+)/.exec(r.download_url)![1]);
  assert.ok(Math.abs(e - (now() + 300)) <= 2);
  const download = await get(r.download_url);
  assert.equal(download.status, 200);
  assert.equal(download.body, 'alpha');
  assert.match(download.disposition ?? '', /^attachment/);
  const preview = await get(r.preview_url);
  assert.equal(preview.status, 200);
  assert.match(preview.disposition ?? '', /^inline/);
});

test('mediaVaultUrl named parameters; "if expiry is 0 or omitted, it defaults to 3600"', async () => {
  for (const params of [{ token, path: '/vault/a.txt' }, { token, path: '/vault/a.txt', expiry: 0 }]) {
    const r = await server.rpc('mediaVaultUrl', params);
    assert.equal(r.code, 0);
    const e = Number(/[?&]e=(\d+)/.exec(r.download_url)![1]);
    assert.ok(Math.abs(e - (now() + 3600)) <= 2);
  }
});

test('"the path does not have to exist": a URL made before the upload works once the file is there', async () => {
  const r = await server.rpc('mediaVaultUrl', [token, '/vault/later.txt', 600]);
  assert.equal(r.code, 0);
  assert.equal((await get(r.download_url)).status, 404);
  await upload('/vault/later.txt', 'arrived');
  assert.equal((await get(r.download_url)).body, 'arrived');
});

test('mediaVaultUrl: "-2: path exists and is a directory", "-8: invalid path", "-34: invalid expiry", "-10001: invalid token"', async () => {
  assert.equal((await server.rpc('mediaVaultUrl', [token, '/vault', 60])).code, -2);
  assert.equal((await server.rpc('mediaVaultUrl', [token, '/vault/../x.txt', 60])).code, -8);
  assert.equal((await server.rpc('mediaVaultUrl', [token, '/vault/a.txt', -1])).code, -34);
  assert.equal((await server.rpc('mediaVaultUrl', [token, '/vault/a.txt', 2147483649])).code, -34);
  assert.equal((await server.rpc('mediaVaultUrl', [token, '/vault/a.txt', 2147483648])).code, 0);
  assert.equal((await server.rpc('mediaVaultUrl', ['bad-token', '/vault/a.txt', 60])).code, -10001);
});

test('"any changed byte": a URL changed after hashing is refused with 403', async () => {
  const r = await server.rpc('mediaVaultUrl', [token, '/vault/a.txt', 300]);
  const tampered = [
    r.download_url.replace('a.txt', 'b.txt'),
    r.download_url.replace(/e=(\d)/, (_m: string, d: string) => `e=${(Number(d) + 1) % 10}`),
    r.download_url.replace('disposition=attachment', 'disposition=inline'),
    r.download_url.replace(/h=([0-9a-f])/, (_m: string, c: string) => `h=${c === '0' ? '1' : '0'}`),
  ];
  for (const url of tampered) assert.equal((await get(url)).status, 403, url);
  // "query terms … appended … after the hash value" are not covered.
  assert.equal((await get(`${r.download_url}&file=.txt`)).status, 200);
});

test('"End Time (e)": after e the URL is refused; "Start Time (s)": before s it is refused', async () => {
  const key = await secret();
  assert.equal((await get(signMediaVaultUrl(key, `${fileUrl('/vault/a.txt')}?e=${now() - 5}`))).status, 403);
  assert.equal((await get(signMediaVaultUrl(key, `${fileUrl('/vault/a.txt')}?s=${now() + 600}&e=${now() + 900}`))).status, 403);
  assert.equal((await get(signMediaVaultUrl(key, `${fileUrl('/vault/a.txt')}?s=${now() - 60}&e=${now() + 60}`))).status, 200);
});

test('"IP Address/Range Mask (ip)": an address or a CIDR range the client is not in is refused', async () => {
  const key = await secret();
  const base = `${fileUrl('/vault/a.txt')}?e=${now() + 60}`;
  assert.equal((await get(signMediaVaultUrl(key, `${base}&ip=127.0.0.1`))).status, 200);
  assert.equal((await get(signMediaVaultUrl(key, `${base}&ip=127.0.0.0/8`))).status, 200);
  assert.equal((await get(signMediaVaultUrl(key, `${base}&ip=10.9.12.19`))).status, 403);
  assert.equal((await get(signMediaVaultUrl(key, `${base}&ip=80.249.208.0/21`))).status, 403);
  assert.equal((await get(signMediaVaultUrl(key, `${base}&ip=2001:7f8:1::a502:2822`))).status, 403);
});

test('"Referrer (r)": a Referer whose host does not right-side match is refused', async () => {
  const key = await secret();
  const url = signMediaVaultUrl(key, `${fileUrl('/vault/a.txt')}?e=${now() + 60}&r=example.com`);
  assert.equal((await get(url, { Referer: 'https://www.example.com/page' })).status, 200);
  assert.equal((await get(url, { Referer: 'https://evil.org/page' })).status, 403);
});

test('"Prefix Length (p)": a hash over the directory part of the URL opens every file in it', async () => {
  const key = await secret();
  const dir = `${fileUrl('/vault/')}`;
  const query = `?e=${now() + 60}&p=${dir.length}`;
  const h = mediaVaultHash(key, dir + query);
  assert.equal((await get(`${fileUrl('/vault/a.txt')}${query}&h=${h}`)).body, 'alpha');
  assert.equal((await get(`${fileUrl('/vault/b.txt')}${query}&h=${h}`)).body, 'bravo');
  assert.equal((await get(`${fileUrl('/other.txt')}${query}&h=${h}`)).status, 404);
  await upload('/outside.txt', 'outside');
  assert.equal((await get(`${fileUrl('/outside.txt')}${query}&h=${h}`)).status, 403);
});

test('"Two Hash Secrets": after a rotation old URLs keep working; after a second one they do not', async () => {
  const old = await server.rpc('mediaVaultUrl', [token, '/vault/a.txt', 300]);
  await server.app.services.mediavault.rotateSecret(ACCOUNT);
  assert.equal((await get(old.download_url)).status, 200);
  const fresh = await server.rpc('mediaVaultUrl', [token, '/vault/a.txt', 300]);
  assert.equal((await get(fresh.download_url)).status, 200);
  await server.app.services.mediavault.rotateSecret(ACCOUNT);
  assert.equal((await get(old.download_url)).status, 403);
  assert.equal((await get(fresh.download_url)).status, 200);
});

test('a private account\'s egress serves only MediaVault URLs and signed requests', async () => {
  await server.app.services.mediavault.setPrivate(ACCOUNT, true);
  try {
    assert.equal((await get(fileUrl('/vault/a.txt'))).status, 403);
    const r = await server.rpc('mediaVaultUrl', [token, '/vault/a.txt', 300]);
    assert.equal((await get(r.download_url)).status, 200);
    const pair = await server.rpc('initKeyPair', [token]);
    const path = `/${ACCOUNT}/vault/a.txt`;
    const { createHmac } = await import('node:crypto');
    const payload = `${path}?access_key=${pair.access_key}&expiry=${now() + 60}`;
    const sig = `${payload}&signature=${createHmac('sha256', pair.secret_key).update(payload).digest('base64')}`;
    assert.equal((await get(fileUrl('/vault/a.txt'), { 'X-Agile-Signature': sig })).body, 'alpha');
  } finally {
    await server.app.services.mediavault.setPrivate(ACCOUNT, false);
  }
  assert.equal((await get(fileUrl('/vault/a.txt'))).status, 200);
});

test('mediaVaultUrl: "all requests for the file using the URLs are refused when the expiry time has passed" — a URL that worked a moment before', async () => {
  // A server whose clock the test moves, so the expiry passes without waiting.
  let nowMs = Date.now();
  const pinned = await startServer({ clock: { nowMs: () => nowMs } });
  try {
    const t = await pinned.login();
    await pinned.postRaw('soon gone', { 'X-Agile-Authorization': t, 'X-Agile-Basename': 'short.txt' });
    const r = await pinned.rpc('mediaVaultUrl', [t, '/short.txt', 60]);
    assert.equal(r.code, 0);
    const local = (u: string) => `${pinned.url}${new URL(u).pathname}${new URL(u).search}`;
    const before = await fetch(local(r.download_url));
    assert.equal(before.status, 200);
    assert.equal(await before.text(), 'soon gone');
    nowMs += 61_000;
    assert.equal((await fetch(local(r.download_url))).status, 403);
    assert.equal((await fetch(local(r.preview_url))).status, 403);
  } finally {
    await pinned.close();
  }
});

test('MediaVault URLs name the configured public base URL (--public-url), verify when a proxy or CDN forwards them, and are checked on HEAD as on GET', async (t) => {
  const behind = await startServer({ env: { ORIGINSTORE_PUBLIC_URL: 'https://cdn.example.com/' } });
  t.after(() => behind.close());
  const t2 = await behind.login();
  await (await behind.postRaw('behind a cdn', { 'X-Agile-Authorization': t2, 'X-Agile-Basename': 'cdn.txt' })).arrayBuffer();
  const r = await behind.rpc('mediaVaultUrl', [t2, '/cdn.txt', 300]);
  assert.equal(r.code, 0);
  assert.ok(r.download_url.startsWith(`https://cdn.example.com/${ACCOUNT}/cdn.txt?e=`), r.download_url);
  assert.ok(r.preview_url.startsWith(`https://cdn.example.com/${ACCOUNT}/cdn.txt?e=`), r.preview_url);
  // What the CDN forwards to the origin: the same path and query string.
  const forwarded = (u: string) => `${behind.url}${new URL(u).pathname}${new URL(u).search}`;
  const res = await fetch(forwarded(r.download_url));
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'behind a cdn');
  const head = await fetch(forwarded(r.preview_url), { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.match(head.headers.get('content-disposition') ?? '', /^inline/);
  const tampered = forwarded(r.download_url).replace(/e=(\d)/, (_m: string, d: string) => `e=${(Number(d) + 1) % 10}`);
  assert.equal((await fetch(tampered, { method: 'HEAD' })).status, 403);
  // Hashed for another base URL (the origin's own), the URL does not verify.
  const key = (await behind.app.services.mediavault.security(ACCOUNT)).secret;
  const elsewhere = signMediaVaultUrl(key, `http://elsewhere.example/${ACCOUNT}/cdn.txt?e=${now() + 60}`);
  assert.equal((await fetch(forwarded(elsewhere), { method: 'HEAD' })).status, 403);
});
