/**
 * The metadata queries, written once over Kysely and shared by every SQL
 * dialect (SQLite now, PostgreSQL for scale-out). A dialect supplies only its
 * connection, its migrations and how it reports a unique-key violation.
 */
import type { Kysely, Selectable } from 'kysely';
import { OriginError } from '../../domain/errors.js';
import type { AccountRecord, NewNode, NewUser, NodeRecord, SessionRecord, UserRecord } from '../../domain/model.js';
import type { ListChildrenQuery, MetadataOps, NodePatch, UserPatch } from '../../ports/metadata-store.js';
import type { Database, NodesTable, SessionsTable, UsersTable } from './schema.js';

export type UniqueViolationTest = (err: unknown) => boolean;

export class SqlMetadataOps implements MetadataOps {
  constructor(
    protected readonly db: Kysely<Database>,
    private readonly isUniqueViolation: UniqueViolationTest,
  ) {}

  async getNodeByPath(path: string): Promise<NodeRecord | undefined> {
    const row = await this.db.selectFrom('nodes').selectAll().where('path', '=', path).executeTakeFirst();
    return row && toNode(row);
  }

  async getNodeById(id: number): Promise<NodeRecord | undefined> {
    const row = await this.db.selectFrom('nodes').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toNode(row);
  }

  async listChildren(q: ListChildrenQuery): Promise<NodeRecord[]> {
    let query = this.db
      .selectFrom('nodes')
      .selectAll()
      .where('parent_id', '=', q.parentId)
      .where('kind', '=', q.kind === 'dir' ? 1 : 2);
    if (q.afterName !== undefined) query = query.where('name', '>', q.afterName);
    query = query.orderBy('name').limit(q.limit);
    if (q.afterName === undefined && q.offset) query = query.offset(q.offset);
    const rows = await query.execute();
    return rows.map(toNode);
  }

