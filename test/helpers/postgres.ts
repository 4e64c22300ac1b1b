/**
 * The local PostgreSQL for tests: ORIGINSTORE_TEST_PG (default
 * postgres://127.0.0.1:5432/test). Every user of it gets a schema of its own
 * with a random name, dropped afterwards, so parallel runs never meet.
 * When the server cannot be reached the PostgreSQL tests are skipped with
 * the reason printed, unless ORIGINSTORE_TEST_REQUIRE_SCALEOUT=1 (CI), in
 * which case they fail.
 */
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { withDefaultUser } from '../../src/adapters/postgres/postgres-metadata-store.js';

export const PG_URL = process.env['ORIGINSTORE_TEST_PG'] || 'postgres://127.0.0.1:5432/test';
export const REQUIRE_SCALEOUT = process.env['ORIGINSTORE_TEST_REQUIRE_SCALEOUT'] === '1';
/** ORIGINSTORE_TEST_METADATA=postgres: every test server keeps its metadata in PostgreSQL, not SQLite. */
export const SERVERS_ON_POSTGRES = process.env['ORIGINSTORE_TEST_METADATA'] === 'postgres';

let reachable: Promise<string | undefined> | undefined;

/** undefined when PostgreSQL answers; otherwise why not. */
export function postgresUnreachable(): Promise<string | undefined> {
  reachable ??= (async () => {
    const client = adminClient();
    try {
      await client.connect();
      await client.query('SELECT 1');
      return undefined;
    } catch (err) {
      return `${PG_URL}: ${(err as Error).message || String(err)}`;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return reachable;
}

/**
 * `{ skip }` options for the PostgreSQL tests of a file: a reason to skip
 * (also printed, so a run without PostgreSQL says what it left out), or
 * nothing. With REQUIRE_SCALEOUT it never skips: the tests run and fail.
 */
export async function postgresSkip(what: string): Promise<{ skip?: string }> {
  const why = await postgresUnreachable();
  if (why === undefined || REQUIRE_SCALEOUT) return {};
  const reason = `PostgreSQL unreachable (${why}); set ORIGINSTORE_TEST_PG, or ORIGINSTORE_TEST_REQUIRE_SCALEOUT=1 to fail instead`;
  process.stderr.write(`# SKIPPED ${what}: ${reason}\n`);
  return { skip: reason };
}

function adminClient(): pg.Client {
  return new pg.Client({ connectionString: withDefaultUser(PG_URL), connectionTimeoutMillis: 3000 });
}

export interface Schema {
  readonly name: string;
  /** PG_URL (or `base`) with ?schema=name. */
  readonly url: string;
  drop(): Promise<void>;
}

/** A fresh, empty schema; the store creates its tables there on open. */
export async function freshSchema(base: string = PG_URL): Promise<Schema> {
  return namedSchema(`originstore_test_${randomBytes(6).toString('hex')}`, base);
}

function namedSchema(name: string, base: string): Schema {
  const url = new URL(base);
  url.searchParams.set('schema', name);
  return {
    name,
    url: url.toString(),
    async drop() {
      const client = adminClient();
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(name)} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

const byDataDir = new Map<string, Schema>();
// When the process has nothing left to do (its tests are done), drop them. Not node:test's
// after(): the benchmark uses these helpers outside the test runner.
process.on('beforeExit', () => {
  if (byDataDir.size === 0) return;
  const schemas = [...byDataDir.values()];
  byDataDir.clear();
  void Promise.all(schemas.map((s) => s.drop().catch(() => undefined)));
});

/**
 * The schema of a data directory, for child servers that are stopped and
 * started again on it (a restart must find its metadata): the same one for
 * the same directory, dropped when the process is done.
 */
export function schemaForDataDir(dataDir: string): Schema {
  let schema = byDataDir.get(dataDir);
  if (!schema) {
    const name = `originstore_test_${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`;
    schema = namedSchema(name, PG_URL);
    byDataDir.set(dataDir, schema);
  }
  return schema;
}
