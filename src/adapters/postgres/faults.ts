/**
 * How the pg driver's failures are told apart. The server answers a failed
 * statement with a DatabaseError carrying an SQLSTATE; everything else the
 * driver throws (refused or reset sockets, "Connection terminated", connect
 * and query timeouts) means the server could not be reached. The pool below
 * turns those into OriginError('Unavailable') once, where every query
 * passes, so the service sees one kind whatever the query.
 */
import pg from 'pg';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import { OriginError } from '../../domain/errors.js';

/** SQLSTATEs that mean the server is going away or refuses connections for now. */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** Lost a race with another transaction: run it again. */
const RETRY_STATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '23503', // foreign_key_violation: the parent row went away between our read and our write
]);

export function sqlState(err: unknown): string | undefined {
  return err instanceof pg.DatabaseError ? err.code : undefined;
}

export function isUniqueViolation(err: unknown): boolean {
  return sqlState(err) === '23505';
}

export function isRetryable(err: unknown): boolean {
  const state = sqlState(err);
  return state !== undefined && RETRY_STATES.has(state);
}

export function isConnectionFault(err: unknown): boolean {
  if (err instanceof OriginError) return err.kind === 'Unavailable';
  if (err instanceof pg.DatabaseError) {
    const state = err.code ?? '';
    return state.startsWith('08') || UNAVAILABLE_STATES.has(state);
  }
  return err instanceof Error;
}

export function unavailable(err: unknown, detail: Record<string, unknown> = {}): OriginError {
  if (err instanceof OriginError && err.kind === 'Unavailable' && Object.keys(detail).length === 0) return err;
  // The cause's own words help the operator reading the log; clients only ever see the kind.
  const why = err instanceof Error && err.message ? ` (${err.message})` : '';
  return new OriginError('Unavailable', { reason: `the metadata store cannot be reached${why}`, ...detail }, { cause: err });
}

/**
 * A pg.Pool as Kysely wants it, where a connection fault becomes
 * Unavailable and the broken client is destroyed rather than pooled again.
 */
export class FaultTranslatingPool implements PostgresPool {
  constructor(private readonly pool: pg.Pool) {
    // An idle client whose socket dies is reported here; without a listener
    // the 'error' event would end the process. The next query gets a new client.
    pool.on('error', () => undefined);
  }

  async connect(): Promise<PostgresPoolClient> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw isConnectionFault(err) ? unavailable(err) : err;
    }
    return wrapClient(client);
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

/**
 * PostgreSQL text cannot hold a NUL character, so no stored value can equal a
 * parameter that contains one (a token or user name a client made up): a
 * lookup, update or delete by it touches no row, as on SQLite, where
 * PostgreSQL itself would refuse the statement ("invalid byte sequence for
 * encoding UTF8: 0x00"). Inserts still fail: nothing with a NUL may be stored.
 */
function matchesNoStoredText(sql: string, parameters: ReadonlyArray<unknown>): { command: string; rowCount: number; rows: never[] } | undefined {
  if (!parameters.some((p) => typeof p === 'string' && p.includes('\u0000'))) return undefined;
  const verb = /^\s*(select|update|delete)\b/i.exec(sql)?.[1];
  if (verb === undefined) return undefined;
  return { command: verb.toUpperCase(), rowCount: 0, rows: [] };
}

function wrapClient(client: pg.PoolClient): PostgresPoolClient {
  let broken: Error | undefined;
  return {
    async query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
      const matchesNothing = matchesNoStoredText(sql, parameters);
      if (matchesNothing) return matchesNothing as PostgresQueryResult<R>;
      try {
        return (await client.query(sql, parameters as unknown[])) as unknown as PostgresQueryResult<R>;
      } catch (err) {
        if (!isConnectionFault(err)) throw err;
        broken = err as Error;
        throw unavailable(err);
      }
    },
    release() {
      client.release(broken);
    },
  } as PostgresPoolClient;
}
