/**
 * The metadata port. Every method is async so that the SQLite and PostgreSQL
 * adapters share one contract. `transaction(fn)` runs fn atomically: all of
 * its writes commit together or none do, and no other transaction sees a
 * part of them. Reads outside a transaction see committed data only.
 *
 * Contract: methods never throw OriginError except `insertNode`, which throws
 * OriginError('AlreadyExists') when (parentId, name) or path is taken, so
 * that races between servers end in the documented code; `transaction`,
 * which throws OriginError('DiskFull') when the store has no space to commit;
 * and any method, which throws OriginError('Unavailable') when the store
 * cannot be reached (a networked store, briefly down). When the connection
 * fails while a transaction commits, its writes may or may not have been
 * applied: that error carries `outcomeUnknown` (see domain/errors.ts) so that
 * the caller keeps what the writes may refer to.
 */
import type {
  AccountRecord, AccountSecurityRecord, KeyPairRecord, MultipartRecord, NewNode, NewUser, NodeKind, NodeRecord, PieceRecord, SessionOrigin, SessionRecord, UserRecord,
} from '../domain/model.js';

export interface NodePatch {
  readonly parentId?: number | null;
  readonly name?: string;
  readonly path?: string;
  readonly sizeBytes?: number;
  readonly sha256?: string;
  readonly mime?: string;
  readonly ctime?: number;
  readonly mtime?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly blobId?: string | null;
}

export interface UserPatch {
  readonly passwordHash?: string;
  readonly disabled?: boolean;
  readonly home?: string;
  readonly admin?: boolean;
}

export interface ListChildrenQuery {
  readonly parentId: number;
  readonly kind: NodeKind;
  /** Keyset start: names strictly greater than this (byte order). */
  readonly afterName?: string;
  /** Used only when afterName is unknown: skip this many entries. */
  readonly offset?: number;
  readonly limit: number;
}

export interface MultipartPatch {
  readonly state?: number;
  readonly error?: number;
  readonly numPieces?: number;
}

export interface PiecePatch {
  readonly state?: number;
  readonly error?: number;
  readonly blobId?: string | null;
}

export interface MetadataOps {
  getNodeByPath(path: string): Promise<NodeRecord | undefined>;
  getNodeById(id: number): Promise<NodeRecord | undefined>;
  /** Children of one kind, sorted by name in byte order. */
  listChildren(q: ListChildrenQuery): Promise<NodeRecord[]>;
  hasChildren(id: number): Promise<boolean>;
  insertNode(node: NewNode): Promise<NodeRecord>;
  updateNode(id: number, patch: NodePatch): Promise<void>;
  deleteNode(id: number): Promise<void>;
  /** How many nodes still point at this blob. */
  countBlobReferences(blobId: string): Promise<number>;
  /** Remember a blob to delete once the transaction that dropped it has committed. */
  addGarbageBlob(blobId: string): Promise<void>;
  takeGarbageBlobs(limit: number): Promise<string[]>;
  forgetGarbageBlobs(blobIds: readonly string[]): Promise<void>;

  createAccount(name: string, created: number): Promise<AccountRecord>;
  getAccount(name: string): Promise<AccountRecord | undefined>;
  listAccounts(): Promise<AccountRecord[]>;

  createUser(user: NewUser): Promise<UserRecord>;
  getUserByName(username: string): Promise<UserRecord | undefined>;
  getUserById(id: number): Promise<UserRecord | undefined>;
  listUsers(account?: string): Promise<UserRecord[]>;
  updateUser(id: number, patch: UserPatch): Promise<void>;
  deleteUser(id: number): Promise<void>;
  /** The largest uid in use, or 0. */
  maxUid(): Promise<number>;

