/**
 * Bench setup, not a measurement: give a directory `count` file entries
 * quickly. A million uploads (or a million insertNode calls, about 3,000 a
 * second through the query builder) would take longer than the bench, so
 * the rows go straight into the metadata store's nodes table, the columns
 * as insertNode writes them (src/adapters/sql/metadata-ops.ts): on the
 * embedded SQLite with one prepared statement in one transaction, on
 * PostgreSQL with batched multi-row inserts from arrays in one transaction.
 * Every entry shares the blob of an existing file, the template, so no bytes
 * are written. Run while the server is idle: SQLite in WAL mode lets a
 * second process write, and the server waits on its busy timeout.
 *
 * Usage: node --import tsx bench/fill-directory.ts <data-dir | postgres://…> <dir-path> <template-path> <count>
 * with absolute namespace paths (/{account}/…). Names come from listName.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import pg from 'pg';
import { withDefaultUser } from '../src/adapters/postgres/postgres-metadata-store.js';
import { listName } from './names.js';

interface NodeRow {
  readonly id: number;
  readonly kind: number;
  readonly [column: string]: unknown;
}

const [store, dirPath, templatePath, countArg] = process.argv.slice(2);
if (store === undefined || dirPath === undefined || templatePath === undefined || countArg === undefined) {
  throw new Error('usage: fill-directory.ts <data-dir | postgres://…> <dir-path> <template-path> <count>');
}
const count = Number(countArg);

function check(dir: NodeRow | undefined, template: NodeRow | undefined): asserts dir is NodeRow {
  if (dir?.kind !== 1 || template?.kind !== 2) throw new Error(`${dirPath} must be a directory and ${templatePath} a file`);
}

function fillSqlite(dataDir: string): void {
  const db = new Database(join(dataDir, 'metadata.sqlite'));
  db.pragma('busy_timeout = 10000');
  try {
    const byPath = db.prepare('SELECT * FROM nodes WHERE path = ?');
    const dir = byPath.get(dirPath) as NodeRow | undefined;
    const template = byPath.get(templatePath) as NodeRow | undefined;
    check(dir, template);
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
}

/** Rows per INSERT: the names and paths travel as two text arrays. */
const PG_BATCH = 20_000;

async function fillPostgres(url: string): Promise<void> {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') || undefined;
  parsed.searchParams.delete('schema');
  const client = new pg.Client({
    connectionString: withDefaultUser(parsed.toString()),
    ...(schema === undefined ? {} : { options: `-c search_path=${pg.escapeIdentifier(schema)}` }),
  });
  await client.connect();
  try {
    const byPath = async (path: string) => (await client.query<NodeRow>('SELECT * FROM nodes WHERE path = $1', [path])).rows[0];
    const dir = await byPath(dirPath!);
    const template = await byPath(templatePath!);
    check(dir, template);
    await client.query('BEGIN');
    for (let start = 0; start < count; start += PG_BATCH) {
      const names = Array.from({ length: Math.min(PG_BATCH, count - start) }, (_, k) => listName(start + k));
      await client.query(
        `INSERT INTO nodes (parent_id, name, path, kind, size, sha256, mime, ctime, mtime, uid, gid, blob_id)
         SELECT $1, n.name, n.path, 2, $2, $3, $4, $5, $6, $7, $8, $9
         FROM unnest($10::text[], $11::text[]) AS n(name, path)`,
        [dir.id, template!['size'], template!['sha256'], template!['mime'], template!['ctime'], template!['mtime'],
          template!['uid'], template!['gid'], template!['blob_id'], names, names.map((name) => `${dirPath}/${name}`)],
      );
    }
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

if (/^postgres(ql)?:\/\//.test(store)) await fillPostgres(store);
else fillSqlite(store);
