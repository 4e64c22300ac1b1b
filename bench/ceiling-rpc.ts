/**
 * The ceiling for JSON-RPC: bare node:http reading the body, JSON.parse, one
 * SQLite query (better-sqlite3, prepared once), JSON.stringify. It answers
 * `stat` (one row by path) and `listFile` with stat (one page of a
 * directory's rows, in name order), in the same shapes as originstore, from
 * its own table. No session, no token check, no path rules.
 *
 * Usage: node --import tsx bench/ceiling-rpc.ts <data-dir> <entries>
 * Creates /list with <entries> rows named by listName (bench/names.ts)
 * and the file /stat.bin, then prints one line {"port": n}.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { listName } from './names.js';

const [dataDir, entriesArg] = process.argv.slice(2);
if (dataDir === undefined || entriesArg === undefined) throw new Error('usage: ceiling-rpc.ts <data-dir> <entries>');
mkdirSync(dataDir, { recursive: true });

const db = new Database(join(dataDir, 'ceiling-rpc.db'));
db.pragma('journal_mode = WAL');
db.exec(`CREATE TABLE IF NOT EXISTS files (dir TEXT NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,
  mime TEXT NOT NULL, ctime INTEGER NOT NULL, mtime INTEGER NOT NULL, uid INTEGER NOT NULL, gid INTEGER NOT NULL, PRIMARY KEY (dir, name))`);
const insert = db.prepare('INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
const now = Math.floor(Date.now() / 1000);
const sha = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
db.transaction(() => {
  insert.run('/', 'stat.bin', 4096, sha, 'application/octet-stream', now, now, 10000, 100);
  for (let i = 0; i < Number(entriesArg); i++) insert.run('/list', listName(i), 4096, sha, 'application/octet-stream', now, now, 10000, 100);
})();

const statQuery = db.prepare('SELECT size, ctime, mtime FROM files WHERE dir = ? AND name = ?');
const listQuery = db.prepare('SELECT name, size, sha256, mime, ctime, mtime, uid, gid FROM files WHERE dir = ? ORDER BY name LIMIT ? OFFSET ?');

function call(method: string, params: unknown[]): unknown {
  if (method === 'stat') {
    const path = String(params[1]);
    const slash = path.lastIndexOf('/');
    const row = statQuery.get(path.slice(0, slash) || '/', path.slice(slash + 1)) as { size: number; ctime: number; mtime: number } | undefined;
    return row ? { code: 0, ctime: row.ctime, mtime: row.mtime, type: 2, size: row.size } : { code: -1 };
  }
  if (method === 'listFile') {
    const [, path, pageSize, cookie] = params as [string, string, number, number];
    const rows = listQuery.all(path, pageSize, cookie) as Array<{ name: string; size: number; sha256: string; mime: string; ctime: number; mtime: number; uid: number; gid: number }>;
    return {
      code: 0,
      cookie: rows.length === 0 ? 0 : cookie + rows.length,
      list: rows.map((r) => ({
        name: r.name, type: 2, stat: { uid: r.uid, gid: r.gid, size: r.size, checksum: r.sha256, ctime: r.ctime, mimetype: r.mime, mtime: r.mtime },
      })),
    };
  }
  return { code: -1 };
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const { id, method, params } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: unknown; method: string; params: unknown[] };
    const body = JSON.stringify({ jsonrpc: '2.0', id, result: call(method, params) });
    res.writeHead(200, { 'Content-Type': 'application/json;charset=utf-8', 'Content-Length': Buffer.byteLength(body) }).end(body);
  });
});
server.keepAliveTimeout = 65_000;

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  console.log(JSON.stringify({ port: address.port }));
});
