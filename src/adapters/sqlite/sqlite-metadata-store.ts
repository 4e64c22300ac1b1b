/**
 * The embedded metadata store: SQLite through better-sqlite3, in WAL mode
 * with synchronous=FULL so that a commit is on disk before it is
 * acknowledged. Queries are the shared ones in adapters/sql.
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { OriginError } from '../../domain/errors.js';
import { SqlMetadataOps } from '../sql/metadata-ops.js';
import { GroupCommitter } from './group-commit.js';
import { cachingStatements } from './prepared-statements.js';
import type { Database as Schema } from '../sql/schema.js';
import type { MetadataOps, MetadataStore } from '../../ports/metadata-store.js';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (name TEXT PRIMARY KEY, created INTEGER NOT NULL)`,
  `CREATE TABLE users (
     id INTEGER PRIMARY KEY,
     account TEXT NOT NULL REFERENCES accounts(name),
     username TEXT NOT NULL UNIQUE,
     password_hash TEXT NOT NULL,
     uid INTEGER NOT NULL UNIQUE,
     gid INTEGER NOT NULL,
     home TEXT NOT NULL,
     disabled INTEGER NOT NULL DEFAULT 0,
     created INTEGER NOT NULL)`,
  `CREATE TABLE sessions (
     token TEXT PRIMARY KEY,
     user_id INTEGER NOT NULL,
     root TEXT NOT NULL,
     created_ms INTEGER NOT NULL,
     expires_ms INTEGER NOT NULL,
     expiry_updated INTEGER NOT NULL DEFAULT 0)`,
  `CREATE INDEX sessions_expires ON sessions (expires_ms)`,
  `CREATE INDEX sessions_user ON sessions (user_id)`,
  // Names compare with BINARY collation: byte order of UTF-8, the order listings use.
  `CREATE TABLE nodes (
     id INTEGER PRIMARY KEY,
     parent_id INTEGER REFERENCES nodes(id),
     name TEXT NOT NULL,
     path TEXT NOT NULL UNIQUE,
     kind INTEGER NOT NULL,
     size INTEGER NOT NULL DEFAULT 0,
     sha256 TEXT NOT NULL DEFAULT '',
     mime TEXT NOT NULL DEFAULT '',
     ctime INTEGER NOT NULL,
     mtime INTEGER NOT NULL,
     uid INTEGER NOT NULL,
     gid INTEGER NOT NULL,
     blob_id TEXT,
     UNIQUE (parent_id, name))`,
  `CREATE INDEX nodes_listing ON nodes (parent_id, kind, name)`,
  `CREATE INDEX nodes_blob ON nodes (blob_id) WHERE blob_id IS NOT NULL`,
  `CREATE TABLE garbage_blobs (blob_id TEXT PRIMARY KEY, created INTEGER NOT NULL)`,
  `INSERT INTO nodes (parent_id, name, path, kind, ctime, mtime, uid, gid)
     VALUES (NULL, '', '/', 1, CAST(strftime('%s','now') AS INTEGER), CAST(strftime('%s','now') AS INTEGER), 0, 0)`,
  `CREATE TABLE multiparts (
     mpid TEXT PRIMARY KEY,
     user_id INTEGER NOT NULL,
     uid INTEGER NOT NULL,
     gid INTEGER NOT NULL,
     path TEXT NOT NULL,
     content_type TEXT,
     mtime INTEGER NOT NULL,
     created INTEGER NOT NULL,
     state INTEGER NOT NULL,
     error INTEGER NOT NULL DEFAULT 0,
     num_pieces INTEGER NOT NULL DEFAULT 0)`,
  `CREATE INDEX multiparts_user ON multiparts (user_id, created, mpid)`,
  `CREATE INDEX multiparts_state ON multiparts (state, created)`,
  `CREATE TABLE pieces (
     mpid TEXT NOT NULL REFERENCES multiparts(mpid),
     seq INTEGER NOT NULL,
     number INTEGER NOT NULL,
     size INTEGER NOT NULL,
     sha256 TEXT NOT NULL,
     state INTEGER NOT NULL,
     error INTEGER NOT NULL DEFAULT 0,
     blob_id TEXT,
     created INTEGER NOT NULL,
     PRIMARY KEY (mpid, seq))`,
  `CREATE TABLE keypairs (
     access_key TEXT PRIMARY KEY,
     user_id INTEGER NOT NULL,
     secret_key TEXT NOT NULL,
     created INTEGER NOT NULL)`,
  `CREATE INDEX keypairs_user ON keypairs (user_id)`,
  `CREATE TABLE used_signatures (signature TEXT PRIMARY KEY, expires_ms INTEGER NOT NULL)`,
  `CREATE INDEX used_signatures_expires ON used_signatures (expires_ms)`,
  `CREATE TABLE account_security (
     account TEXT PRIMARY KEY REFERENCES accounts(name),
     secret TEXT NOT NULL,
     previous_secret TEXT NOT NULL DEFAULT '',
     private INTEGER NOT NULL DEFAULT 0)`,
  // Which call opened a session: authenticate ends the user's earlier `login` tokens.
  `ALTER TABLE sessions ADD COLUMN origin TEXT NOT NULL DEFAULT 'login'`,
  // Account administrators manage their account's users and key pairs (docs/extensions.md).
  `ALTER TABLE users ADD COLUMN admin INTEGER NOT NULL DEFAULT 0`,
];

/** A commit that found no space is the documented DiskFull, as a blob write is (the client may retry). */
function asDiskFull(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_FULL') return new OriginError('DiskFull', { reason: 'no space left for the metadata' }, { cause: err });
  return err;
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export class SqliteMetadataStore extends SqlMetadataOps implements MetadataStore {
  private readonly group: GroupCommitter<Kysely<Schema>>;

  private constructor(private readonly kysely: Kysely<Schema>, raw: Database.Database) {
    super(kysely, isUniqueViolation);
    this.group = new GroupCommitter<Kysely<Schema>>({
      withConnection: (fn) => kysely.connection().execute(fn),
      exec: async (conn, statement) => {
        await sql.raw(statement).execute(conn);
      },
      inTransaction: () => raw.inTransaction,
    });
  }

  /** Open (and create or migrate) the database file; ':memory:' for tests. */
  static open(file: string): SqliteMetadataStore {
    const raw = new Database(file);
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = FULL');
    raw.pragma('busy_timeout = 5000');
    raw.pragma('foreign_keys = ON');
    migrate(raw);
    return new SqliteMetadataStore(new Kysely<Schema>({ dialect: new SqliteDialect({ database: cachingStatements(raw) }) }), raw);
  }

  /**
   * Concurrent transactions commit together (group-commit.ts): one WAL fsync
   * for all that arrived while the previous commit was running. IMMEDIATE
   * takes the write lock at BEGIN, so a second process (an admin command)
   * waits instead of failing halfway with SQLITE_BUSY.
   */
  async transaction<T>(fn: (tx: MetadataOps) => Promise<T>): Promise<T> {
    // A commit that found no space (SQLITE_FULL) is the documented DiskFull.
    return this.group.run((conn) => fn(new SqlMetadataOps(conn, isUniqueViolation, { compiledLookups: this.compiledLookups }))).catch((err: unknown) => {
      throw asDiskFull(err);
    });
  }

  /** One server owns a SQLite file, so it holds every lease. */
  async acquireLease(): Promise<boolean> {
    return true;
  }

  async releaseLease(): Promise<void> {}

  async close(): Promise<void> {
    await this.kysely.destroy();
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version >= MIGRATIONS.length) return;
  db.transaction(() => {
    for (let i = version; i < MIGRATIONS.length; i++) db.exec(MIGRATIONS[i]!);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
