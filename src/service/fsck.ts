/**
 * fsck: checks a data directory's two stores against each other, offline.
 *   - every file's blob exists with its recorded size and SHA-256;
 *   - every blob is referenced (by a file, a multipart piece, or the
 *     collector's queue); an unreferenced one is what a crash between the
 *     blob's rename and its metadata commit leaves;
 *   - no queued garbage blob is still referenced (the collector would delete it);
 *   - every multipart upload is coherent (fsck-multipart.ts);
 *   - no temporary is left by an interrupted write.
 * Repairs only what is safe: delete unreferenced blobs, queued garbage and
 * temporaries older than `minAgeMs`; unqueue a referenced blob; mark an
 * incoherent upload FAILED. It never deletes a referenced blob and never
 * touches a file whose bytes are lost or damaged (it reports them).
 *
 * Memory: the referenced blob ids are held in maps (about 150 bytes a blob).
 */
import { createHash } from 'node:crypto';
import type { MultipartRecord, PieceRecord } from '../domain/model.js';
import { PieceState, UploadState } from '../domain/multipart-state.js';
import type { BlobStore, StoredBlob } from '../ports/blob-store.js';
import type { Clock } from '../ports/clock.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import { isPendingJoin, multipartProblems } from './fsck-multipart.js';

export type FindingKind =
  | 'missing-blob'
  | 'size-mismatch'
  | 'checksum-mismatch'
  | 'unreferenced-blob'
  | 'queued-blob-referenced'
  | 'incoherent-multipart'
  | 'temporary';

export interface Finding {
  readonly kind: FindingKind;
  /** A file path, a blob id, an mpid or a temporary's name. */
  readonly subject: string;
  readonly detail: string;
  /** Set once --repair has dealt with it. */
  repaired: boolean;
}

export interface FsckOptions {
  readonly repair?: boolean;
  /** Read every blob and compare its SHA-256 (default); false checks sizes only. */
  readonly verifyChecksums?: boolean;
  /** Leftovers younger than this are reported but kept, in case a server is still writing them. */
  readonly minAgeMs?: number;
}

export interface FsckReport {
  readonly files: number;
  readonly blobs: number;
  readonly bytesVerified: number;
  readonly multiparts: number;
  /** Completed uploads whose join the server runs at start-up: not a problem. */
  readonly pendingJoins: number;
  /** Blobs queued for the collector; --repair deletes them now. */
  readonly queuedGarbage: number;
  readonly findings: Finding[];
  /** Findings not repaired; fsck exits non-zero while any remain. */
  readonly problems: number;
}

export interface FsckDeps {
  readonly metadata: MetadataStore;
  readonly blobs: BlobStore;
  readonly clock: Clock;
}

const PAGE = 1000;
/** Code stored with an upload fsck marks FAILED: the multipart pages' "internal error". */
const REPAIRED_UPLOAD_ERROR = -27;

interface Expected {
  readonly sizeBytes: number;
  readonly sha256: string;
  /** What refers to the blob: file paths, or "mpid piece n". */
  readonly owners: string[];
  readonly kind: 'file' | 'piece';
}

export class Fsck {
  constructor(private readonly deps: FsckDeps) {}

