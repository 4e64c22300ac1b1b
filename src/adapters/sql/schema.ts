/** Table shapes as Kysely sees them; one definition for every SQL dialect. */
import type { Generated } from 'kysely';

export interface AccountsTable {
  name: string;
  created: number;
}

export interface UsersTable {
  id: Generated<number>;
  account: string;
  username: string;
  password_hash: string;
  uid: number;
  gid: number;
  home: string;
  disabled: number;
  created: number;
  admin: Generated<number>;
}

export interface SessionsTable {
  token: string;
  user_id: number;
  root: string;
  created_ms: number;
  expires_ms: number;
  expiry_updated: number;
  origin: string;
}

export interface NodesTable {
  id: Generated<number>;
  parent_id: number | null;
  name: string;
  path: string;
  /** 1 = directory, 2 = file (the spec's `type`). */
  kind: number;
  size: number;
  sha256: string;
  mime: string;
  ctime: number;
  mtime: number;
  uid: number;
  gid: number;
  blob_id: string | null;
}

export interface GarbageBlobsTable {
  blob_id: string;
  created: number;
}

export interface MultipartsTable {
  mpid: string;
  user_id: number;
  uid: number;
  gid: number;
  path: string;
  content_type: string | null;
  mtime: number;
  created: number;
  state: number;
  error: number;
  num_pieces: number;
}

export interface PiecesTable {
  mpid: string;
  seq: number;
  number: number;
  size: number;
  sha256: string;
  state: number;
  error: number;
  blob_id: string | null;
  created: number;
}

export interface KeyPairsTable {
  access_key: string;
  user_id: number;
  secret_key: string;
  created: number;
}

export interface UsedSignaturesTable {
  signature: string;
  expires_ms: number;
}

export interface AccountSecurityTable {
  account: string;
  secret: string;
  previous_secret: string;
  private: number;
}

export interface Database {
  account_security: AccountSecurityTable;
  keypairs: KeyPairsTable;
  used_signatures: UsedSignaturesTable;
  multiparts: MultipartsTable;
  pieces: PiecesTable;
  accounts: AccountsTable;
  users: UsersTable;
  sessions: SessionsTable;
  nodes: NodesTable;
  garbage_blobs: GarbageBlobsTable;
}
