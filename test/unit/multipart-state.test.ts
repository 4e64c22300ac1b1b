/**
 * The multipart state tables against the spec's pages, as they are written
 * there (multipart_state_codes.md, multipart_state_transitions.md and the
 * getMultipartStatusMap examples of working_with_multipart_json.md).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  canMovePiece, canMoveUpload, nextPieceState, nextUploadState, PIECE_STATE_NAMES, PieceState, UPLOAD_STATE_NAMES, UploadState,
} from '../../src/domain/multipart-state.js';

/** multipart_state_transitions.md, "Multipart State Transitions", line by line. */
const SPEC_UPLOAD = `NEW -> ABORT
NEW -> DELETED
NEW -> READY
NEW -> EXPIRED
READY -> ABORT
READY -> COMPLETE
COMPLETE -> JOIN
JOIN -> FAILED
JOIN -> SUCCESS
SUCCESS -> DELETED
ABORT -> DELETED
FAILED -> DELETED
FAILED -> EXPIRED`;

/** The same page, "Multipart Piece State Transitions". */
const SPEC_PIECE = `NEW -> JOIN
NEW -> ERROR
NEW -> ABORT
NEW -> EXPIRED
NEW -> SKIPPED
ABORT -> SKIPPED
ABORT -> DELETED
ABORT -> ERROR
SUCCESS -> SKIPPED
SUCCESS -> DELETED
SUCCESS -> ERROR
JOIN -> SUCCESS
JOIN -> FAILED
FAILED -> ERROR
FAILED -> EXPIRED
FAILED -> SKIPPED`;

/** The two this server adds (docs/compatibility.md): restartMultipart re-runs a FAILED join; a join a crash interrupted runs again. */
const ADDED = [['FAILED', 'JOIN'], ['JOIN', 'JOIN']] as const;

const pairs = (text: string) => text.split('\n').map((line) => line.split(' -> ') as [string, string]);

test('multipart_state_transitions.md: every upload transition listed is allowed, and nothing else but the two documented additions', () => {
  const allowed = new Set([...pairs(SPEC_UPLOAD), ...ADDED].map(([a, b]) => `${a}>${b}`));
  for (const [from, fromCode] of Object.entries(UploadState)) {
    for (const [to, toCode] of Object.entries(UploadState)) {
      assert.equal(canMoveUpload(fromCode, toCode), allowed.has(`${from}>${to}`), `${from} -> ${to}`);
    }
  }
});

test('multipart_state_transitions.md: every piece transition listed is allowed, and nothing else but the two documented additions', () => {
  const allowed = new Set([...pairs(SPEC_PIECE), ...ADDED].map(([a, b]) => `${a}>${b}`));
  for (const [from, fromCode] of Object.entries(PieceState)) {
    for (const [to, toCode] of Object.entries(PieceState)) {
      assert.equal(canMovePiece(fromCode, toCode), allowed.has(`${from}>${to}`), `${from} -> ${to}`);
    }
  }
});

test('a forbidden transition is refused where it would be made, naming both states', () => {
  assert.equal(nextUploadState(UploadState.READY, UploadState.COMPLETE), UploadState.COMPLETE);
  assert.throws(() => nextUploadState(UploadState.SUCCESS, UploadState.JOIN), /SUCCESS to JOIN/);
  assert.throws(() => nextUploadState(UploadState.ABORT, UploadState.COMPLETE), /ABORT to COMPLETE/);
  assert.throws(() => nextUploadState(UploadState.EXPIRED, UploadState.READY), /EXPIRED to READY/);
  assert.equal(nextPieceState(PieceState.NEW, PieceState.SKIPPED), PieceState.SKIPPED);
  assert.throws(() => nextPieceState(PieceState.DELETED, PieceState.NEW), /DELETED to NEW/);
  assert.throws(() => nextPieceState(PieceState.SUCCESS, PieceState.JOIN), /SUCCESS to JOIN/);
});

test('getMultipartStatusMap: the maps are the examples of working_with_multipart_json.md', () => {
  assert.deepEqual({ ...UPLOAD_STATE_NAMES }, {
    11: 'EXPIRED', 0: 'UNKNOWN', 12: 'FAILED', 1: 'NEW', 2: 'READY', 3: 'COMPLETE', 5: 'JOIN', 6: 'SUCCESS', 8: 'DELETED', 9: 'ERROR', 10: 'ABORT',
  });
  assert.deepEqual({ ...PIECE_STATE_NAMES }, {
    11: 'ABORT', 0: 'UNKNOWN', 12: 'EXPIRED', 1: 'NEW', 13: 'FAILED', 5: 'JOIN', 6: 'SUCCESS', 8: 'DELETED', 9: 'ERROR', 10: 'SKIPPED',
  });
});
