/**
 * Multipart uploads (uploading_files_multipart.md and its two interface
 * pages): create, pieces, complete, abort, restart, status and listings.
 * Every state change goes through domain/multipart-state.ts. Pieces are
 * blobs of their own; the join (multipart-join.ts) runs in the background
 * after completeMultipart and publishes the file like any upload.
 */
import { isValidMtime } from '../domain/times.js';
import { createHash } from 'node:crypto';
import { canonicalContentType, contentTypeByName } from '../domain/content-types.js';
import { OriginError, outcomeUnknown } from '../domain/errors.js';
import type { Caller, MultipartRecord, PieceRecord } from '../domain/model.js';
import { closedKind, isOpen, nextPieceState, nextUploadState, PieceState, UploadState } from '../domain/multipart-state.js';
import { baseName, checkName, isWithin, parseCallerPath, underRoot } from '../domain/paths.js';
import type { MetadataOps } from '../ports/metadata-store.js';
import { nowSeconds, type ServiceDeps } from './deps.js';
import type { GarbageCollector } from './garbage.js';
import type { MultipartJoiner } from './multipart-join.js';

export interface CreateMultipartInput {
  /** Caller path of the destination file. */
  readonly path: string;
  /** Empty or undefined: derived from the path's extension. */
  readonly contentType?: string | undefined;
  /** Seconds; 0 means the creation time. */
  readonly mtime?: number | undefined;
}

export interface PieceInput {
  readonly mpid: string;
  readonly number: number;
  readonly source: AsyncIterable<Buffer>;
  /** Content-Length, when the client sent one. */
  readonly declaredBytes?: number | undefined;
  readonly expectedSha256?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** All pieces at most: the spec's limit is 1,000 per upload. */
const ALL_PIECES = 1_000_000;

export class Multipart {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly garbage: GarbageCollector,
    private readonly joiner: MultipartJoiner,
  ) {}

  async create(caller: Caller, input: CreateMultipartInput): Promise<MultipartRecord> {
    const path = underRoot(caller.session.root, parseCallerPath(input.path));
    if (path === caller.session.root) throw new OriginError('InvalidPath', { reason: 'the destination must be a file name' });
    checkName(baseName(path));
    const mtime = input.mtime ?? 0;
    if (!isValidMtime(mtime)) throw new OriginError('InvalidMtime');
    let contentType: string | null = null;
    if (input.contentType) {
      contentType = canonicalContentType(input.contentType) ?? null;
      if (!contentType) throw new OriginError('InvalidContentType', { reason: `${input.contentType} is not a supported content type` });
    }
    const parent = await this.deps.metadata.getNodeByPath(path.slice(0, path.lastIndexOf('/')) || '/');
    if (parent?.kind !== 'dir') throw new OriginError('ParentMissing');
    const upload: MultipartRecord = {
      mpid: this.deps.ids.hex(),
      userId: caller.user.id,
      uid: caller.user.uid,
      gid: caller.user.gid,
      path,
      contentType,
      mtime,
      created: nowSeconds(this.deps),
      state: UploadState.NEW,
      error: 0,
      numPieces: 0,
    };
    await this.deps.metadata.transaction(async (tx) => {
      const open = await tx.countMultiparts(caller.user.id, [UploadState.NEW, UploadState.READY]);
      if (open >= this.deps.limits.maxOpenMultipartsPerUser) throw new OriginError('TooManyMultiparts');
      await tx.createMultipart(upload);
    });
    return upload;
  }

  /** The upload, if it exists, belongs to the caller and lies inside its root (anything else is UnknownMultipart, -2). */
  async get(caller: Caller, mpid: string, tx: MetadataOps = this.deps.metadata): Promise<MultipartRecord> {
    const upload = /^[0-9a-f]{32}$/.test(mpid) ? await tx.getMultipart(mpid) : undefined;
    if (!upload || upload.userId !== caller.user.id) throw new OriginError('UnknownMultipart');
    // A token rooted at a sub-directory sees only the uploads whose destination is inside it.
    if (!isWithin(caller.session.root, upload.path)) throw new OriginError('UnknownMultipart');
    return upload;
  }

  /** The content type getMultipartStatus shows: the one given, or the one the path's extension implies. */
  displayedContentType(upload: MultipartRecord): string | undefined {
    return upload.contentType ?? contentTypeByName(baseName(upload.path));
  }

  async status(caller: Caller, mpid: string): Promise<{ upload: MultipartRecord; numPieces: number }> {
    const upload = await this.get(caller, mpid);
    const pieces = await this.deps.metadata.listPieces(mpid, 0, ALL_PIECES);
    const live = isOpen(upload.state) ? pieces.filter((p) => p.state === PieceState.NEW).length : upload.numPieces;
    return { upload, numPieces: live };
  }

