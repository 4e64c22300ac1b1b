/**
 * Multipart upload and piece states, their codes and names, and the allowed
 * transitions — spec/apis/reference_materials/multipart_state_codes.md and
 * multipart_state_transitions.md, as data. Every state change of an upload or
 * a piece goes through `nextUploadState` / `nextPieceState`, so no code path
 * can make a transition the tables do not allow.
 */
import { OriginError } from './errors.js';

export const UploadState = {
  UNKNOWN: 0, NEW: 1, READY: 2, COMPLETE: 3, JOIN: 5, SUCCESS: 6, DELETED: 8, ERROR: 9, ABORT: 10, EXPIRED: 11, FAILED: 12,
} as const;
export type UploadState = (typeof UploadState)[keyof typeof UploadState];

export const PieceState = {
  UNKNOWN: 0, NEW: 1, JOIN: 5, SUCCESS: 6, DELETED: 8, ERROR: 9, SKIPPED: 10, ABORT: 11, EXPIRED: 12, FAILED: 13,
} as const;
export type PieceState = (typeof PieceState)[keyof typeof PieceState];

/** getMultipartStatusMap answers these (the spec's examples spell UNKNOWN correctly there). */
export const UPLOAD_STATE_NAMES: Readonly<Record<number, string>> = nameMap(UploadState);
export const PIECE_STATE_NAMES: Readonly<Record<number, string>> = nameMap(PieceState);

const U = UploadState;
const P = PieceState;

/**
 * multipart_state_transitions.md, plus two this server needs and records in
 * docs/compatibility.md: FAILED → JOIN (restartMultipart re-runs a failed
 * join) and JOIN → JOIN (a join interrupted by a crash is resumed).
 */
const UPLOAD_TRANSITIONS: ReadonlyArray<readonly [UploadState, UploadState]> = [
  [U.NEW, U.ABORT], [U.NEW, U.DELETED], [U.NEW, U.READY], [U.NEW, U.EXPIRED],
  [U.READY, U.ABORT], [U.READY, U.COMPLETE],
  [U.COMPLETE, U.JOIN],
  [U.JOIN, U.FAILED], [U.JOIN, U.SUCCESS],
  [U.SUCCESS, U.DELETED], [U.ABORT, U.DELETED], [U.FAILED, U.DELETED], [U.FAILED, U.EXPIRED],
  [U.FAILED, U.JOIN], [U.JOIN, U.JOIN],
];

/**
 * The piece table of the spec, plus NEW → SKIPPED used for a piece replaced by
 * a later piece of the same number (the spec allows it), and FAILED → JOIN for
 * a restarted join.
 */
const PIECE_TRANSITIONS: ReadonlyArray<readonly [PieceState, PieceState]> = [
  [P.NEW, P.JOIN], [P.NEW, P.ERROR], [P.NEW, P.ABORT], [P.NEW, P.EXPIRED], [P.NEW, P.SKIPPED],
  [P.ABORT, P.SKIPPED], [P.ABORT, P.DELETED], [P.ABORT, P.ERROR],
  [P.SUCCESS, P.SKIPPED], [P.SUCCESS, P.DELETED], [P.SUCCESS, P.ERROR],
  [P.JOIN, P.SUCCESS], [P.JOIN, P.FAILED],
  [P.FAILED, P.ERROR], [P.FAILED, P.EXPIRED], [P.FAILED, P.SKIPPED],
  [P.FAILED, P.JOIN], [P.JOIN, P.JOIN],
];

const uploadAllowed = new Set(UPLOAD_TRANSITIONS.map(([a, b]) => `${a}>${b}`));
const pieceAllowed = new Set(PIECE_TRANSITIONS.map(([a, b]) => `${a}>${b}`));

export function canMoveUpload(from: number, to: UploadState): boolean {
  return uploadAllowed.has(`${from}>${to}`);
}

export function canMovePiece(from: number, to: PieceState): boolean {
  return pieceAllowed.has(`${from}>${to}`);
}

/** The state an upload may move to, or an Internal error naming the forbidden transition. */
export function nextUploadState(from: number, to: UploadState): UploadState {
  if (!canMoveUpload(from, to)) throw new OriginError('Internal', { reason: `multipart upload cannot go from ${UPLOAD_STATE_NAMES[from]} to ${UPLOAD_STATE_NAMES[to]}` });
  return to;
}

/** The state a piece may move to, or an Internal error naming the forbidden transition. */
export function nextPieceState(from: number, to: PieceState): PieceState {
  if (!canMovePiece(from, to)) throw new OriginError('Internal', { reason: `multipart piece cannot go from ${PIECE_STATE_NAMES[from]} to ${PIECE_STATE_NAMES[to]}` });
  return to;
}

/** Piece states from which `to` is allowed. */
export function pieceStatesBefore(to: PieceState): PieceState[] {
  return PIECE_TRANSITIONS.filter(([, b]) => b === to).map(([a]) => a);
}

/** Why an upload in `state` cannot take pieces or be completed. */
export function closedKind(state: number): 'MultipartAborted' | 'MultipartClosed' {
  return state === U.ABORT ? 'MultipartAborted' : 'MultipartClosed';
}

export function isOpen(state: number): boolean {
  return state === U.NEW || state === U.READY;
}

function nameMap(states: Record<string, number>): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [name, code] of Object.entries(states)) out[code] = name;
  return out;
}
