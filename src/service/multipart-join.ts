/**
 * The join: COMPLETE → JOIN → SUCCESS (or FAILED), in the background. The
 * pieces are joined in number order into one new blob by the blob store
 * (on a disk the data is read once and written once; an object store copies
 * large pieces inside itself), hashed as they are read, and the file is published
 * by one metadata transaction like any upload. Until then neither the file
 * nor the pieces are visible. A join interrupted by a crash is found in
 * JOIN state at start-up and run again from the pieces, which are kept until
 * the file is published.
 */
import { createHash } from 'node:crypto';
import { isOriginError, outcomeUnknown } from '../domain/errors.js';
import type { MultipartRecord, PieceRecord } from '../domain/model.js';
import { nextPieceState, nextUploadState, PieceState, UploadState } from '../domain/multipart-state.js';
import { baseName } from '../domain/paths.js';
import { decideContentType, SNIFF_BYTES } from './content-sniff.js';
import { nowSeconds, type ServiceDeps } from './deps.js';
import type { GarbageCollector } from './garbage.js';
import { parentForCreate, releaseBlob } from './tree.js';
import type { BlobSource } from '../ports/blob-store.js';

/**
 * A join holds the lease `join:<mpid>` while it runs, renewed as it goes, so
 * that another server sharing the store (recovering what looks like an
 * interrupted join) leaves it alone. Recovery that finds the lease held
 * looks again once it could have lapsed: if its holder died, the join runs
 * here from the pieces. The state checks in claim and publish keep a join
 * published once even if a lease ever lapsed while its holder was alive.
 */
const JOIN_LEASE_MS = 15_000;
const JOIN_LEASE_RENEW_MS = 5_000;

/** FAILED uploads carry the code that explains them in `error`. */
const JOIN_ERROR = { pieceMissing: -7, parentMissing: -23, isDirectory: -2, internal: -27 } as const;

/** Joins that met an unreachable blob store wait this long, doubling up to the maximum, and run again. */
const RETRY_FIRST_MS = 2_000;
const RETRY_MAX_MS = 60_000;