  async list(caller: Caller, cookie: number, pageSize: number): Promise<{ uploads: MultipartRecord[]; next: number }> {
    checkListArgs(cookie, pageSize);
    const uploads = await this.deps.metadata.listMultiparts(caller.user.id, cookie, pageSize, caller.session.root);
    return { uploads, next: uploads.length === 0 ? 0 : cookie + uploads.length };
  }

  async listPieces(caller: Caller, mpid: string, cookie: number, pageSize: number): Promise<{ pieces: PieceRecord[]; next: number }> {
    await this.get(caller, mpid);
    checkListArgs(cookie, pageSize);
    const pieces = await this.deps.metadata.listPieces(mpid, cookie, pageSize);
    return { pieces, next: pieces.length === 0 ? 0 : cookie + pieces.length };
  }

  /** Checks that can refuse a piece before any byte of it is read. */
  async checkPiece(caller: Caller, mpid: string, number: number, declaredBytes?: number): Promise<void> {
    const upload = await this.get(caller, mpid);
    checkPieceNumber(number, this.deps.limits.maxPiecesPerUpload);
    if (!isOpen(upload.state)) throw new OriginError(closedKind(upload.state));
    if (declaredBytes !== undefined && declaredBytes > this.deps.limits.maxPieceBytes) throw new OriginError('PieceTooLarge');
  }

  async addPiece(caller: Caller, input: PieceInput): Promise<PieceRecord> {
    await this.checkPiece(caller, input.mpid, input.number, input.declaredBytes);
    const received = await this.receivePiece(input);
    try {
      if (input.declaredBytes !== undefined && received.sizeBytes !== input.declaredBytes) throw new OriginError('LengthMismatch');
      if (input.expectedSha256 !== undefined && input.expectedSha256 !== received.sha256) throw new OriginError('ChecksumMismatch');
      return await this.deps.metadata.transaction((tx) => this.recordPiece(tx, caller, input, received));
    } catch (err) {
      // A commit whose outcome is unknown may have recorded the piece: keep its blob.
      if (!outcomeUnknown(err)) await this.deps.blobs.delete(received.blobId).catch(() => undefined);
      throw err;
    }
  }

  private async receivePiece(input: PieceInput): Promise<{ blobId: string; sizeBytes: number; sha256: string }> {
    const hash = createHash('sha256');
    const limit = this.deps.limits.maxPieceBytes;
    let total = 0;
    async function* hashed(): AsyncGenerator<Buffer> {
      for await (const chunk of input.source) {
        total += chunk.length;
        if (total > limit) throw new OriginError('PieceTooLarge');
        hash.update(chunk);
        yield chunk;
      }
    }
    const written = await this.deps.blobs.write(hashed(), input.signal ? { signal: input.signal } : {});
    return { ...written, sha256: hash.digest('hex') };
  }

  /** A duplicate number replaces the earlier piece, which stays listed as SKIPPED. */
  private async recordPiece(tx: MetadataOps, caller: Caller, input: PieceInput, received: { blobId: string; sizeBytes: number; sha256: string }): Promise<PieceRecord> {
    const upload = await this.get(caller, input.mpid, tx);
    if (!isOpen(upload.state)) throw new OriginError(closedKind(upload.state));
    const pieces = await tx.listPieces(upload.mpid, 0, ALL_PIECES);
    const live = pieces.filter((p) => p.state === PieceState.NEW);
    const replaced = live.filter((p) => p.number === input.number);
    const liveBytes = live.reduce((sum, p) => sum + (p.number === input.number ? 0 : p.sizeBytes), 0);
    if (liveBytes + received.sizeBytes > this.deps.limits.maxMultipartBytes) throw new OriginError('MultipartTooLarge');
    for (const old of replaced) {
      await tx.updatePiece(old.mpid, old.seq, { state: nextPieceState(old.state, PieceState.SKIPPED), blobId: null });
      if (old.blobId) await tx.addGarbageBlob(old.blobId);
    }
    if (upload.state === UploadState.NEW) await tx.updateMultipart(upload.mpid, { state: nextUploadState(upload.state, UploadState.READY) });
    return tx.addPiece({
      mpid: upload.mpid, number: input.number, sizeBytes: received.sizeBytes, sha256: received.sha256,
      state: PieceState.NEW, error: 0, blobId: received.blobId, created: nowSeconds(this.deps),
    });
  }

