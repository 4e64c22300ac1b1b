/**
 * What a coherent multipart upload looks like at rest, for fsck: which piece
 * states each upload state allows, which pieces must still hold their bytes,
 * and which piece numbers the join will read. Every rule follows from the
 * transitions in domain/multipart-state.ts and the transactions of
 * multipart.ts and multipart-join.ts, each of which moves an upload and its
 * pieces together, so a crash can never leave anything these rules refuse.
 */
import type { MultipartRecord, PieceRecord } from '../domain/model.js';
import { PIECE_STATE_NAMES, PieceState, UPLOAD_STATE_NAMES, UploadState } from '../domain/multipart-state.js';

const U = UploadState;
const P = PieceState;

/** Piece states an upload in each state may list. SKIPPED pieces (replaced by a later one) may appear anywhere. */
const PIECE_STATES_OF: Readonly<Record<number, readonly number[]>> = {
  [U.NEW]: [],
  [U.READY]: [P.NEW, P.SKIPPED],
  [U.COMPLETE]: [P.NEW, P.SKIPPED],
  [U.JOIN]: [P.JOIN, P.SKIPPED],
  [U.SUCCESS]: [P.SUCCESS, P.SKIPPED],
  [U.FAILED]: [P.FAILED, P.SKIPPED],
  [U.ABORT]: [P.ABORT, P.SKIPPED],
  [U.EXPIRED]: [P.EXPIRED, P.SKIPPED],
  [U.DELETED]: [P.DELETED, P.SKIPPED],
};

/** Pieces that the join will still read keep their blob; every other piece has handed it to the collector. */
export function pieceHoldsBytes(state: number): boolean {
  return state === P.NEW || state === P.JOIN || state === P.FAILED;
}

/**
 * A FAILED piece may have given up its bytes: fsck --repair drops a piece
 * blob that is lost or damaged, so that restartMultipart fails with "piece
 * missing" instead of joining a wrong file.
 */
function pieceMayLackBytes(state: number): boolean {
  return state === P.FAILED;
}

/** Uploads whose join a restarted server runs (or has yet to run): their pieces must be exactly 1..n. */
function joinsPieces(state: number): boolean {
  return state === U.COMPLETE || state === U.JOIN;
}

/**
 * Why an upload is incoherent, one reason a line; empty when it is coherent.
 * `blobProblem(piece)` says what is wrong with the bytes of a piece that must
 * hold them (missing, wrong size, wrong checksum), or undefined.
 */
export function multipartProblems(upload: MultipartRecord, pieces: readonly PieceRecord[], blobProblem: (piece: PieceRecord) => string | undefined): string[] {
  const allowed = PIECE_STATES_OF[upload.state];
  if (allowed === undefined) return [`the upload is in state ${upload.state} (${UPLOAD_STATE_NAMES[upload.state] ?? 'not a state code'}), which no upload reaches`];
  const problems: string[] = [];
  const stateName = UPLOAD_STATE_NAMES[upload.state];
  for (const p of pieces) {
    const name = PIECE_STATE_NAMES[p.state] ?? `code ${p.state}`;
    if (!allowed.includes(p.state)) problems.push(`piece ${p.number} (seq ${p.seq}) is ${name} in a ${stateName} upload`);
    else if (pieceHoldsBytes(p.state)) {
      const wrong = p.blobId === null && pieceMayLackBytes(p.state) ? undefined : blobProblem(p);
      if (wrong) problems.push(`piece ${p.number} (seq ${p.seq}): ${wrong}`);
    } else if (p.blobId !== null) problems.push(`piece ${p.number} (seq ${p.seq}) is ${name} but still holds blob ${p.blobId}`);
  }
  const live = pieces.filter((p) => pieceHoldsBytes(p.state) && allowed.includes(p.state)).map((p) => p.number).sort((a, b) => a - b);
  if (upload.state === U.READY && live.length === 0) problems.push('a READY upload holds no piece');
  if (new Set(live).size !== live.length) problems.push(`two live pieces share a number (${live.join(', ')})`);
  if (joinsPieces(upload.state)) {
    if (live.some((n, i) => n !== i + 1)) problems.push(`the pieces to join are not 1..${live.length} (${live.join(', ')})`);
    if (live.length !== upload.numPieces) problems.push(`${live.length} pieces to join, but the upload counts ${upload.numPieces}`);
  }
  return problems;
}

export function isPendingJoin(upload: MultipartRecord): boolean {
  return upload.state === U.COMPLETE || upload.state === U.JOIN;
}
