/**
 * The spec's own code samples, run as written (with Python's False as JSON
 * false): the loops that page through a directory with listDir and listFile
 * (working_with_directories_json.md and working_with_files_json.md, "Loop
 * through all …").
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.js';
import { call, unique, upload } from '../helpers/rpc.js';

let server: TestServer;
let token: string;

before(async () => {
  server = await startServer();
  token = await server.login();
});
after(() => server.close());

/** The sample's loop: a first call with `False` where the cookie goes, then pages until the cookie is 0. */
async function sampleLoop(method: 'listDir' | 'listFile', dir: string, pageSize: number): Promise<string[]> {
  const names: string[] = [];
  let results = await call(server, method, [token, dir, pageSize, false]);
  assert.equal(results.code, 0, `${method}: ${JSON.stringify(results)}`);
  names.push(...results.list.map((item: { name: string }) => item.name));
  let cookie = results.cookie;
  while (cookie > 0) {
    results = await call(server, method, [token, dir, pageSize, cookie, false]);
    names.push(...results.list.map((item: { name: string }) => item.name));
    cookie = results.cookie;
  }
  return names;
}

test('listDir: the sample loop "through all directories in chunks of four" lists every directory once', async () => {
  const dir = `/${unique('sample-dirs')}`;
  const expected = Array.from({ length: 10 }, (_, i) => `d${i}`);
  for (const name of expected) assert.equal(await call(server, 'makeDir2', [token, `${dir}/${name}`]), 0);
  assert.deepEqual(await sampleLoop('listDir', dir, 4), expected);
});

test('listFile: the sample loop "through all files in a directory in chunks of three" lists every file once', async () => {
  const dir = `/${unique('sample-files')}`;
  assert.equal(await call(server, 'makeDir', [token, dir]), 0);
  const expected = Array.from({ length: 7 }, (_, i) => `f${i}.txt`);
  for (const name of expected) await upload(server, token, `${dir}/${name}`);
  assert.deepEqual(await sampleLoop('listFile', dir, 3), expected);
});
