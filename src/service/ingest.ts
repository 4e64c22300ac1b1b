/**
 * Every upload goes through here: the bytes are streamed into a new blob
 * while hashed in the same pass (`receive`), then published by one metadata
 * transaction (`publish`). Readers see the old file or the new one, never a
 * part; a blob that is never published is deleted (`discard`).
 */
import { createHash } from 'node:crypto';
import { OriginError, outcomeUnknown } from '../domain/errors.js';
import type { Caller, NodeRecord } from '../domain/model.js';
import { baseName, checkName, parseCallerPath, underRoot } from '../domain/paths.js';
import { decideContentType, SNIFF_BYTES, type ContentChoice } from './content-sniff.js';
import { nowSeconds, type ServiceDeps } from './deps.js';
import type { GarbageCollector } from './garbage.js';
import { parentForCreate, releaseBlob } from './tree.js';

export interface ReceivedBlob {
  readonly blobId: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  /** The first bytes, for content-type detection. */
  readonly head: Buffer;
}

export interface UploadTarget {
  /** Caller path of the directory ('' or '/' for the root). */
  readonly directory: string;
  readonly basename: string;
  readonly createParents: boolean;
  /** Seconds; 0 or undefined means now. */
  readonly mtime?: number | undefined;
  readonly contentType: ContentChoice;
  /** Hex SHA-256 the client expects (X-Agile-Checksum). */
  readonly expectedSha256?: string | undefined;
}

export interface Published {
  readonly path: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly mime: string;
}

export class Ingest {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly garbage: GarbageCollector,
  ) {}

  /** Where an upload will land, checked before any byte is read so a doomed upload fails early. */
  async plan(caller: Caller, target: UploadTarget): Promise<string> {
    const directory = underRoot(caller.session.root, parseCallerPath(target.directory));
    const path = underRoot(directory, [checkName(target.basename)]);
    parseCallerPath(path);
    const existing = await this.deps.metadata.getNodeByPath(path);
    if (existing?.kind === 'dir') throw new OriginError('IsDirectory', { path });
    if (!target.createParents) {
      const parent = await this.deps.metadata.getNodeByPath(directory);
      if (parent?.kind !== 'dir') throw new OriginError('ParentMissing', { path: directory });
    }
    return path;
  }

  async receive(source: AsyncIterable<Buffer>, signal?: AbortSignal): Promise<ReceivedBlob> {
    const hash = createHash('sha256');
    const head: Buffer[] = [];
    let headBytes = 0;
    let total = 0;
    const limit = this.deps.limits.maxUploadBytes;
    async function* hashed(): AsyncGenerator<Buffer> {
      for await (const chunk of source) {
        total += chunk.length;
        if (total > limit) throw new OriginError('TooLarge', { reason: `the upload is larger than ${limit} bytes` });
        hash.update(chunk);
        if (headBytes < SNIFF_BYTES) {
          head.push(chunk.subarray(0, SNIFF_BYTES - headBytes));
          headBytes += Math.min(chunk.length, SNIFF_BYTES - headBytes);
        }
        yield chunk;
      }
    }
    const written = await this.deps.blobs.write(hashed(), signal ? { signal } : {});
    return { blobId: written.blobId, sizeBytes: written.sizeBytes, sha256: hash.digest('hex'), head: Buffer.concat(head) };
  }

  async discard(blob: ReceivedBlob): Promise<void> {
    await this.deps.blobs.delete(blob.blobId).catch((err: unknown) => {
      this.deps.log.warn({ err, blobId: blob.blobId }, 'could not delete an unpublished blob; fsck will find it');
    });
  }

  /** Publish a received blob at the target; on any failure the blob is discarded. */
  async publish(caller: Caller, blob: ReceivedBlob, target: UploadTarget): Promise<Published> {
    try {
      if (target.expectedSha256 !== undefined && target.expectedSha256.toLowerCase() !== blob.sha256) {
        throw new OriginError('ChecksumMismatch', { expected: target.expectedSha256, actual: blob.sha256 });
      }
      const path = await this.plan(caller, target);
      const mime = await decideContentType(target.contentType, baseName(path), blob.head);
      await this.commit(caller, blob, path, mime, target);
      this.garbage.kick();
      return { path, sizeBytes: blob.sizeBytes, sha256: blob.sha256, mime };
    } catch (err) {
      // A commit whose outcome is unknown may have published the blob: keep it (fsck finds it if not).
      if (outcomeUnknown(err)) this.deps.log.warn({ blobId: blob.blobId }, 'the metadata store went away while publishing; the blob is kept');
      else await this.discard(blob);
      throw err;
    }
  }

  private async commit(caller: Caller, blob: ReceivedBlob, path: string, mime: string, target: UploadTarget): Promise<void> {
    const now = nowSeconds(this.deps);
    const mtime = target.mtime ? target.mtime : now;
    const content = { sizeBytes: blob.sizeBytes, sha256: blob.sha256, mime, blobId: blob.blobId, ctime: now, mtime };
    const owner = { uid: caller.user.uid, gid: caller.user.gid };
    await this.deps.metadata.transaction(async (tx) => {
      const parent = await parentForCreate(tx, path, { createParents: target.createParents, owner, now });
      const existing: NodeRecord | undefined = await tx.getNodeByPath(path);
      if (existing?.kind === 'dir') throw new OriginError('IsDirectory', { path });
      if (existing) {
        // Replacing a file: one UPDATE, so a reader sees the old row or the new one.
        await tx.updateNode(existing.id, { ...content, ...owner });
        await releaseBlob(tx, existing.blobId);
      } else {
        await tx.insertNode({ ...content, ...owner, parentId: parent.id, name: baseName(path), path, kind: 'file' });
      }
      await tx.updateNode(parent.id, { mtime: now });
    });
  }
}
