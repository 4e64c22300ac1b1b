/**
 * fetchFileHTTP (working_with_files_json.md, "Copy a File"): requests are
 * checked at once and then copied in the background by a few workers, with
 * a bounded queue in front of them (-56 when it is full).
 *
 * A source inside the store (`http://{account}/path`) is copied by sharing
 * its blob: one transaction inserts or replaces the destination node, so no
 * byte is rewritten whatever the size. A remote http(s) source (an opt-in)
 * is streamed and hashed through `ingest` like any upload, and a failure
 * leaves nothing behind.
 */
import { isIP } from 'node:net';
import { isPublicAddress } from '../domain/addresses.js';
import { OriginError, isOriginError } from '../domain/errors.js';
import type { Caller } from '../domain/model.js';
import { baseName, isWithin, parentOf, parseCallerPath, underRoot } from '../domain/paths.js';
import { nowSeconds, type ServiceDeps } from './deps.js';
import type { GarbageCollector } from './garbage.js';
import type { Ingest } from './ingest.js';
import { resolvePath } from './namespace.js';
import { parentForCreate, shareFileContent } from './tree.js';

export interface FetchPolicy {
  /** Workers copying at once. */
  readonly concurrency: number;
  /** Requests waiting for a worker; one more is refused with Busy. */
  readonly queueSize: number;
  /** Whether http(s) sources outside the store are fetched at all. */
  readonly remote: boolean;
  /** Whether a remote source may resolve to loopback or private addresses. */
  readonly allowPrivate: boolean;
}

export const DEFAULT_FETCH_POLICY: FetchPolicy = { concurrency: 2, queueSize: 100, remote: false, allowPrivate: false };

type Source = { readonly kind: 'store'; readonly path: string } | { readonly kind: 'remote'; readonly url: URL };

interface Job {
  readonly caller: Caller;
  /** The caller's destination path, as sent. */
  readonly destination: string;
  readonly source: Source;
  readonly createDestDir: boolean;
}

/** flags: 0, 1 or FF_CREATE_DESTDIR (1 is the same as FF_CREATE_DESTDIR). */
export function parseFetchFlags(flags: unknown): { createDestDir: boolean } {
  if (flags === 0 || flags === '0' || flags === null) return { createDestDir: false };
  if (flags === 1 || flags === '1' || flags === 'FF_CREATE_DESTDIR') return { createDestDir: true };
  throw new OriginError('InvalidFlags', { reason: 'flags must be 0, 1 or FF_CREATE_DESTDIR' });
}

