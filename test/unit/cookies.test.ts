import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePathCookie, encodePathCookie, checkPageSize, checkCountCookie } from '../../src/domain/cookies.js';
import { OriginError } from '../../src/domain/errors.js';

test('listPath cookie: base64 of two big-endian uint64, as the spec decodes it with struct.unpack(">QQ")', () => {
  assert.equal(encodePathCookie({ dirs: 1, files: 1 }), 'AAAAAAAAAAEAAAAAAAAAAQ==');
  assert.equal(encodePathCookie({ dirs: 0, files: 1 }), 'AAAAAAAAAAAAAAAAAAAAAQ==');
  assert.deepEqual(decodePathCookie('AAAAAAAAAAEAAAAAAAAAAQ=='), { dirs: 1, files: 1 });
});

test('listPath cookie: "" and null start a listing', () => {
  assert.deepEqual(decodePathCookie(''), { dirs: 0, files: 0 });
  assert.deepEqual(decodePathCookie(null), { dirs: 0, files: 0 });
});

test('listPath cookie: anything else is InvalidCookie', () => {
  for (const bad of ['x', 'AAAA', '!!!!', 'AAAAAAAAAAEAAAAAAAAAAQ', '/////////////////////w==']) {
    assert.throws(() => decodePathCookie(bad), (e) => e instanceof OriginError && e.kind === 'InvalidCookie', bad);
  }
});

test('pageSize: 1 to 10000', () => {
  assert.equal(checkPageSize(10000), 10000);
  for (const bad of [0, -1, 10001, 1.5, Number.MAX_VALUE]) assert.throws(() => checkPageSize(bad), /page size/);
});

test('listDir/listFile cookie: a non-negative integer', () => {
  assert.equal(checkCountCookie(0), 0);
  for (const bad of [-1, 0.5, 2 ** 60]) assert.throws(() => checkCountCookie(bad), /cookie/);
});
