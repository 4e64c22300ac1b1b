/**
 * Large and interrupted transfers through the commands: a 1 GiB put/get
 * round trip streamed from a generated source (never held in memory, never
 * written to a local file), and a multipart put cut off part way that the
 * next put of the same file resumes and finishes.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { OriginStoreClient } from '../../src/client/index.js';
import { newConfigDir, originstore, serverEnv } from '../helpers/cli.js';
import { PASSWORD, startServer, USER } from '../helpers/server.js';

const MiB = 1024 * 1024;

/** `totalMiB` MiB of pseudo-random bytes, made one MiB at a time, with the SHA-256 of what was produced. */
function generated(totalMiB: number): { stream: Readable; digest: () => string } {
  const block = randomBytes(MiB);
  const hash = createHash('sha256');
  let made = 0;
  const stream = new Readable({
    read() {
      if (made === totalMiB) {
        this.push(null);
        return;
      }
      const chunk = Buffer.from(block);
      chunk.writeUInt32BE(made++, 0);
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

test('put and get: 1 GiB from a generated stream comes back with the same SHA-256', async (t) => {
  const server = await startServer();
  const configDir = await newConfigDir();
  t.after(async () => {
    await server.close();
    await rm(configDir, { recursive: true, force: true });
  });
  const env = serverEnv(server, configDir);
  const source = generated(1024);
  const put = await originstore(['put', '-', '/large/one-gib.bin', '--json'], { env, input: source.stream });
  assert.equal(put.code, 0, put.stderr);
  const sent = source.digest();
  assert.deepEqual([put.json.sizeBytes, put.json.sha256, put.json.method], [1024 * MiB, sent, 'multipart']);
  const received = createHash('sha256');
  let receivedBytes = 0;
  const get = await originstore(['get', '/large/one-gib.bin', '-'], {
    env,
    onStdout: (chunk) => {
      received.update(chunk);
      receivedBytes += chunk.length;
    },
  });
  assert.equal(get.code, 0, get.stderr);
  assert.equal(receivedBytes, 1024 * MiB);
  assert.equal(received.digest('hex'), sent);
});

test('put: a multipart upload cut off part way is resumed by the next put of the same file and finishes', async (t) => {
  // A pinned clock never refills the upload-rate bucket: exactly five piece uploads are admitted, then 429.
  let nowMs = Date.now();
  const server = await startServer({ env: { ORIGINSTORE_UPLOAD_RATE_LIMIT: '5' }, clock: { nowMs: () => nowMs } });
  const configDir = await newConfigDir();
  t.after(async () => {
    await server.close();
    await rm(configDir, { recursive: true, force: true });
  });
  const env = serverEnv(server, configDir);
  const local = join(configDir, 'eight-pieces.bin');
  const bytes = randomBytes(8 * MiB);
  await writeFile(local, bytes);
  const args = ['put', local, '/resume/eight.bin', '--part-size', '1MiB', '--threshold', '1MiB', '--concurrency', '1', '--json'];

  const cut = await originstore(args, { env });
  assert.equal(cut.code, 1, cut.stderr);
  assert.deepEqual([cut.json.error.call, cut.json.error.code, cut.json.error.httpStatus], ['/multipart/piece', -56, 429]);
  assert.match(cut.json.error.hint, /wait/);

  const client = new OriginStoreClient({ url: server.url, username: USER, password: PASSWORD });
  const open = (await client.listMultipart()).multipart.filter((u) => u.path.endsWith('/resume/eight.bin'));
  assert.equal(open.length, 1);
  assert.equal((await client.listMultipartPiece(open[0]!.mpid)).pieces.length, 5);

  nowMs += 60_000;
  const resumed = await originstore(args, { env });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.deepEqual(
    [resumed.json.resumed, resumed.json.multipartId, resumed.json.pieces, resumed.json.skippedPieces, resumed.json.sha256],
    [true, open[0]!.mpid, 8, 5, createHash('sha256').update(bytes).digest('hex')],
  );
  assert.equal((await client.stat('/resume/eight.bin', { detail: true })).checksum, resumed.json.sha256);
});