  /** READY → COMPLETE; the join then runs in the background. Returns the number of pieces. */
  async complete(caller: Caller, mpid: string): Promise<number> {
    const numPieces = await this.deps.metadata.transaction(async (tx) => {
      const upload = await this.get(caller, mpid, tx);
      if (upload.state === UploadState.NEW) throw new OriginError('NoPieces');
      if (upload.state !== UploadState.READY) throw new OriginError(closedKind(upload.state));
      const numbers = (await tx.listPieces(mpid, 0, ALL_PIECES)).filter((p) => p.state === PieceState.NEW).map((p) => p.number).sort((a, b) => a - b);
      if (numbers.length === 0) throw new OriginError('NoPieces');
      if (numbers.some((n, i) => n !== i + 1)) throw new OriginError('PiecesNotContiguous');
      await tx.updateMultipart(mpid, { state: nextUploadState(upload.state, UploadState.COMPLETE), numPieces: numbers.length });
      return numbers.length;
    });
    this.joiner.start(mpid);
    return numPieces;
  }

  async abort(caller: Caller, mpid: string): Promise<void> {
    await this.deps.metadata.transaction(async (tx) => {
      const upload = await this.get(caller, mpid, tx);
      if (upload.state === UploadState.ABORT) throw new OriginError('MultipartAborted');
      if (!isOpen(upload.state)) throw new OriginError('NotAbortable');
      // "Aborted multipart uploads and pieces still exist and show up in listings and status checks":
      // numpieces keeps counting the pieces the upload held.
      const held = (await tx.listPieces(mpid, 0, ALL_PIECES)).filter((p) => p.state === PieceState.NEW).length;
      await tx.updateMultipart(mpid, { state: nextUploadState(upload.state, UploadState.ABORT), numPieces: held });
      await this.movePieces(tx, mpid, [PieceState.NEW], PieceState.ABORT);
    });
    this.garbage.kick();
  }

  /** Only a FAILED upload can be restarted: its join runs again. */
  async restart(caller: Caller, mpid: string): Promise<void> {
    const upload = await this.get(caller, mpid);
    if (upload.state !== UploadState.FAILED) throw new OriginError('NotRestartable');
    this.joiner.start(mpid);
  }

  /** Move pieces in `from` states to `to`, releasing their blobs unless they are still to be joined. */
  private async movePieces(tx: MetadataOps, mpid: string, from: number[], to: PieceState): Promise<void> {
    for (const piece of await tx.listPieces(mpid, 0, ALL_PIECES)) {
      if (!from.includes(piece.state)) continue;
      await tx.updatePiece(mpid, piece.seq, { state: nextPieceState(piece.state, to), blobId: null });
      if (piece.blobId) await tx.addGarbageBlob(piece.blobId);
    }
  }

  /**
   * The multipart part of the sweeper: NEW and FAILED uploads older than the
   * expiry age become EXPIRED, aborted ones DELETED, and finished ones DELETED
   * once as old; their pieces follow and their blobs are collected.
   */
  async sweep(): Promise<{ expired: number; deleted: number }> {
    const now = nowSeconds(this.deps);
    // Uploads created at or before now - age (an age of 0 expires everything, which tests use).
    const cutoff = now - this.deps.limits.multipartExpirySeconds + 1;
    let expired = 0;
    let deleted = 0;
    const rules: Array<[number[], number, UploadState, number[], PieceState]> = [
      [[UploadState.NEW, UploadState.FAILED], cutoff, UploadState.EXPIRED, [PieceState.NEW, PieceState.FAILED], PieceState.EXPIRED],
      [[UploadState.ABORT], now + 1, UploadState.DELETED, [PieceState.ABORT], PieceState.DELETED],
      [[UploadState.SUCCESS], cutoff, UploadState.DELETED, [PieceState.SUCCESS], PieceState.DELETED],
    ];
    for (const [states, before, to, pieceFrom, pieceTo] of rules) {
      for (;;) {
        const batch = await this.deps.metadata.multipartsInStates(states, before, 100);
        if (batch.length === 0) break;
        for (const upload of batch) {
          await this.deps.metadata.transaction(async (tx) => {
            const current = await tx.getMultipart(upload.mpid);
            if (!current || !states.includes(current.state)) return;
            await tx.updateMultipart(upload.mpid, { state: nextUploadState(current.state, to) });
            await this.movePieces(tx, upload.mpid, pieceFrom, pieceTo);
          });
          if (to === UploadState.EXPIRED) expired++;
          else deleted++;
        }
      }
    }
    this.garbage.kick();
    return { expired, deleted };
  }
}

function checkListArgs(cookie: number, pageSize: number): void {
  if (!Number.isSafeInteger(cookie) || cookie < 0) throw new OriginError('InvalidCookie');
  if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 10000) throw new OriginError('InvalidPageSize');
}

export function checkPieceNumber(n: number, max: number): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new OriginError('InvalidPieceNumber');
  if (n > max) throw new OriginError('TooManyPieces');
}
