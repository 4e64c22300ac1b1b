/**
 * The better-sqlite3 database as Kysely's SqliteDialect sees it: prepared
 * statements kept by their text, and rows built in JavaScript.
 *
 * Kysely asks the driver to prepare every query it runs, and preparing (SQLite
 * parsing and planning the SQL) cost more than running the small indexed
 * lookups that most requests make. The query builder produces the same text
 * for the same query shape, so prepared statements are kept by their text.
 * Reusing one is safe because nothing here streams results (a statement that
 * is being iterated cannot run again until it is done).
 */
import type Database from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

const MAX_CACHED_STATEMENTS = 500;

export function cachingStatements(db: Database.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare(text: string) {
      let statement = cache.get(text);
      if (statement === undefined) {
        statement = rowsBuiltInJavaScript(db.prepare(text));
        // Queries with a variable number of placeholders (IN lists) make new texts: keep the cache bounded.
        if (cache.size >= MAX_CACHED_STATEMENTS) cache.delete(cache.keys().next().value!);
        cache.set(text, statement);
      }
      return statement;
    },
  };
}

/**
 * A statement that returns rows, asked for them as arrays and turned into
 * objects here. better-sqlite3 builds an object row by setting each column
 * from C++, which cost about twice what building the same object in
 * JavaScript does: a listing of 10,000 entries spent most of its time there.
 * The objects are the same (the columns in order; a repeated name keeps the
 * last column's value, as better-sqlite3's own objects do).
 */
function rowsBuiltInJavaScript(statement: Database.Statement): SqliteStatement {
  if (!statement.reader) return statement;
  const columns = statement.columns().map((c) => c.name);
  const arrays = statement.raw(true);
  const toObject = (values: unknown[]): Record<string, unknown> => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) row[columns[i]!] = values[i];
    return row;
  };
  return {
    reader: true,
    all: (parameters) => (arrays.all(parameters) as unknown[][]).map(toObject),
    run: (parameters) => arrays.run(parameters),
    *iterate(parameters) {
      for (const values of arrays.iterate(parameters) as IterableIterator<unknown[]>) yield toObject(values);
    },
  };
}