export class MultipartJoiner {
  private readonly running = new Map<string, Promise<void>>();
  /** Recovered joins another server held, to look at again. */
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private closed = false;
  /** Joins waiting for the blob store to come back: they stay in JOIN state, so a restart resumes them too. */
  private readonly waiting = new Map<string, { timer: NodeJS.Timeout; attempt: number }>();
  joinedTotal = 0;
  failedTotal = 0;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly garbage: GarbageCollector,
    /** This server, as a lease holder. */
    private readonly holder: string = 'local',
  ) {}

  /** Run the join of `mpid` unless it is already running here. */
  start(mpid: string, attempt = 0): Promise<void> {
    const existing = this.running.get(mpid);
    if (existing) return existing;
    const waiting = this.waiting.get(mpid);
    if (waiting) clearTimeout(waiting.timer);
    this.waiting.delete(mpid);
    const job = this.joinUnderLease(mpid, attempt)
      .catch((err: unknown) => this.deps.log.error({ err, mpid }, 'multipart join failed unexpectedly'))
      .finally(() => this.running.delete(mpid));
    this.running.set(mpid, job);
    return job;
  }

  /** No more retries of held joins (shutdown); joins in flight go on, see idle(). */
  close(): void {
    this.closed = true;
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    this.stopRetries();
  }

  /** Wait for every join in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  /** Run the joins waiting for the blob store now rather than at their next retry. */
  retryNow(): Promise<void[]> {
    return Promise.all([...this.waiting].map(([mpid, w]) => this.start(mpid, w.attempt)));
  }

  /** Drop the pending retries (shutdown); the uploads stay in JOIN state and resume at the next start-up. */
  stopRetries(): void {
    for (const { timer } of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
  }

  /** After a restart: joins that were completed or interrupted are run again. */
  async recover(): Promise<number> {
    const pending = await this.deps.metadata.multipartsInStates([UploadState.COMPLETE, UploadState.JOIN], Number.MAX_SAFE_INTEGER, 10_000);
    for (const upload of pending) void this.start(upload.mpid);
    return pending.length;
  }

  private async joinUnderLease(mpid: string, attempt: number): Promise<void> {
    const lease = `join:${mpid}`;
    if (!(await this.deps.metadata.acquireLease(lease, this.holder, JOIN_LEASE_MS))) {
      const upload = await this.deps.metadata.getMultipart(mpid);
      if (upload && (upload.state === UploadState.COMPLETE || upload.state === UploadState.JOIN)) this.retryLater(mpid);
      return;
    }
    const renew = setInterval(() => {
      this.deps.metadata.acquireLease(lease, this.holder, JOIN_LEASE_MS).then(
        (held) => { if (!held) this.deps.log.warn({ mpid }, 'the lease of a running multipart join went to another server'); },
        (err: unknown) => this.deps.log.warn({ err, mpid }, 'could not renew the lease of a multipart join'),
      );
    }, JOIN_LEASE_RENEW_MS);
    renew.unref();
    try {
      await this.join(mpid, attempt);
    } finally {
      clearInterval(renew);
      await this.deps.metadata.releaseLease(lease, this.holder).catch(() => undefined);
    }
  }

  private retryLater(mpid: string): void {
    if (this.closed || this.retries.has(mpid)) return;
    const timer = setTimeout(() => {
      this.retries.delete(mpid);
      void this.start(mpid);
    }, JOIN_LEASE_MS);
    timer.unref();
    this.retries.set(mpid, timer);
  }

  private async join(mpid: string, attempt: number): Promise<void> {
    const claimed = await this.claim(mpid);
    if (!claimed) return;
    const { upload, pieces } = claimed;
    let blobId: string | undefined;
    try {
      // completeMultipart checked this; a FAILED upload that fsck --repair left with a gap must not join into a wrong file.
      if (pieces.some((p, i) => p.number !== i + 1)) throw new JoinFailure(JOIN_ERROR.pieceMissing, 'the pieces are not 1..n');
      const hash = createHash('sha256');
      const head: Buffer[] = [];
      let headBytes = 0;
      const observe = (chunk: Buffer): void => {
        hash.update(chunk);
        if (headBytes < SNIFF_BYTES) {
          head.push(chunk.subarray(0, SNIFF_BYTES - headBytes));
          headBytes += Math.min(chunk.length, SNIFF_BYTES - headBytes);
        }
      };
      const sources = pieces.map((p) => (p.blobId ? { blobId: p.blobId, sizeBytes: p.sizeBytes } : undefined));
      if (sources.some((s) => s === undefined)) throw new JoinFailure(JOIN_ERROR.pieceMissing, 'a piece has no bytes');
      // The store may compose the pieces without the bytes passing through here; they are still read once, for the hash.
      const written = await this.deps.blobs.concat(sources as BlobSource[], observe);
      if (!written) throw new JoinFailure(JOIN_ERROR.pieceMissing, 'a piece is missing');
      blobId = written.blobId;
      const mime = await decideContentType({ explicit: upload.contentType ?? undefined, detect: 'name' }, baseName(upload.path), Buffer.concat(head));
      await this.publish(upload, pieces, { blobId, sizeBytes: written.sizeBytes, sha256: hash.digest('hex'), mime });
      this.joinedTotal++;
      this.deps.log.info({ mpid, path: upload.path, pieces: pieces.length, sizeBytes: written.sizeBytes }, 'multipart join done');
    } catch (err) {
      // Unless the publishing commit may have gone through: then the file may already be that blob.
      if (blobId && !outcomeUnknown(err)) await this.deps.blobs.delete(blobId).catch(() => undefined);
      if (isOriginError(err) && err.kind === 'Unavailable') {
        // Nothing is wrong with the upload: it stays in JOIN and is joined again once the stores answer.
        this.waitForStore(mpid, attempt);
        return;
      }
      const code = err instanceof JoinFailure ? err.code : joinCodeOf(err);
      if (!(err instanceof JoinFailure) && !isOriginError(err)) this.deps.log.error({ err, mpid }, 'multipart join failed');
      await this.fail(mpid, code);
    }
    this.garbage.kick();
  }

  private waitForStore(mpid: string, attempt: number): void {
    if (this.closed) return;
    const delayMs = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** attempt);
    this.deps.log.warn({ mpid, retryInMs: delayMs }, 'multipart join waits for the blob store');
    const timer = setTimeout(() => void this.start(mpid, attempt + 1), delayMs);
    timer.unref();
    this.waiting.set(mpid, { timer, attempt: attempt + 1 });
  }

  /** COMPLETE, FAILED (restart) or JOIN (recovery) → JOIN, with the pieces to join in number order. */
  private async claim(mpid: string): Promise<{ upload: MultipartRecord; pieces: PieceRecord[] } | undefined> {
    return this.deps.metadata.transaction(async (tx) => {
      const upload = await tx.getMultipart(mpid);
      if (!upload || ![UploadState.COMPLETE, UploadState.FAILED, UploadState.JOIN].includes(upload.state as never)) return undefined;
      await tx.updateMultipart(mpid, { state: nextUploadState(upload.state, UploadState.JOIN), error: 0 });
      const pieces = (await tx.listPieces(mpid, 0, 1_000_000))
        .filter((p) => p.state === PieceState.NEW || p.state === PieceState.FAILED || p.state === PieceState.JOIN)
        .sort((a, b) => a.number - b.number);
      for (const p of pieces) await tx.updatePiece(mpid, p.seq, { state: nextPieceState(p.state, PieceState.JOIN) });
      return { upload, pieces };
    });
  }

  private async publish(
    upload: MultipartRecord,
    pieces: PieceRecord[],
    file: { blobId: string; sizeBytes: number; sha256: string; mime: string },
  ): Promise<void> {
    const now = nowSeconds(this.deps);
    const owner = { uid: upload.uid, gid: upload.gid };
    await this.deps.metadata.transaction(async (tx) => {
      const current = await tx.getMultipart(upload.mpid);
      if (current?.state !== UploadState.JOIN) throw new JoinFailure(JOIN_ERROR.internal, 'the upload left JOIN state');
      const parent = await parentForCreate(tx, upload.path, { createParents: false, owner, now }).catch(() => {
        throw new JoinFailure(JOIN_ERROR.parentMissing, 'the destination directory no longer exists');
      });
      const existing = await tx.getNodeByPath(upload.path);
      if (existing?.kind === 'dir') throw new JoinFailure(JOIN_ERROR.isDirectory, 'a directory holds the destination name');
      const content = { sizeBytes: file.sizeBytes, sha256: file.sha256, mime: file.mime, blobId: file.blobId, ctime: now, mtime: upload.mtime || upload.created, ...owner };
      if (existing) {
        await tx.updateNode(existing.id, content);
        await releaseBlob(tx, existing.blobId);
      } else {
        await tx.insertNode({ ...content, parentId: parent.id, name: baseName(upload.path), path: upload.path, kind: 'file' });
      }
      await tx.updateNode(parent.id, { mtime: now });
      await tx.updateMultipart(upload.mpid, { state: nextUploadState(UploadState.JOIN, UploadState.SUCCESS) });
      for (const p of pieces) {
        await tx.updatePiece(upload.mpid, p.seq, { state: nextPieceState(PieceState.JOIN, PieceState.SUCCESS), blobId: null });
        if (p.blobId) await tx.addGarbageBlob(p.blobId);
      }
    });
  }

  private async fail(mpid: string, code: number): Promise<void> {
    this.failedTotal++;
    await this.deps.metadata.transaction(async (tx) => {
      const upload = await tx.getMultipart(mpid);
      if (upload?.state !== UploadState.JOIN) return;
      await tx.updateMultipart(mpid, { state: nextUploadState(UploadState.JOIN, UploadState.FAILED), error: code });
      for (const p of await tx.listPieces(mpid, 0, 1_000_000)) {
        if (p.state === PieceState.JOIN) await tx.updatePiece(mpid, p.seq, { state: nextPieceState(p.state, PieceState.FAILED) });
      }
    }).catch((err: unknown) => this.deps.log.error({ err, mpid }, 'could not mark a multipart upload FAILED'));
  }
}

class JoinFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function joinCodeOf(err: unknown): number {
  if (isOriginError(err) && err.kind === 'DiskFull') return -22;
  return JOIN_ERROR.internal;
}
