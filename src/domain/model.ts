/** Plain data shared by the service and the stores. Times are epoch seconds unless named otherwise. */

export type NodeKind = 'dir' | 'file';

export interface NodeRecord {
  readonly id: number;
  readonly parentId: number | null;
  readonly name: string;
  /** Absolute namespace path: "/{account}/a/b". Unique. */
  readonly path: string;
  readonly kind: NodeKind;
  readonly sizeBytes: number;
  /** Hex SHA-256 of the content; '' for directories. */
  readonly sha256: string;
  readonly mime: string;
  readonly ctime: number;
  readonly mtime: number;
  readonly uid: number;
  readonly gid: number;
  /** The blob holding the bytes (files only). */
  readonly blobId: string | null;
}

export type NewNode = Omit<NodeRecord, 'id'>;

export interface AccountRecord {
  readonly name: string;
  readonly created: number;
}

export interface UserRecord {
  readonly id: number;
  readonly account: string;
  readonly username: string;
  readonly passwordHash: string;
  readonly uid: number;
  readonly gid: number;
  /** Home directory relative to the account root: "/" or "/a/b". */
  readonly home: string;
  readonly disabled: boolean;
  readonly created: number;
  /** An account administrator manages the account's users and key pairs (docs/extensions.md). */
  readonly admin: boolean;
}

/** `admin` may be left out: a new user is not an administrator unless made one. */
export type NewUser = Omit<UserRecord, 'id' | 'admin'> & { readonly admin?: boolean };

export interface SessionRecord {
  readonly token: string;
  readonly userId: number;
  /** Absolute namespace path the token is rooted at: "/{account}/{home}/{subdir}". */
  readonly root: string;
  readonly createdMs: number;
  /** 0 means the token never expires. */
  readonly expiresMs: number;
  /** updateSession may change the expiry once per session. */
  readonly expiryUpdated: boolean;
  /** The call that opened it (logging_in_using_the_json_rpc_interface.md: authenticate ends earlier `login` tokens). */
  readonly origin: SessionOrigin;
}

export type SessionOrigin = 'login' | 'authenticate' | 'http';

/** Who is calling, resolved from a token. */
export interface Caller {
  readonly session: SessionRecord;
  readonly user: UserRecord;
}

export const TYPE_DIRECTORY = 1;
export const TYPE_FILE = 2;

/** A byte range of a file: both ends inclusive, as in HTTP. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export interface MultipartRecord {
  /** 32 hex digits. */
  readonly mpid: string;
  /** The user who created it: the only one who may see or touch it. */
  readonly userId: number;
  readonly uid: number;
  readonly gid: number;
  /** Absolute destination path of the final file. */
  readonly path: string;
  /** The content type given at creation; null when none was given. */
  readonly contentType: string | null;
  /** The mtime given at creation; 0 means the creation time. */
  readonly mtime: number;
  readonly created: number;
  readonly state: number;
  readonly error: number;
  /** Pieces counted when the upload was completed or aborted (0 before). */
  readonly numPieces: number;
}

export interface PieceRecord {
  readonly mpid: string;
  /** Order of arrival: listMultipartPiece lists pieces in the order they were added. */
  readonly seq: number;
  readonly number: number;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly state: number;
  readonly error: number;
  readonly blobId: string | null;
  readonly created: number;
}

/** A user's HMAC key pair for signed HTTP requests (initializing_hmac_key_pairs.md). */
export interface KeyPairRecord {
  readonly accessKey: string;
  readonly userId: number;
  /** Kept because verifying an HMAC needs it; never returned after initKeyPair. */
  readonly secretKey: string;
  readonly created: number;
}

/** An account's MediaVault secrets and egress visibility. */
export interface AccountSecurityRecord {
  readonly account: string;
  /** The current shared secret: new MediaVault URLs are signed with it. */
  readonly secret: string;
  /** The secret before the last rotation, still accepted; '' when none. */
  readonly previousSecret: string;
  /** A private account's egress serves only MediaVault URLs and signed requests. */
  readonly private: boolean;
}
