/**
 * Reading stored files for GET and HEAD /{account}/{path}. Egress is public
 * (an origin behind a CDN); it sees whole accounts, not a token's root.
 */
import type { Readable } from 'node:stream';
import type { NodeRecord } from '../domain/model.js';
import { parseCallerPath, underRoot } from '../domain/paths.js';
import type { ByteRange } from '../ports/blob-store.js';
import type { ServiceDeps } from './deps.js';
import { SmallBlobCache } from './small-blob-cache.js';

/**
 * Files up to this size are answered from memory once read: for small files
 * the open, read and close cost more than the answer itself. 32 MiB of them
 * at most, a bounded share of the server's memory.
 */
const SMALL_FILE_BYTES = 64 * 1024;
const SMALL_FILE_CACHE_BYTES = 32 * 1024 * 1024;

/** What egress sends: a small file's bytes, or a stream of a larger one. */
export type EgressBody = Buffer | Readable;

export class Egress {
  private readonly accountCache = new Map<string, number>();
  private readonly smallFiles = new SmallBlobCache(SMALL_FILE_BYTES, SMALL_FILE_CACHE_BYTES);

  constructor(private readonly deps: ServiceDeps) {}

  /** Is `name` an account? Cached briefly: egress asks on every request. */
  async isAccount(name: string): Promise<boolean> {
    const seen = this.accountCache.get(name);
    const now = this.deps.clock.nowMs();
    if (seen !== undefined && now - seen < 10_000) return true;
    const found = (await this.deps.metadata.getAccount(name)) !== undefined;
    if (found) this.accountCache.set(name, now);
    return found;
  }

  /** The file at /{account}/{segments}, or undefined (missing, a directory or an invalid path). */
  async findFile(account: string, relativePath: string): Promise<NodeRecord | undefined> {
    let segments: string[];
    try {
      segments = parseCallerPath(relativePath);
    } catch {
      return undefined;
    }
    const node = await this.deps.metadata.getNodeByPath(underRoot(`/${account}`, segments));
    return node?.kind === 'file' ? node : undefined;
  }

  /**
   * Open the bytes of `node`. If the file was replaced and its old blob
   * collected between the lookup and the open, the current version is served.
   */
  async open(node: NodeRecord, range?: ByteRange): Promise<{ node: NodeRecord; body: EgressBody }> {
    const first = await this.body(node, range);
    if (first) return { node, body: first };
    const current = await this.deps.metadata.getNodeByPath(node.path);
    if (current?.kind === 'file') {
      const again = await this.body(current, range);
      if (again) return { node: current, body: again };
    }
    throw new Error(`blob of ${node.path} is missing`);
  }

  private async body(node: NodeRecord, range?: ByteRange): Promise<EgressBody | undefined> {
    if (!node.blobId || node.sizeBytes > SMALL_FILE_BYTES) return openStream(this.deps, node, range);
    let whole = this.smallFiles.get(node.blobId);
    if (whole === undefined) {
      const stream = await openStream(this.deps, node);
      if (!stream) return undefined;
      whole = await collect(stream, node.sizeBytes);
      // A blob whose length is not the recorded one is fsck's to report; it is served as read, never kept.
      if (whole.length === node.sizeBytes) this.smallFiles.set(node.blobId, whole);
    }
    return range ? whole.subarray(range.start, range.end + 1) : whole;
  }
}

/** A small stream's bytes in one buffer (at most `limit`, the recorded size: the rest is not read). */
async function collect(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    length += chunk.length;
    if (length > limit) break;
  }
  stream.destroy();
  const whole = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
  return whole.subarray(0, limit);
}

async function openStream(deps: ServiceDeps, node: NodeRecord, range?: ByteRange): Promise<Readable | undefined> {
  // A whole file is read as the range of its known size: a reader that knows
  // where to stop sizes its last read to fit and needs no extra read to find
  // the end, which for a 4 KiB file halved the reads and their buffers.
  const whole = node.sizeBytes > 0 ? { start: 0, end: node.sizeBytes - 1 } : undefined;
  return node.blobId ? deps.blobs.read(node.blobId, range ?? whole) : undefined;
}
