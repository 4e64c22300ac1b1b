import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalContentType, contentTypeByName, contentTypeNumber } from '../../src/domain/content-types.js';
import { decideContentType } from '../../src/service/content-sniff.js';

test('content types: lookup by extension follows the spec table', () => {
  assert.equal(contentTypeByName('test.mp3'), 'audio/mpeg');
  assert.equal(contentTypeByName('PHOTO.JPG'), 'image/jpeg');
  assert.equal(contentTypeByName('a.tar.gz'), undefined);
  assert.equal(contentTypeByName('noext'), undefined);
});

test('content types: only the spec table is valid, case-insensitive, parameters ignored', () => {
  assert.equal(canonicalContentType('Image/PNG'), 'image/png');
  assert.equal(canonicalContentType('text/plain; charset=utf-8'), 'text/plain');
  assert.equal(canonicalContentType('application/x-unknown'), undefined);
});

test('content types: ctype numbers are stable and 0 when unknown', () => {
  assert.equal(contentTypeNumber('application/atom+xml'), 1);
  assert.equal(contentTypeNumber('nope/nope'), 0);
});

test('content handling: an explicit type wins, octet-stream asks for detection by name', async () => {
  assert.equal(await decideContentType({ explicit: 'image/png' }, 'a.txt', Buffer.from('x')), 'image/png');
  assert.equal(await decideContentType({ explicit: 'application/octet-stream' }, 'a.txt', Buffer.alloc(0)), 'text/plain');
});

test('content handling: auto is by name, then by content', async () => {
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  assert.equal(await decideContentType({}, 'a.gif', png), 'image/gif');
  assert.equal(await decideContentType({}, 'noext', png), 'image/png');
  assert.equal(await decideContentType({ detect: 'content' }, 'a.gif', png), 'image/png');
  assert.equal(await decideContentType({ detect: 'name' }, 'noext', png), 'application/octet-stream');
  assert.equal(await decideContentType({}, 'noext', Buffer.from('plain words\n')), 'text/plain');
  assert.equal(await decideContentType({}, 'noext', Buffer.from([0, 1, 2, 3])), 'application/octet-stream');
});
