/** The statements Kysely is given answer exactly what better-sqlite3's own statements answer. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { cachingStatements } from '../../src/adapters/sqlite/prepared-statements.js';

function fixture() {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, size INTEGER, blob BLOB);
           INSERT INTO t (name, size, blob) VALUES ('a', 1, x'00ff'), ('b', NULL, NULL), ('c', 9007199254740991, x'')`);
  return { db, wrapped: cachingStatements(db) };
}

const QUERIES: Array<[string, unknown[]]> = [
  ['SELECT * FROM t ORDER BY id', []],
  ['SELECT name, size FROM t WHERE id > ? ORDER BY name', [1]],
  ['SELECT t1.id, t2.id, t1.name FROM t AS t1 JOIN t AS t2 ON t2.id = t1.id + 1', []],
  ['SELECT count(*) AS n, max(size) FROM t', []],
  ['SELECT * FROM t WHERE id = ?', [99]],
];

test('prepared statements: rows are the objects better-sqlite3 builds, column names, order and values alike', () => {
  const { db, wrapped } = fixture();
  for (const [text, parameters] of QUERIES) {
    const ours = wrapped.prepare(text).all(parameters);
    const theirs = db.prepare(text).all(parameters);
    assert.deepEqual(ours, theirs, text);
    assert.deepEqual(ours.map((r) => Object.keys(r as object)), theirs.map((r) => Object.keys(r as object)), text);
  }
});

test('prepared statements: iterating gives the same rows as all()', () => {
  const { wrapped } = fixture();
  const statement = wrapped.prepare('SELECT * FROM t ORDER BY id');
  assert.deepEqual([...statement.iterate([])], statement.all([]));
});

test('prepared statements: a write reports its changes', () => {
  const { db, wrapped } = fixture();
  const insert = wrapped.prepare('INSERT INTO t (name, size) VALUES (?, ?)');
  assert.equal(insert.reader, false);
  assert.equal(insert.run(['d', 4]).changes, 1);
  assert.deepEqual(db.prepare('SELECT count(*) AS n FROM t').get(), { n: 4 });
});

test('prepared statements: a write with RETURNING gives its rows as objects', () => {
  const { db, wrapped } = fixture();
  const returning = wrapped.prepare('INSERT INTO t (name, size) VALUES (?, ?) RETURNING id, name');
  assert.equal(returning.reader, true);
  assert.deepEqual(returning.all(['e', 5]), [{ id: 4, name: 'e' }]);
  assert.deepEqual(db.prepare('SELECT count(*) AS n FROM t').get(), { n: 4 });
});

test('prepared statements: the same text is prepared once', () => {
  const { wrapped } = fixture();
  assert.equal(wrapped.prepare('SELECT * FROM t'), wrapped.prepare('SELECT * FROM t'));
});