export class FetchJobs {
  private readonly pending: Job[] = [];
  private running = 0;
  private readonly aborts = new Set<AbortController>();
  private waiters: Array<() => void> = [];
  /** Jobs that failed in the background (they are logged too). */
  failedTotal = 0;
  completedTotal = 0;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly ingest: Ingest,
    private readonly garbage: GarbageCollector,
    private readonly policy: FetchPolicy,
  ) {}

  /** Check a request and queue it; resolves once it is queued, not copied. */
  async submit(caller: Caller, destination: string, uri: string, flags: unknown): Promise<void> {
    const { createDestDir } = parseFetchFlags(flags);
    const source = this.parseSource(caller, uri);
    if (source.kind === 'store') {
      const node = await this.deps.metadata.getNodeByPath(source.path);
      if (node?.kind !== 'file') throw new OriginError('InvalidSourceUri', { reason: 'the source is not a file' });
    }
    await this.checkDestination(caller, destination, createDestDir);
    if (this.pending.length >= this.policy.queueSize) throw new OriginError('Busy', { reason: 'the copy queue is full' });
    this.pending.push({ caller, destination, source, createDestDir });
    // Workers start on the next turn, so a burst is queued before the first one runs.
    setImmediate(() => this.pump());
  }

  /** Resolves when no job is queued or running. */
  idle(): Promise<void> {
    if (this.pending.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Drop queued jobs, abort remote fetches in progress and wait for the workers. */
  async close(): Promise<void> {
    this.pending.length = 0;
    for (const controller of this.aborts) controller.abort(new Error('the server is closing'));
    await this.idle();
  }

  /** `http://{caller's account}/path`, URL-encoded, inside the caller's root; or a remote URL when allowed. */
  private parseSource(caller: Caller, uri: string): Source {
    const m = /^http:\/\/([^/?#]*)(\/[^?#]*)?$/i.exec(uri);
    if (m && m[1] === caller.user.account) return { kind: 'store', path: this.storePath(caller, m[2] ?? '') };
    if (!this.policy.remote || !/^https?:\/\//i.test(uri)) {
      throw new OriginError('InvalidSourceUri', { reason: `the source must be http://${caller.user.account}/<path>` });
    }
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new OriginError('InvalidSourceUri', { reason: 'the source is not a URL' });
    }
    // An address literal is refused at once; a host name is checked on every address it resolves to, when fetched.
    const literal = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (!this.policy.allowPrivate && isIP(literal) !== 0 && !isPublicAddress(literal)) {
      throw new OriginError('InvalidSourceUri', { reason: `${literal} is not a public address` });
    }
    return { kind: 'remote', url };
  }

  private storePath(caller: Caller, encodedPath: string): string {
    let segments: string[];
    try {
      const decoded = encodedPath.split('/').filter((s) => s.length > 0).map((s) => decodeURIComponent(s));
      // An encoded '/' inside a segment would name a different path than the one sent.
      if (decoded.some((s) => s.includes('/'))) throw new OriginError('InvalidPath', { reason: "an encoded '/' in a name" });
      segments = parseCallerPath(decoded.join('/'));
    } catch (err) {
      throw new OriginError('InvalidSourceUri', { reason: err instanceof Error ? err.message : 'bad path' });
    }
    const path = underRoot(`/${caller.user.account}`, segments);
    if (segments.length === 0 || !isWithin(caller.session.root, path)) {
      throw new OriginError('InvalidSourceUri', { reason: "the source is outside the caller's root" });
    }
    return path;
  }

  /** A destination that can never be written means the request cannot be queued. */
  private async checkDestination(caller: Caller, destination: string, createDestDir: boolean): Promise<void> {
    let path: string;
    try {
      path = resolvePath(caller, destination);
    } catch (err) {
      throw new OriginError('QueueFailure', { reason: isOriginError(err) ? err.message : 'invalid destination' });
    }
    if (path === caller.session.root) throw new OriginError('QueueFailure', { reason: 'the destination is the root' });
    const existing = await this.deps.metadata.getNodeByPath(path);
    if (existing?.kind === 'dir') throw new OriginError('QueueFailure', { reason: 'the destination is a directory' });
    if (!createDestDir) {
      const parent = await this.deps.metadata.getNodeByPath(parentOf(path));
      if (parent?.kind !== 'dir') throw new OriginError('QueueFailure', { reason: 'the destination directory does not exist' });
    }
  }

  private pump(): void {
    while (this.running < this.policy.concurrency && this.pending.length > 0) {
      const job = this.pending.shift()!;
      this.running++;
      void this.run(job).finally(() => {
        this.running--;
        this.pump();
        if (this.running === 0 && this.pending.length === 0) {
          const waiters = this.waiters;
          this.waiters = [];
          for (const resolve of waiters) resolve();
        }
      });
    }
  }

  private async run(job: Job): Promise<void> {
    try {
      if (job.source.kind === 'store') await this.copyInStore(job, job.source.path);
      else await this.copyRemote(job, job.source.url);
      this.completedTotal++;
    } catch (err) {
      this.failedTotal++;
      const source = job.source.kind === 'store' ? job.source.path : job.source.url.href;
      this.deps.log.warn({ err: isOriginError(err) ? err.message : err, source, destination: job.destination }, 'fetchFileHTTP copy failed');
    }
  }

  private async copyInStore(job: Job, from: string): Promise<void> {
    const to = resolvePath(job.caller, job.destination);
    const owner = { uid: job.caller.user.uid, gid: job.caller.user.gid };
    const now = nowSeconds(this.deps);
    await this.deps.metadata.transaction(async (tx) => {
      const source = await tx.getNodeByPath(from);
      if (source?.kind !== 'file') throw new OriginError('NotFound', { path: from });
      const parent = await parentForCreate(tx, to, { createParents: job.createDestDir, owner, now });
      await shareFileContent(tx, source, parent, to, owner, now);
    });
    this.garbage.kick();
  }

  private async copyRemote(job: Job, url: URL): Promise<void> {
    const remote = this.deps.remote;
    if (!remote) throw new OriginError('InvalidSourceUri', { reason: 'remote sources are not configured' });
    const segments = parseCallerPath(job.destination);
    const controller = new AbortController();
    this.aborts.add(controller);
    try {
      const allowAddress = this.policy.allowPrivate ? () => true : isPublicAddress;
      const body = await remote.open(url, { allowAddress, signal: controller.signal });
      const blob = await this.ingest.receive(body, controller.signal);
      await this.ingest.publish(job.caller, blob, {
        directory: segments.slice(0, -1).join('/'),
        basename: baseName(`/${segments.join('/')}`),
        createParents: job.createDestDir,
        contentType: {},
      });
    } finally {
      this.aborts.delete(controller);
    }
  }
}
