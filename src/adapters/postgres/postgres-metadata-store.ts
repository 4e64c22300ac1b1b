/**
 * The scale-out metadata store: PostgreSQL through `pg`, with the queries
 * of adapters/sql. Several servers share one database, so transactions run
 * concurrently: each runs at READ COMMITTED with row locks on what it reads
 * (transaction-ops.ts), and one that lost a race (a unique key taken
 * meanwhile, a deadlock) is run again from the start, up to MAX_ATTEMPTS.
 *
 * URL: postgres://user:password@host:port/database?schema=name — `schema`
 * (created when missing) holds the tables; other parameters go to pg.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import { userInfo } from 'node:os';
import pg from 'pg';
import { isOriginError } from '../../domain/errors.js';
import type { MetadataOps, MetadataStore } from '../../ports/metadata-store.js';
import { SqlMetadataOps } from '../sql/metadata-ops.js';
import type { Database as Schema } from '../sql/schema.js';
import { FaultTranslatingPool, isConnectionFault, isRetryable, isUniqueViolation, unavailable } from './faults.js';
import { MIGRATIONS } from './migrations.js';
import { PostgresTransactionOps } from './transaction-ops.js';

const MAX_ATTEMPTS = 20;
/** A request waits this long for a connection before it is answered "unavailable". */
const CONNECT_TIMEOUT_MS = 5_000;
/** A query whose answer never comes (a silent network) fails after this long. */
const QUERY_TIMEOUT_MS = 60_000;
const POOL_SIZE = 10;

export interface PostgresOptions {
  /** Overrides the URL's `schema` parameter (tests use a fresh one each). */
  readonly schema?: string;
}

/** int8 (sizes, times, ids) as a JS number: every value we store is below 2^53. */
const types = new pg.TypeOverrides();
types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));

type Attempt<T> = { readonly value: T } | { readonly retry: unknown };

export class PostgresMetadataStore extends SqlMetadataOps implements MetadataStore {
  private constructor(private readonly kysely: Kysely<Schema>) {
    super(kysely, isUniqueViolation);
  }

  static async open(url: string, options: PostgresOptions = {}): Promise<PostgresMetadataStore> {
    const { connectionString, schema } = parseUrl(url, options);
    const pool = new pg.Pool({
      connectionString,
      max: POOL_SIZE,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      keepAlive: true,
      types,
      ...(schema === undefined ? {} : { options: `-c search_path=${pg.escapeIdentifier(schema)}` }),
    });
    const kysely = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: new FaultTranslatingPool(pool) }) });
    try {
      if (schema !== undefined) await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(kysely);
      await migrate(kysely);
    } catch (err) {
      await kysely.destroy().catch(() => undefined);
      throw err;
    }
    return new PostgresMetadataStore(kysely);
  }

  async transaction<T>(fn: (tx: MetadataOps) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(fn);
      if ('value' in outcome) return outcome.value;
      if (attempt >= MAX_ATTEMPTS) throw outcome.retry;
      // A little jitter, so two servers that collided do not collide again in step.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, attempt * 5)));
    }
  }

  private attempt<T>(fn: (tx: MetadataOps) => Promise<T>): Promise<Attempt<T>> {
    return this.kysely.connection().execute(async (conn) => {
      await sql`BEGIN`.execute(conn);
      const ops = new PostgresTransactionOps(conn, this.compiledLookups);
      let value: T;
      try {
        value = await fn(ops);
      } catch (err) {
        await sql`ROLLBACK`.execute(conn).catch(() => undefined);
        const lostConnection = isOriginError(err) && err.kind === 'Unavailable';
        if (!lostConnection && (ops.conflicted || isRetryable(err))) return { retry: err };
        throw err;
      }
      try {
        await sql`COMMIT`.execute(conn);
      } catch (err) {
        // The COMMIT may have reached the server before the connection went.
        if (isConnectionFault(err)) throw unavailable(err, { outcomeUnknown: true });
        if (isRetryable(err)) return { retry: err };
        throw err;
      }
      return { value };
    });
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    // One statement, so two servers asking at once cannot both get it; times are the database's, not the servers'.
    const res = await sql<{ holder: string }>`
      INSERT INTO leases (name, holder, expires_at)
      VALUES (${name}, ${holder}, clock_timestamp() + ${ttlMs}::float8 * interval '1 millisecond')
      ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
        WHERE leases.holder = excluded.holder OR leases.expires_at < clock_timestamp()
      RETURNING holder`.execute(this.kysely);
    return res.rows.length > 0;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await sql`DELETE FROM leases WHERE name = ${name} AND holder = ${holder}`.execute(this.kysely);
  }

  async close(): Promise<void> {
    await this.kysely.destroy();
  }
}

function parseUrl(url: string, options: PostgresOptions): { connectionString: string; schema: string | undefined } {
  const parsed = new URL(url);
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw new Error(`not a postgres:// URL: ${parsed.protocol}`);
  const schema = options.schema ?? (parsed.searchParams.get('schema') || undefined);
  parsed.searchParams.delete('schema');
  return { connectionString: withDefaultUser(parsed.toString()), schema };
}

/** A URL without a user name means the login name, as psql takes it (pg alone would take $USER, often unset in services). */
export function withDefaultUser(url: string): string {
  const parsed = new URL(url);
  if (parsed.username !== '' || process.env['PGUSER'] || process.env['USER']) return url;
  try {
    parsed.username = encodeURIComponent(userInfo().username);
  } catch {
    return url;
  }
  return parsed.toString();
}

/** Run the migrations not yet run; an advisory lock makes servers starting together take turns. */
async function migrate(kysely: Kysely<Schema>): Promise<void> {
  await kysely.connection().execute(async (conn) => {
    await sql`BEGIN`.execute(conn);
    try {
      await sql`SELECT pg_advisory_xact_lock(hashtext('originstore migrations ' || current_schema()))`.execute(conn);
      await sql`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL)`.execute(conn);
      const rows = (await sql<{ version: number }>`SELECT version FROM schema_migrations`.execute(conn)).rows;
      const version = rows[0]?.version ?? 0;
      for (let i = version; i < MIGRATIONS.length; i++) await sql.raw(MIGRATIONS[i]!).execute(conn);
      if (rows.length === 0) await sql`INSERT INTO schema_migrations (version) VALUES (${MIGRATIONS.length})`.execute(conn);
      else if (version < MIGRATIONS.length) await sql`UPDATE schema_migrations SET version = ${MIGRATIONS.length}`.execute(conn);
      await sql`COMMIT`.execute(conn);
    } catch (err) {
      await sql`ROLLBACK`.execute(conn).catch(() => undefined);
      throw err;
    }
  });
}
