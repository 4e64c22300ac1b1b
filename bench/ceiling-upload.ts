/**
 * The ceiling for a durable upload: bare node:http doing only what any
 * durable upload must do. POST /<name> streams the body through SHA-256
 * into a temporary file, fsyncs it, renames it into files/, fsyncs that
 * directory (as originstore does, so both sides make the same promise) and
 * inserts one row in SQLite (WAL, synchronous=FULL) before answering 200.
 * No framework, no authentication, no namespace, no limits.
 *
 * Usage: node --import tsx bench/ceiling-upload.ts <data-dir>
 * Prints one line {"port": n} once listening on 127.0.0.1.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: ceiling-upload.ts <data-dir>');
const tmpDir = join(dataDir, 'tmp');
const filesDir = join(dataDir, 'files');
mkdirSync(tmpDir, { recursive: true });
mkdirSync(filesDir, { recursive: true });

const db = new Database(join(dataDir, 'ceiling.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('CREATE TABLE IF NOT EXISTS files (name TEXT PRIMARY KEY, size INTEGER NOT NULL, sha256 TEXT NOT NULL)');
const insert = db.prepare('INSERT OR REPLACE INTO files (name, size, sha256) VALUES (?, ?, ?)');
let sequence = 0;

const server = createServer((req, res) => {
  const name = /^\/([A-Za-z0-9._-]+)$/.exec(req.url ?? '')?.[1];
  if (req.method !== 'POST' || name === undefined) {
    res.writeHead(400).end();
    return;
  }
  store(name, req).then(
    ({ sizeBytes, sha256 }) => res.writeHead(200, { 'X-Size': String(sizeBytes), 'X-Checksum': sha256 }).end(),
    (err: unknown) => {
      console.error(err);
      res.writeHead(500, { Connection: 'close' }).end();
    },
  );
});

async function store(name: string, body: AsyncIterable<Buffer>): Promise<{ sizeBytes: number; sha256: string }> {
  const temp = join(tmpDir, String(sequence++));
  const hash = createHash('sha256');
  let sizeBytes = 0;
  try {
    await pipeline(body, async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        hash.update(chunk);
        sizeBytes += chunk.length;
        yield chunk;
      }
    }, createWriteStream(temp, { flags: 'wx' }));
    // fsync is per file, not per descriptor: the stream has closed its own.
    await syncPath(temp, 'r+');
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await rename(temp, join(filesDir, name));
  await syncPath(filesDir, 'r');
  const sha256 = hash.digest('hex');
  insert.run(name, sizeBytes, sha256);
  return { sizeBytes, sha256 };
}

async function syncPath(path: string, flags: string): Promise<void> {
  const fh = await open(path, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  console.log(JSON.stringify({ port: address.port }));
});