  async run(options: FsckOptions = {}): Promise<FsckReport> {
    const verify = options.verifyChecksums ?? true;
    const minAgeMs = options.minAgeMs ?? 0;
    const findings: Finding[] = [];
    const found = (kind: FindingKind, subject: string, detail: string): Finding => {
      const f: Finding = { kind, subject, detail, repaired: false };
      findings.push(f);
      return f;
    };
    const expected = new Map<string, Expected>();
    const files = await this.collectFiles(expected, found);
    const uploads = await this.collectPieces(expected);
    const queued = await this.collectQueued();

    // Every stored blob against what refers to it.
    const present = new Map<string, string | undefined>();
    const cutoff = this.deps.clock.nowMs() - minAgeMs;
    let blobs = 0;
    let bytesVerified = 0;
    for await (const blob of this.deps.blobs.listBlobs()) {
      blobs++;
      const want = expected.get(blob.blobId);
      if (!want) {
        if (queued.has(blob.blobId)) continue;
        const f = found('unreferenced-blob', blob.blobId, `${blob.sizeBytes} bytes that no file, piece or queue refers to`);
        if (options.repair && blob.modifiedMs <= cutoff) f.repaired = await this.deleteBlob(blob.blobId);
        continue;
      }
      const wrong = await this.verifyBlob(blob, want, verify);
      if (verify) bytesVerified += blob.sizeBytes;
      present.set(blob.blobId, wrong);
      if (wrong && want.kind === 'file') for (const path of want.owners) found(wrong.startsWith('size') ? 'size-mismatch' : 'checksum-mismatch', path, wrong);
    }
    for (const [blobId, want] of expected) {
      if (want.kind === 'file' && !present.has(blobId)) for (const path of want.owners) found('missing-blob', path, `blob ${blobId} does not exist`);
    }

    let queuedGarbage = queued.size;
    for (const blobId of queued) {
      if (!expected.has(blobId)) continue;
      const f = found('queued-blob-referenced', blobId, `queued for deletion, but ${expected.get(blobId)!.owners.join(', ')} still refers to it`);
      if (options.repair) f.repaired = await this.unqueue(blobId);
      if (f.repaired) queuedGarbage--;
    }
    if (options.repair) queuedGarbage -= await this.drainQueue(expected);

    const pieceBlobProblem = (p: PieceRecord): string | undefined => {
      if (p.blobId === null) return 'holds no blob';
      if (!present.has(p.blobId)) return `blob ${p.blobId} does not exist`;
      return present.get(p.blobId);
    };
    let pendingJoins = 0;
    for (const { upload, pieces } of uploads) {
      if (isPendingJoin(upload)) pendingJoins++;
      const problems = multipartProblems(upload, pieces, pieceBlobProblem);
      if (problems.length === 0) continue;
      const f = found('incoherent-multipart', upload.mpid, `${upload.path}: ${problems.join('; ')}`);
      if (options.repair) f.repaired = await this.markFailed(upload, pieceBlobProblem);
    }

    for await (const temp of this.deps.blobs.listTemporaries()) {
      found('temporary', temp.blobId, `${temp.sizeBytes} bytes left by an interrupted write`).repaired = options.repair === true && temp.modifiedMs <= cutoff;
    }
    if (options.repair) await this.deps.blobs.sweepTemporaries(minAgeMs);

    return {
      files, blobs, bytesVerified, multiparts: uploads.length, pendingJoins, queuedGarbage, findings,
      problems: findings.filter((f) => !f.repaired).length,
    };
  }

  private async collectFiles(expected: Map<string, Expected>, found: (kind: FindingKind, subject: string, detail: string) => Finding): Promise<number> {
    let files = 0;
    for (let after = 0; ;) {
      const page = await this.deps.metadata.scanFiles(after, PAGE);
      if (page.length === 0) return files;
      for (const node of page) {
        files++;
        if (node.blobId === null) {
          found('missing-blob', node.path, 'the file refers to no blob');
          continue;
        }
        const want = expected.get(node.blobId);
        // Copies share a blob; they must agree on what it holds.
        if (want && (want.sizeBytes !== node.sizeBytes || want.sha256 !== node.sha256)) {
          found('checksum-mismatch', node.path, `shares blob ${node.blobId} with ${want.owners[0]} but records other contents`);
        } else if (want) want.owners.push(node.path);
        else expected.set(node.blobId, { sizeBytes: node.sizeBytes, sha256: node.sha256, owners: [node.path], kind: 'file' });
      }
      after = page[page.length - 1]!.id;
    }
  }

