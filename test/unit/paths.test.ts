import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OriginError } from '../../src/domain/errors.js';
import { isWithin, parentOf, parseCallerPath, underRoot } from '../../src/domain/paths.js';

const invalid = (p: string) => assert.throws(() => parseCallerPath(p), (e) => e instanceof OriginError && e.kind === 'InvalidPath');

test('paths: a missing leading slash means the root', () => {
  assert.deepEqual(parseCallerPath('EMEA/flowers'), ['EMEA', 'flowers']);
  assert.deepEqual(parseCallerPath(''), []);
  assert.deepEqual(parseCallerPath('/'), []);
});

test('paths: empty segments are dropped', () => {
  assert.deepEqual(parseCallerPath('//a///b/'), ['a', 'b']);
});

test('paths: "." and ".." segments are invalid, never resolved', () => {
  for (const p of ['..', '/a/../b', './a', '/a/.', '../../etc/passwd']) invalid(p);
});

test('paths: names that merely contain dots are ordinary', () => {
  assert.deepEqual(parseCallerPath('/a..b/...'), ['a..b', '...']);
});

test('paths: NUL bytes are invalid', () => invalid('/a\0b'));

test('paths: more than 4096 bytes is invalid, counted in UTF-8 bytes', () => {
  assert.equal(parseCallerPath('/' + 'a'.repeat(4095)).length, 1);
  invalid('/' + 'a'.repeat(4096));
  invalid('/' + '今'.repeat(1366));
});

test('paths: backslash is an ordinary character', () => {
  assert.deepEqual(parseCallerPath('a\\b'), ['a\\b']);
});

test('paths: resolved under the root and never outside it', () => {
  assert.equal(underRoot('/acme/home', ['x', 'y']), '/acme/home/x/y');
  assert.equal(underRoot('/acme', []), '/acme');
  assert.equal(parentOf('/acme/x'), '/acme');
  assert.equal(isWithin('/acme/home', '/acme/homework'), false);
  assert.equal(isWithin('/acme/home', '/acme/home/w'), true);
});
