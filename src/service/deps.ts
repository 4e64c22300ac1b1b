/** What every service module is built from: the two ports, time, ids and limits. */
import type { BlobStore } from '../ports/blob-store.js';
import type { Clock, Ids } from '../ports/clock.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { RemoteSource } from '../ports/remote-source.js';
import type { FetchPolicy } from './fetch-jobs.js';

export interface Limits {
  /** Default token lifetime (login, authenticate, /account/login). */
  readonly sessionTtlSeconds: number;
  /** Largest expiry authenticate and /account/login accept (the spec's 24 hours). */
  readonly maxLoginExpirySeconds: number;
  /** Largest single upload through /post/raw or /post/file. */
  readonly maxUploadBytes: number;
  /** working_with_multipart_http.md: 1,000 pieces, 100 GB a piece, 20 TB an upload, 1,000,000 open uploads a user. */
  readonly maxPiecesPerUpload: number;
  readonly maxPieceBytes: number;
  readonly maxMultipartBytes: number;
  readonly maxOpenMultipartsPerUser: number;
  /** NEW and FAILED uploads older than this expire (multipart_state_codes.md: 1 day). */
  readonly multipartExpirySeconds: number;
  /** Upload requests an account may make per second (best_practices.md: 100); 0 is no limit. */
  readonly uploadRatePerSecond: number;
}

export const DEFAULT_LIMITS: Limits = {
  sessionTtlSeconds: 3600,
  maxLoginExpirySeconds: 86400,
  maxUploadBytes: 10 * 1024 ** 4,
  maxPiecesPerUpload: 1000,
  maxPieceBytes: 100 * 1000 ** 3,
  maxMultipartBytes: 20 * 1000 ** 4,
  maxOpenMultipartsPerUser: 1_000_000,
  multipartExpirySeconds: 86400,
  uploadRatePerSecond: 100,
};

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ServiceDeps {
  readonly metadata: MetadataStore;
  readonly blobs: BlobStore;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly limits: Limits;
  readonly log: Logger;
  /** The public base URL of egress (scheme, host and port), for MediaVault URLs. */
  readonly publicUrl?: () => string;
  /** fetchFileHTTP's queue and remote sources (none when absent). */
  readonly fetch?: FetchPolicy;
  readonly remote?: RemoteSource;
}

export function nowSeconds(deps: { clock: Clock }): number {
  return Math.floor(deps.clock.nowMs() / 1000);
}