  createSession(session: SessionRecord): Promise<void>;
  getSession(token: string): Promise<SessionRecord | undefined>;
  /** A session and its user in one read (every authenticated call makes it); user undefined if deleted. */
  getSessionAndUser(token: string): Promise<{ session: SessionRecord; user: UserRecord | undefined } | undefined>;
  deleteSession(token: string): Promise<boolean>;
  /** Sets the expiry once; false when it was already set or the session is gone. */
  setSessionExpiryOnce(token: string, expiresMs: number): Promise<boolean>;
  /** All of a user's sessions, or only those opened by `origin`. */
  deleteUserSessions(userId: number, origin?: SessionOrigin): Promise<void>;
  deleteExpiredSessions(nowMs: number): Promise<number>;

  getAccountSecurity(account: string): Promise<AccountSecurityRecord | undefined>;
  /** Inserts or replaces the account's record. */
  putAccountSecurity(record: AccountSecurityRecord): Promise<void>;

  /** Replaces every key pair of the user with this one. */
  replaceKeyPair(pair: KeyPairRecord): Promise<void>;
  getKeyPair(accessKey: string): Promise<KeyPairRecord | undefined>;
  /** The user's key pair (a user holds at most one), or undefined. */
  getKeyPairOfUser(userId: number): Promise<KeyPairRecord | undefined>;
  deleteKeyPairsOfUser(userId: number): Promise<void>;
  /**
   * Records a signature as used until `expiresMs`; false when it was already
   * recorded (a replay). Atomic: two racing requests cannot both get true.
   */
  useSignature(signature: string, expiresMs: number): Promise<boolean>;
  deleteExpiredSignatures(nowMs: number): Promise<number>;

  createMultipart(upload: MultipartRecord): Promise<void>;
  getMultipart(mpid: string): Promise<MultipartRecord | undefined>;
  updateMultipart(mpid: string, patch: MultipartPatch): Promise<void>;
  /** A user's uploads, oldest first; with `under` (an absolute directory path), only those whose destination is inside it. */
  listMultiparts(userId: number, offset: number, limit: number, under?: string): Promise<MultipartRecord[]>;
  /** Uploads of a user in one of `states`. */
  countMultiparts(userId: number, states: readonly number[]): Promise<number>;
  /** Uploads in one of `states` created before `createdBefore` (seconds), for the sweeper and recovery. */
  multipartsInStates(states: readonly number[], createdBefore: number, limit: number): Promise<MultipartRecord[]>;
  /** Adds a piece after the upload's last one (its seq is assigned here). */
  addPiece(piece: Omit<PieceRecord, 'seq'>): Promise<PieceRecord>;
  /** Every piece of an upload in order of arrival, duplicates included. */
  listPieces(mpid: string, offset: number, limit: number): Promise<PieceRecord[]>;
  updatePiece(mpid: string, seq: number, patch: PiecePatch): Promise<void>;

  /*
   * Whole-store scans for fsck, in keyset pages (pass the last key of a page
   * to get the next; an empty page is the end). Read-only.
   */
  /** File nodes with id greater than `afterId`, by id. */
  scanFiles(afterId: number, limit: number): Promise<NodeRecord[]>;
  /** Uploads in every state with mpid greater than `afterMpid`, by mpid. */
  scanMultiparts(afterMpid: string, limit: number): Promise<MultipartRecord[]>;
  /** Blobs waiting for the garbage collector with id greater than `afterBlobId`, by id. */
  scanGarbageBlobs(afterBlobId: string, limit: number): Promise<string[]>;
}

export interface MetadataStore extends MetadataOps {
  /**
   * Runs fn atomically. fn may be run more than once (a store whose
   * transactions run concurrently retries one that lost a race), so it must
   * do nothing but metadata reads and writes.
   */
  transaction<T>(fn: (tx: MetadataOps) => Promise<T>): Promise<T>;
  /**
   * Take or renew the lease `name` for `holder` for `ttlMs`: true when
   * `holder` now holds it. Several servers sharing one store use it so that
   * one of them at a time runs housekeeping or a given multipart join; a
   * store only one process can open holds every lease trivially.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Give the lease up early (a no-op unless `holder` holds it). */
  releaseLease(name: string, holder: string): Promise<void>;
  close(): Promise<void>;
}
