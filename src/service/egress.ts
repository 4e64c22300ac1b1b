/**
 * Reading stored files for GET and HEAD /{account}/{path}. Egress is public
 * (an origin behind a CDN); it sees whole accounts, not a token's root.
 */
import type { Readable } from 'node:stream';
import type { NodeRecord } from '../domain/model.js';
import { parseCallerPath, underRoot } from '../domain/paths.js';
import type { ByteRange } from '../ports/blob-store.js';
import type { ServiceDeps } from './deps.js';

export class Egress {
  private readonly accountCache = new Map<string, number>();

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
  async open(node: NodeRecord, range?: ByteRange): Promise<{ node: NodeRecord; stream: Readable }> {
    const first = await openStream(this.deps, node, range);
    if (first) return { node, stream: first };
    const current = await this.deps.metadata.getNodeByPath(node.path);
    if (current?.kind === 'file') {
      const again = await openStream(this.deps, current, range);
      if (again) return { node: current, stream: again };
    }
    throw new Error(`blob of ${node.path} is missing`);
  }
}

async function openStream(deps: ServiceDeps, node: NodeRecord, range?: ByteRange): Promise<Readable | undefined> {
  // A whole file is read as the range of its known size: a reader that knows
  // where to stop sizes its last read to fit and needs no extra read to find
  // the end, which for a 4 KiB file halved the reads and their buffers.
  const whole = node.sizeBytes > 0 ? { start: 0, end: node.sizeBytes - 1 } : undefined;
  return node.blobId ? deps.blobs.read(node.blobId, range ?? whole) : undefined;
}