  private async collectPieces(expected: Map<string, Expected>): Promise<{ upload: MultipartRecord; pieces: PieceRecord[] }[]> {
    const uploads: { upload: MultipartRecord; pieces: PieceRecord[] }[] = [];
    for (let after = ''; ;) {
      const page = await this.deps.metadata.scanMultiparts(after, PAGE);
      if (page.length === 0) return uploads;
      for (const upload of page) {
        const pieces = await this.deps.metadata.listPieces(upload.mpid, 0, 1_000_000);
        uploads.push({ upload, pieces });
        for (const p of pieces) {
          if (p.blobId !== null) expected.set(p.blobId, { sizeBytes: p.sizeBytes, sha256: p.sha256, owners: [`${upload.mpid} piece ${p.number}`], kind: 'piece' });
        }
      }
      after = page[page.length - 1]!.mpid;
    }
  }

  private async collectQueued(): Promise<Set<string>> {
    const queued = new Set<string>();
    for (let after = ''; ;) {
      const page = await this.deps.metadata.scanGarbageBlobs(after, PAGE);
      if (page.length === 0) return queued;
      for (const id of page) queued.add(id);
      after = page[page.length - 1]!;
    }
  }

  /** What is wrong with a referenced blob's bytes, or undefined. */
  private async verifyBlob(blob: StoredBlob, want: Expected, verify: boolean): Promise<string | undefined> {
    if (blob.sizeBytes !== want.sizeBytes) return `size ${blob.sizeBytes} bytes, recorded ${want.sizeBytes}`;
    if (!verify) return undefined;
    const stream = await this.deps.blobs.read(blob.blobId);
    if (!stream) return `blob ${blob.blobId} vanished while being checked`;
    const hash = createHash('sha256');
    for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk);
    const actual = hash.digest('hex');
    return actual === want.sha256 ? undefined : `SHA-256 ${actual}, recorded ${want.sha256}`;
  }

  private async deleteBlob(blobId: string): Promise<boolean> {
    // Re-checked at the last moment: should a server be running despite the advice, a file may refer to it by now.
    const stillFree = await this.deps.metadata.transaction(async (tx) => (await tx.countBlobReferences(blobId)) === 0);
    if (!stillFree) return false;
    await this.deps.blobs.delete(blobId);
    return true;
  }

  private async unqueue(blobId: string): Promise<boolean> {
    await this.deps.metadata.forgetGarbageBlobs([blobId]);
    return true;
  }

  /** Delete what the collector would; returns how many queue entries are gone. */
  private async drainQueue(referenced: Map<string, Expected>): Promise<number> {
    let drained = 0;
    for (;;) {
      const batch = (await this.deps.metadata.takeGarbageBlobs(64)).filter((id) => !referenced.has(id));
      if (batch.length === 0) return drained;
      for (const id of batch) await this.deps.blobs.delete(id);
      await this.deps.metadata.forgetGarbageBlobs(batch);
      drained += batch.length;
    }
  }

  /**
   * FAILED, rather than a guess at what the upload meant: restartMultipart
   * can retry the join, and the sweeper expires it after the expiry age.
   * Pieces that still have sound bytes become FAILED with them; a piece
   * whose bytes are lost or damaged gives them up, so a retried join fails
   * with "piece missing" instead of publishing a wrong file. This is the one
   * place that moves states outside domain/multipart-state.ts's tables: it
   * repairs a store the tables' transitions did not produce.
   */
  private async markFailed(upload: MultipartRecord, blobProblem: (p: PieceRecord) => string | undefined): Promise<boolean> {
    await this.deps.metadata.transaction(async (tx) => {
      await tx.updateMultipart(upload.mpid, { state: UploadState.FAILED, error: REPAIRED_UPLOAD_ERROR });
      for (const p of await tx.listPieces(upload.mpid, 0, 1_000_000)) {
        const keep = p.state !== PieceState.SKIPPED && p.blobId !== null && blobProblem(p) === undefined;
        if (p.state === PieceState.SKIPPED && p.blobId === null) continue;
        await tx.updatePiece(upload.mpid, p.seq, { state: p.state === PieceState.SKIPPED ? PieceState.SKIPPED : PieceState.FAILED, blobId: keep ? p.blobId : null });
        if (!keep && p.blobId !== null) await tx.addGarbageBlob(p.blobId);
      }
    });
    return true;
  }
}
