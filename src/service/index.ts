/** createServices(ports) → the use cases, as one plain object the transports receive. */
import { AccountAdmin } from './account-admin.js';
import { Admin } from './admin.js';
import type { ServiceDeps } from './deps.js';
import { Egress } from './egress.js';
import { DEFAULT_FETCH_POLICY, FetchJobs } from './fetch-jobs.js';
import { GarbageCollector } from './garbage.js';
import { Ingest } from './ingest.js';
import { Multipart } from './multipart.js';
import { MultipartJoiner } from './multipart-join.js';
import { Namespace } from './namespace.js';
import { Sessions } from './sessions.js';
import { Signing } from './signing.js';
import { MediaVault } from './mediavault.js';
import { RateLimiter } from './rate-limit.js';

export interface Services {
  readonly sessions: Sessions;
  readonly signing: Signing;
  readonly mediavault: MediaVault;
  readonly namespace: Namespace;
  readonly ingest: Ingest;
  readonly egress: Egress;
  readonly admin: Admin;
  /** The admin methods of the API, for account administrators (docs/extensions.md). */
  readonly accountAdmin: AccountAdmin;
  readonly garbage: GarbageCollector;
  readonly multipart: Multipart;
  readonly joiner: MultipartJoiner;
  /** fetchFileHTTP's background copies. */
  readonly fetchJobs: FetchJobs;
  /** Upload requests per account per second. */
  readonly uploadRate: RateLimiter;
  /** Joins that a crash interrupted, or completed but never started, run again. */
  recover(): Promise<number>;
  /** Start-up and periodic housekeeping: temporaries, garbage blobs, expired sessions. */
  sweep(options?: { temporariesOlderThanMs?: number }): Promise<SweepReport>;
  /** Running totals of the housekeeping, for metrics. */
  readonly housekeeping: Housekeeping;
}

export interface Housekeeping {
  sweeps: number;
  temporariesRemoved: number;
  sessionsExpired: number;
  multipartsExpired: number;
  multipartsDeleted: number;
}

export interface SweepReport {
  readonly temporaries: number;
  readonly blobs: number;
  readonly sessions: number;
  readonly multipartsExpired: number;
  readonly multipartsDeleted: number;
  /** Another server sharing the store was sweeping. */
  readonly skipped?: boolean;
}

/**
 * Housekeeping runs on one server at a time when several share the
 * metadata store. The lease is given back after each sweep; its lifetime
 * only bounds how long a server that died mid-sweep keeps the others out.
 */
const HOUSEKEEPING_LEASE = 'housekeeping';
const HOUSEKEEPING_LEASE_MS = 10 * 60 * 1000;

export function createServices(deps: ServiceDeps): Services {
  // This process among the servers sharing the store, for leases.
  const holder = deps.ids.hex();
  const garbage = new GarbageCollector(deps);
  const joiner = new MultipartJoiner(deps, garbage, holder);
  const multipart = new Multipart(deps, garbage, joiner);
  const sessions = new Sessions(deps);
  const ingest = new Ingest(deps, garbage);
  const admin = new Admin(deps);
  const housekeeping: Housekeeping = { sweeps: 0, temporariesRemoved: 0, sessionsExpired: 0, multipartsExpired: 0, multipartsDeleted: 0 };
  return {
    housekeeping,
    multipart,
    joiner,
    recover: () => joiner.recover(),
    sessions,
    signing: new Signing(deps, sessions),
    mediavault: new MediaVault(deps, sessions),
    namespace: new Namespace(deps, garbage),
    ingest,
    fetchJobs: new FetchJobs(deps, ingest, garbage, deps.fetch ?? DEFAULT_FETCH_POLICY),
    uploadRate: new RateLimiter(deps.clock, deps.limits.uploadRatePerSecond),
    egress: new Egress(deps),
    admin,
    accountAdmin: new AccountAdmin(deps, sessions, admin),
    garbage,
    async sweep(options = {}) {
      if (!(await deps.metadata.acquireLease(HOUSEKEEPING_LEASE, holder, HOUSEKEEPING_LEASE_MS))) {
        return { temporaries: 0, blobs: 0, sessions: 0, multipartsExpired: 0, multipartsDeleted: 0, skipped: true };
      }
      try {
        return await housekeep(options);
      } finally {
        await deps.metadata.releaseLease(HOUSEKEEPING_LEASE, holder).catch(() => undefined);
      }
    },
  };

  async function housekeep(options: { temporariesOlderThanMs?: number }): Promise<SweepReport> {
    const multiparts = await multipart.sweep();
    const temporaries = await deps.blobs.sweepTemporaries(options.temporariesOlderThanMs ?? 0);
    // Joins a stopped server left behind (each join takes its own lease, so none runs twice). After the
    // temporaries' sweep, never before: at start-up that sweep removes temporaries of any age, and a
    // join resumed first would lose the file it is writing and end FAILED.
    await joiner.recover();
    const blobs = await garbage.drain();
    const sessions = await deps.metadata.deleteExpiredSessions(deps.clock.nowMs());
    await deps.metadata.deleteExpiredSignatures(deps.clock.nowMs());
    housekeeping.sweeps++;
    housekeeping.temporariesRemoved += temporaries;
    housekeeping.sessionsExpired += sessions;
    housekeeping.multipartsExpired += multiparts.expired;
    housekeeping.multipartsDeleted += multiparts.deleted;
    return { temporaries, blobs, sessions, multipartsExpired: multiparts.expired, multipartsDeleted: multiparts.deleted };
  }
}

export type { ServiceDeps, Limits } from './deps.js';
export { DEFAULT_LIMITS } from './deps.js';
export { DEFAULT_FETCH_POLICY, type FetchPolicy } from './fetch-jobs.js';
