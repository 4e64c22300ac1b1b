/**
 * Bench setup, not a measurement: give a directory `count` file entries
 * quickly. A million uploads (or a million insertNode calls, about 3,000 a
 * second through the query builder) would take longer than the bench, so
 * the rows go straight into the embedded store's nodes table with one
 * prepared statement in one transaction, the columns as insertNode writes
 * them (src/adapters/sql/metadata-ops.ts). Every entry shares the blob of an
 * existing file, the template, so no bytes are written. Run while the
 * server is idle: SQLite in WAL mode lets a second process write, and the
 * server waits on its busy timeout.
 *
 * Usage: node --import tsx bench/fill-directory.ts <data-dir> <dir-path> <template-path> <count>
 * with absolute namespace paths (/{account}/…). Names come from listName.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { listName } from './names.js';

const [dataDir, dirPath, templatePath, countArg] = process.argv.slice(2);
if (dataDir === undefined || dirPath === undefined || templatePath === undefined || countArg === undefined) {
  throw new Error('usage: fill-directory.ts <data-dir> <dir-path> <template-path> <count>');
}
const count = Number(countArg);
const db = new Database(join(dataDir, 'metadata.sqlite'));
db.pragma('busy_timeout = 10000');
try {
  const byPath = db.prepare('SELECT * FROM nodes WHERE path = ?');
  const dir = byPath.get(dirPath) as { id: number; kind: number } | undefined;
  const template = byPath.get(templatePath) as Record<string, unknown> | undefined;
  if (dir?.kind !== 1 || template?.['kind'] !== 2) throw new Error(`${dirPath} must be a directory and ${templatePath} a file`);
  const insert = db.prepare(`INSERT INTO nodes (parent_id, name, path, kind, size, sha256, mime, ctime, mtime, uid, gid, blob_id)
    VALUES (@parent_id, @name, @path, 2, @size, @sha256, @mime, @ctime, @mtime, @uid, @gid, @blob_id)`);
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const name = listName(i);
      insert.run({ ...template, parent_id: dir.id, name, path: `${dirPath}/${name}` });
    }
  }).immediate();
} finally {
  db.close();
}
