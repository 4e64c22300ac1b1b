/**
 * The client commands against a real server: login and profiles, the
 * namespace commands, put and get, with --json output and the documented
 * exit codes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Command } from 'commander';
import { OriginStoreClient } from '../../src/client/index.js';
import { registerClientCommands } from '../../src/cli/client/register.js';
import { newConfigDir, originstore, serverEnv } from '../helpers/cli.js';
import { ACCOUNT, PASSWORD, startServer, USER, type TestServer } from '../helpers/server.js';

let server: TestServer;
let configDir: string;
let env: Record<string, string>;
let client: OriginStoreClient;

before(async () => {
  server = await startServer();
  configDir = await newConfigDir();
  env = serverEnv(server, configDir);
  client = new OriginStoreClient({ url: server.url, username: USER, password: PASSWORD });
});
after(async () => {
  await server.close();
  await rm(configDir, { recursive: true, force: true });
});

const os = (args: string[], extra: Record<string, string | undefined> = {}, input?: string) => originstore(args, { env: { ...env, ...extra }, ...(input !== undefined ? { input } : {}) });
const sha = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

test('login: saves the profile with the password in a file only its owner can read; later commands need no environment', async () => {
  const dir = await newConfigDir();
  const noEnv = { ORIGINSTORE_URL: undefined, ORIGINSTORE_USER: undefined, ORIGINSTORE_PASSWORD: undefined, ORIGINSTORE_CONFIG_DIR: dir };
  const login = await originstore(['login', server.url, '--user', USER, '--password-stdin', '--json'], { env: noEnv, input: `${PASSWORD}\n` });
  assert.equal(login.code, 0, login.stderr);
  assert.equal(login.json.root, `/${ACCOUNT}`);
  const file = join(dir, 'profiles.json');
  assert.equal(login.json.profile, file);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  assert.equal(JSON.parse(await readFile(file, 'utf8')).profiles.default.password, PASSWORD);
  const ls = await originstore(['ls', '/', '--json'], { env: noEnv });
  assert.equal(ls.code, 0, ls.stderr);
  assert.ok(Array.isArray(ls.json));
  await rm(dir, { recursive: true, force: true });
});

test('login: with ORIGINSTORE_URL, ORIGINSTORE_USER and ORIGINSTORE_PASSWORD set, nothing is stored', async () => {
  const dir = await newConfigDir();
  const r = await os(['login', server.url, '--json'], { ORIGINSTORE_CONFIG_DIR: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.profile, null);
  await assert.rejects(stat(join(dir, 'profiles.json')));
  await rm(dir, { recursive: true, force: true });
});

test('login: bad credentials exit 4 naming the result code and what to do', async () => {
  const dir = await newConfigDir();
  const r = await originstore(['login', server.url, '--user', USER, '--password-stdin'], { env: { ORIGINSTORE_CONFIG_DIR: dir, ORIGINSTORE_PASSWORD: undefined }, input: 'wrong\n' });
  assert.equal(r.code, 4);
  assert.match(r.stderr, /login failed with result code -10001: invalid username or password/);
  assert.match(r.stderr, /what to do:/);
  await rm(dir, { recursive: true, force: true });
});

test('commands without a profile or environment exit 4 and say how to log in', async () => {
  const dir = await newConfigDir();
  const r = await originstore(['ls', '--json'], { env: { ORIGINSTORE_URL: undefined, ORIGINSTORE_USER: undefined, ORIGINSTORE_PASSWORD: undefined, ORIGINSTORE_CONFIG_DIR: dir } });
  assert.equal(r.code, 4);
  assert.match(r.json.error.meaning, /originstore login URL/);
  await rm(dir, { recursive: true, force: true });
});

test('mkdir -p, ls -l -R, stat, du: the tree as JSON', async () => {
  assert.equal((await os(['mkdir', '-p', '/tree/a/b', '--json'])).code, 0);
  await client.postRaw('12345', { path: '/tree/a/five.txt' });
  await client.postRaw('123', { path: '/tree/a/b/three.txt' });
  const ls = await os(['ls', '-l', '-R', '/tree', '--json']);
  assert.equal(ls.code, 0, ls.stderr);
  assert.deepEqual(ls.json.map((e: any) => [e.path, e.type, e.size]).sort(), [
    ['/tree/a', 'dir', null], ['/tree/a/b', 'dir', null], ['/tree/a/b/three.txt', 'file', 3], ['/tree/a/five.txt', 'file', 5],
  ]);
  const text = await os(['ls', '-l', '/tree/a']);
  assert.match(text.stdout, /^d\s+-\s+\S+ \S+ b\/$/m);
  assert.match(text.stdout, /^-\s+5\s+\S+ \S+ five\.txt$/m);
  const st = await os(['stat', '/tree/a/five.txt', '--json']);
  assert.deepEqual([st.json.type, st.json.size, st.json.checksum], ['file', 5, sha('12345')]);
  const du = await os(['du', '/tree', '--json']);
  assert.deepEqual(du.json, { path: '/tree', bytes: 8, files: 2, dirs: 2 });
  const onFile = await os(['mkdir', '/tree/a/five.txt']);
  assert.equal(onFile.code, 1);
  assert.match(onFile.stderr, /makeDir failed with result code -2: path exists/);
});

test('a missing path exits 3, a usage error exits 2, --help exits 0', async () => {
  const missing = await os(['stat', '/no/such', '--json']);
  assert.equal(missing.code, 3);
  assert.deepEqual([missing.json.error.code, missing.json.error.call, missing.json.error.kind], [-1, 'stat', 'NotFound']);
  assert.equal((await os(['cp', '/only-one'])).code, 2);
  assert.equal((await os(['url', '/x', '--expires', 'soon'])).code, 2);
  const help = await os(['put', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: originstore put \[options\] <local> \[remote\]/);
});

test('every client command has --help and --json', () => {
  const program = new Command('originstore');
  registerClientCommands(program);
  const all = (c: Command): Command[] => c.commands.flatMap((sub) => [sub, ...all(sub)]);
  const names = all(program).filter((c) => c.commands.length === 0).map((c) => (c.parent === program ? c.name() : `${c.parent!.name()} ${c.name()}`));
  assert.deepEqual(names.sort(), ['cp', 'du', 'get', 'login', 'ls', 'mkdir', 'mp abort', 'mp ls', 'mp status', 'mv', 'put', 'rm', 'stat', 'sync', 'url']);
  for (const c of all(program).filter((x) => x.commands.length === 0)) {
    const text = c.helpInformation();
    assert.match(text, /--json/, c.name());
    assert.match(text, /-h, --help/, c.name());
    assert.ok(c.description().length > 0, c.name());
  }
});

test('put and get: a round trip (put creates missing parents) with equal SHA-256; get continues a partial local file with Range', async () => {
  const dir = await newConfigDir();
  const local = join(dir, 'data.bin');
  const bytes = Buffer.alloc(300_000, 7).map((_, i) => (i * 31) & 255);
  await writeFile(local, bytes);
  // A destination ending in '/' is a directory, created when missing.
  const put2 = await os(['put', local, '/transfer/', '--json']);
  assert.equal(put2.code, 0, put2.stderr);
  assert.deepEqual([put2.json.path, put2.json.sha256, put2.json.method], ['/transfer/data.bin', sha(bytes), 'raw']);
  const out = join(dir, 'out.bin');
  const get = await os(['get', '/transfer/data.bin', out, '--json']);
  assert.equal(get.code, 0, get.stderr);
  assert.equal(sha(await readFile(out)), sha(bytes));
  await writeFile(out, bytes.subarray(0, 1000));
  const resumed = await os(['get', '/transfer/data.bin', out, '--json']);
  assert.deepEqual([resumed.json.resumedFromBytes, resumed.json.sha256], [1000, sha(bytes)]);
  assert.equal(sha(await readFile(out)), sha(bytes));
  await rm(dir, { recursive: true, force: true });
});

test('cp copies on the server, mv renames, url gives a MediaVault link that downloads the file', async () => {
  await client.makeDir2('/ops');
  await client.postRaw('copied', { path: '/ops/a.txt' });
  const cp = await os(['cp', '/ops/a.txt', '/ops/b.txt', '--json']);
  assert.deepEqual(cp.json, { source: '/ops/a.txt', target: '/ops/b.txt' });
  const mv = await os(['mv', '/ops/b.txt', '/ops/c.txt', '--json']);
  assert.equal(mv.code, 0);
  assert.equal((await client.stat('/ops/c.txt', { detail: true })).checksum, sha('copied'));
  assert.equal(await client.statOrUndefined('/ops/b.txt'), undefined);
  const url = await os(['url', '/ops/c.txt', '--expires', '1h', '--json']);
  assert.equal(url.json.expiresSeconds, 3600);
  assert.equal(await (await fetch(url.json.downloadUrl)).text(), 'copied');
  const plain = await os(['url', '/ops/c.txt']);
  assert.match(plain.stdout.trim(), /^http:\/\/127\.0\.0\.1:\d+\/acme\/ops\/c\.txt\?e=\d+&disposition=attachment&h=[0-9a-f]{32}$/);
});

test('rm -r removes a deep tree client-side; rm of a non-empty directory without -r says to use -r', async () => {
  let path = '/deep';
  for (let depth = 0; depth < 25; depth++) {
    path += `/d${depth}`;
    await client.makeDir2(path);
    await client.postRaw(`file at ${depth}`, { path: `${path}/f.txt` });
    await client.makeDir2(`${path}/empty`);
  }
  const refused = await os(['rm', '/deep']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /deleteDir failed with result code -7.*\n.*rm -r/);
  const removed = await os(['rm', '-r', '/deep', '--json']);
  assert.equal(removed.code, 0, removed.stderr);
  assert.deepEqual(removed.json, { removed: { files: 25, dirs: 51 } });
  assert.equal(await client.statOrUndefined('/deep'), undefined);
});

test('mp ls, status and abort: the open multipart uploads', async () => {
  await client.makeDir2('/mp');
  const mpid = await client.createMultipart('/mp/open.bin');
  await client.multipartPiece(mpid, 1, new TextEncoder().encode('piece one'));
  const ls = await os(['mp', 'ls', '--json']);
  assert.ok(ls.json.some((u: any) => u.mpid === mpid && ['NEW', 'READY'].includes(u.stateName)), JSON.stringify(ls.json));
  const status = await os(['mp', 'status', mpid, '--json']);
  assert.deepEqual([status.json.path, status.json.pieces.length, status.json.pieceBytes], [`/${ACCOUNT}/mp/open.bin`, 1, 9]);
  assert.deepEqual((await os(['mp', 'abort', mpid, '--json'])).json, { mpid, aborted: true });
  assert.ok(!(await os(['mp', 'ls', '--json'])).json.some((u: any) => u.mpid === mpid));
  const again = await os(['mp', 'abort', mpid, '--json']);
  assert.deepEqual([again.code, again.json.error.code, again.json.error.call], [1, -17, 'abortMultipart']);
});

test('an unreachable server exits 5 and names the URL problem', async () => {
  const r = await os(['ls', '--json'], { ORIGINSTORE_URL: 'http://127.0.0.1:9' });
  assert.equal(r.code, 5);
  assert.equal(r.json.error.kind, 'Network');
});