  async hasChildren(id: number): Promise<boolean> {
    const row = await this.db.selectFrom('nodes').select('id').where('parent_id', '=', id).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  async insertNode(node: NewNode): Promise<NodeRecord> {
    try {
      const row = await this.db
        .insertInto('nodes')
        .values({
          parent_id: node.parentId,
          name: node.name,
          path: node.path,
          kind: node.kind === 'dir' ? 1 : 2,
          size: node.sizeBytes,
          sha256: node.sha256,
          mime: node.mime,
          ctime: node.ctime,
          mtime: node.mtime,
          uid: node.uid,
          gid: node.gid,
          blob_id: node.blobId,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { ...node, id: Number(row.id) };
    } catch (err) {
      if (this.isUniqueViolation(err)) throw new OriginError('AlreadyExists', { path: node.path });
      throw err;
    }
  }

  async updateNode(id: number, patch: NodePatch): Promise<void> {
    const values: Partial<Record<keyof NodesTable, unknown>> = {};
    if (patch.parentId !== undefined) values.parent_id = patch.parentId;
    if (patch.name !== undefined) values.name = patch.name;
    if (patch.path !== undefined) values.path = patch.path;
    if (patch.sizeBytes !== undefined) values.size = patch.sizeBytes;
    if (patch.sha256 !== undefined) values.sha256 = patch.sha256;
    if (patch.mime !== undefined) values.mime = patch.mime;
    if (patch.ctime !== undefined) values.ctime = patch.ctime;
    if (patch.mtime !== undefined) values.mtime = patch.mtime;
    if (patch.uid !== undefined) values.uid = patch.uid;
    if (patch.gid !== undefined) values.gid = patch.gid;
    if (patch.blobId !== undefined) values.blob_id = patch.blobId;
    if (Object.keys(values).length === 0) return;
    try {
      await this.db.updateTable('nodes').set(values as never).where('id', '=', id).execute();
    } catch (err) {
      if (this.isUniqueViolation(err)) throw new OriginError('AlreadyExists', { id });
      throw err;
    }
  }

  async deleteNode(id: number): Promise<void> {
    await this.db.deleteFrom('nodes').where('id', '=', id).execute();
  }

  async countBlobReferences(blobId: string): Promise<number> {
    const row = await this.db
      .selectFrom('nodes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('blob_id', '=', blobId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async addGarbageBlob(blobId: string): Promise<void> {
    await this.db
      .insertInto('garbage_blobs')
      .values({ blob_id: blobId, created: Math.floor(Date.now() / 1000) })
      .onConflict((oc) => oc.column('blob_id').doNothing())
      .execute();
  }

  async takeGarbageBlobs(limit: number): Promise<string[]> {
    const rows = await this.db.selectFrom('garbage_blobs').select('blob_id').orderBy('created').limit(limit).execute();
    return rows.map((r) => r.blob_id);
  }

  async forgetGarbageBlobs(blobIds: readonly string[]): Promise<void> {
    if (blobIds.length === 0) return;
    await this.db.deleteFrom('garbage_blobs').where('blob_id', 'in', blobIds).execute();
  }

  async createAccount(name: string, created: number): Promise<AccountRecord> {
    try {
      await this.db.insertInto('accounts').values({ name, created }).execute();
    } catch (err) {
      if (this.isUniqueViolation(err)) throw new OriginError('AlreadyExists', { account: name });
      throw err;
    }
    return { name, created };
  }

  async getAccount(name: string): Promise<AccountRecord | undefined> {
    return this.db.selectFrom('accounts').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async listAccounts(): Promise<AccountRecord[]> {
    return this.db.selectFrom('accounts').selectAll().orderBy('name').execute();
  }

  async createUser(user: NewUser): Promise<UserRecord> {
    try {
      const row = await this.db
        .insertInto('users')
        .values({
          account: user.account,
          username: user.username,
          password_hash: user.passwordHash,
          uid: user.uid,
          gid: user.gid,
          home: user.home,
          disabled: user.disabled ? 1 : 0,
          created: user.created,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { ...user, id: Number(row.id) };
    } catch (err) {
      if (this.isUniqueViolation(err)) throw new OriginError('AlreadyExists', { username: user.username });
      throw err;
    }
  }

  async getUserByName(username: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    return row && toUser(row);
  }

  async getUserById(id: number): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async listUsers(account?: string): Promise<UserRecord[]> {
    let q = this.db.selectFrom('users').selectAll();
    if (account !== undefined) q = q.where('account', '=', account);
    const rows = await q.orderBy('username').execute();
    return rows.map(toUser);
  }

  async updateUser(id: number, patch: UserPatch): Promise<void> {
    const values: Partial<Record<keyof UsersTable, unknown>> = {};
    if (patch.passwordHash !== undefined) values.password_hash = patch.passwordHash;
    if (patch.disabled !== undefined) values.disabled = patch.disabled ? 1 : 0;
    if (patch.home !== undefined) values.home = patch.home;
    if (Object.keys(values).length === 0) return;
    await this.db.updateTable('users').set(values as never).where('id', '=', id).execute();
  }

  async deleteUser(id: number): Promise<void> {
    await this.db.deleteFrom('users').where('id', '=', id).execute();
  }

  async maxUid(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.max<number | null>('uid').as('m'))
      .executeTakeFirst();
    return Number(row?.m ?? 0);
  }

  async createSession(s: SessionRecord): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        token: s.token,
        user_id: s.userId,
        root: s.root,
        created_ms: s.createdMs,
        expires_ms: s.expiresMs,
        expiry_updated: s.expiryUpdated ? 1 : 0,
      })
      .execute();
  }

  async getSession(token: string): Promise<SessionRecord | undefined> {
    const row = await this.db.selectFrom('sessions').selectAll().where('token', '=', token).executeTakeFirst();
    return row && toSession(row);
  }

  async deleteSession(token: string): Promise<boolean> {
    const res = await this.db.deleteFrom('sessions').where('token', '=', token).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async setSessionExpiryOnce(token: string, expiresMs: number): Promise<boolean> {
    // One conditional UPDATE: two racing updateSession calls cannot both win.
    const res = await this.db
      .updateTable('sessions')
      .set({ expires_ms: expiresMs, expiry_updated: 1 })
      .where('token', '=', token)
      .where('expiry_updated', '=', 0)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async deleteUserSessions(userId: number): Promise<void> {
    await this.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  }

  async deleteExpiredSessions(nowMs: number): Promise<number> {
    const res = await this.db
      .deleteFrom('sessions')
      .where('expires_ms', '>', 0)
      .where('expires_ms', '<', nowMs)
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

function toNode(r: Selectable<NodesTable>): NodeRecord {
  return {
    id: Number(r.id),
    parentId: r.parent_id === null ? null : Number(r.parent_id),
    name: r.name,
    path: r.path,
    kind: Number(r.kind) === 1 ? 'dir' : 'file',
    sizeBytes: Number(r.size),
    sha256: r.sha256,
    mime: r.mime,
    ctime: Number(r.ctime),
    mtime: Number(r.mtime),
    uid: Number(r.uid),
    gid: Number(r.gid),
    blobId: r.blob_id,
  };
}

function toUser(r: Selectable<UsersTable>): UserRecord {
  return {
    id: Number(r.id),
    account: r.account,
    username: r.username,
    passwordHash: r.password_hash,
    uid: Number(r.uid),
    gid: Number(r.gid),
    home: r.home,
    disabled: Number(r.disabled) !== 0,
    created: Number(r.created),
  };
}

function toSession(r: Selectable<SessionsTable>): SessionRecord {
  return {
    token: r.token,
    userId: Number(r.user_id),
    root: r.root,
    createdMs: Number(r.created_ms),
    expiresMs: Number(r.expires_ms),
    expiryUpdated: Number(r.expiry_updated) !== 0,
  };
}
