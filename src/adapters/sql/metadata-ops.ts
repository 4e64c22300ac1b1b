/**
 * The metadata queries, written once over Kysely and shared by every SQL
 * dialect (SQLite and PostgreSQL). A dialect supplies only its connection,
 * its migrations, how it reports a unique-key violation and whether reads
 * inside a transaction lock the rows they return.
 */
import type { Compilable, CompiledQuery, Kysely, Selectable } from 'kysely';
import { OriginError } from '../../domain/errors.js';
import type {
  AccountRecord, AccountSecurityRecord, KeyPairRecord, MultipartRecord, NewNode, NewUser, NodeRecord, PieceRecord, SessionOrigin, SessionRecord, UserRecord,
} from '../../domain/model.js';
import type { ListChildrenQuery, MetadataOps, MultipartPatch, NodePatch, PiecePatch, UserPatch } from '../../ports/metadata-store.js';
import type { Database, MultipartsTable, NodesTable, PiecesTable, SessionsTable, UsersTable } from './schema.js';

export type UniqueViolationTest = (err: unknown) => boolean;

export interface SqlOpsOptions {
  /**
   * Reads of one node or one multipart upload take a row lock (SELECT … FOR
   * UPDATE), held until the transaction ends. PostgreSQL transactions run
   * concurrently, so a use case that reads a row and then writes by what it
   * read must hold that row meanwhile; SQLite's transactions are already
   * serial (BEGIN IMMEDIATE) and its grammar has no FOR UPDATE.
   */
  readonly lockReads?: boolean;
  /**
   * Where the hot lookups keep their compiled SQL: a store passes its own
   * (`compiledLookups`) to its transactions, so each lookup is compiled once
   * per dialect. A lookup whose SQL depends on lockReads names both forms.
   */
  readonly compiledLookups?: CompiledLookups;
}

/** Compiled SQL of the one-row lookups that nearly every request makes, by name. */
export type CompiledLookups = Map<string, CompiledQuery>;

export class SqlMetadataOps implements MetadataOps {
  private readonly lockReads: boolean;
  protected readonly compiledLookups: CompiledLookups;

  constructor(
    protected readonly db: Kysely<Database>,
    private readonly isUniqueViolation: UniqueViolationTest,
    options: SqlOpsOptions = {},
  ) {
    this.lockReads = options.lockReads ?? false;
    this.compiledLookups = options.compiledLookups ?? new Map();
  }

  /**
   * A one-row lookup by one value, built and compiled the first time only:
   * building and compiling cost as much as running these indexed lookups,
   * and the SQL is the same every time but for the parameter.
   */
  private async lookup<R>(name: string, build: (placeholder: string) => Compilable<R>, value: unknown): Promise<R | undefined> {
    let compiled = this.compiledLookups.get(name) as CompiledQuery<R> | undefined;
    if (compiled === undefined) {
      compiled = build('').compile();
      if (compiled.parameters.length !== 1) throw new Error(`lookup ${name} must take exactly one parameter`);
      this.compiledLookups.set(name, compiled);
    }
    const result = await this.db.executeQuery<R>({ ...compiled, parameters: [value] });
    return result.rows[0];
  }

  async getNodeByPath(path: string): Promise<NodeRecord | undefined> {
    const row = await this.lookup(this.lockReads ? 'node by path, locked' : 'node by path', (p) => {
      const q = this.db.selectFrom('nodes').selectAll().where('path', '=', p);
      return this.lockReads ? q.forUpdate() : q;
    }, path);
    return row && toNode(row);
  }

  async getNodeById(id: number): Promise<NodeRecord | undefined> {
    let q = this.db.selectFrom('nodes').selectAll().where('id', '=', id);
    if (this.lockReads) q = q.forUpdate();
    const row = await q.executeTakeFirst();
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
    const row = await this.lookup('account by name', (n) => this.db.selectFrom('accounts').selectAll().where('name', '=', n), name);
    return row && { name: row.name, created: Number(row.created) };
  }

  async listAccounts(): Promise<AccountRecord[]> {
    const rows = await this.db.selectFrom('accounts').selectAll().orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, created: Number(r.created) }));
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
          admin: user.admin === true ? 1 : 0,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { ...user, admin: user.admin === true, id: Number(row.id) };
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
    const row = await this.lookup('user by id', (i) => this.db.selectFrom('users').selectAll().where('id', '=', Number(i)), id);
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
    if (patch.admin !== undefined) values.admin = patch.admin ? 1 : 0;
    if (Object.keys(values).length === 0) return;
    await this.db.updateTable('users').set(values as never).where('id', '=', id).execute();
  }

  async deleteUser(id: number): Promise<void> {
    await this.db.deleteFrom('keypairs').where('user_id', '=', id).execute();
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
        origin: s.origin,
      })
      .execute();
  }

  async getSession(token: string): Promise<SessionRecord | undefined> {
    const row = await this.lookup('session by token', (t) => this.db.selectFrom('sessions').selectAll().where('token', '=', t), token);
    return row && toSession(row);
  }

  async getSessionAndUser(token: string): Promise<{ session: SessionRecord; user: UserRecord | undefined } | undefined> {
    const row = await this.lookup('session and user by token', (t) => this.db
      .selectFrom('sessions')
      .leftJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('sessions')
      .select([
        'users.id as u_id', 'users.account as u_account', 'users.username as u_username', 'users.password_hash as u_password_hash',
        'users.uid as u_uid', 'users.gid as u_gid', 'users.home as u_home', 'users.disabled as u_disabled',
        'users.created as u_created', 'users.admin as u_admin',
      ])
      .where('sessions.token', '=', t), token);
    if (!row) return undefined;
    const user = row.u_id === null ? undefined : toUser({
      id: row.u_id, account: row.u_account!, username: row.u_username!, password_hash: row.u_password_hash!, uid: row.u_uid!,
      gid: row.u_gid!, home: row.u_home!, disabled: row.u_disabled!, created: row.u_created!, admin: row.u_admin!,
    } as Selectable<UsersTable>);
    return { session: toSession(row), user };
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

  async deleteUserSessions(userId: number, origin?: SessionOrigin): Promise<void> {
    let q = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (origin !== undefined) q = q.where('origin', '=', origin);
    await q.execute();
  }

  async deleteExpiredSessions(nowMs: number): Promise<number> {
    const res = await this.db
      .deleteFrom('sessions')
      .where('expires_ms', '>', 0)
      .where('expires_ms', '<', nowMs)
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  async getAccountSecurity(account: string): Promise<AccountSecurityRecord | undefined> {
    // Every egress request reads it (MediaVault, private accounts).
    const row = await this.lookup('account security', (a) => this.db.selectFrom('account_security').selectAll().where('account', '=', a), account);
    return row && { account: row.account, secret: row.secret, previousSecret: row.previous_secret, private: Number(row.private) !== 0 };
  }

  async putAccountSecurity(r: AccountSecurityRecord): Promise<void> {
    const values = { secret: r.secret, previous_secret: r.previousSecret, private: r.private ? 1 : 0 };
    await this.db
      .insertInto('account_security')
      .values({ account: r.account, ...values })
      .onConflict((oc) => oc.column('account').doUpdateSet(values))
      .execute();
  }

  async replaceKeyPair(pair: KeyPairRecord): Promise<void> {
    await this.db.deleteFrom('keypairs').where('user_id', '=', pair.userId).execute();
    await this.db
      .insertInto('keypairs')
      .values({ access_key: pair.accessKey, user_id: pair.userId, secret_key: pair.secretKey, created: pair.created })
      .execute();
  }

  async getKeyPair(accessKey: string): Promise<KeyPairRecord | undefined> {
    const row = await this.db.selectFrom('keypairs').selectAll().where('access_key', '=', accessKey).executeTakeFirst();
    return row && { accessKey: row.access_key, userId: Number(row.user_id), secretKey: row.secret_key, created: Number(row.created) };
  }

  async getKeyPairOfUser(userId: number): Promise<KeyPairRecord | undefined> {
    const row = await this.db.selectFrom('keypairs').selectAll().where('user_id', '=', userId).executeTakeFirst();
    return row && { accessKey: row.access_key, userId: Number(row.user_id), secretKey: row.secret_key, created: Number(row.created) };
  }

  async deleteKeyPairsOfUser(userId: number): Promise<void> {
    await this.db.deleteFrom('keypairs').where('user_id', '=', userId).execute();
  }

  async useSignature(signature: string, expiresMs: number): Promise<boolean> {
    // ON CONFLICT rather than catching the violation: in PostgreSQL a failed
    // statement would abort the caller's whole transaction.
    const res = await this.db
      .insertInto('used_signatures')
      .values({ signature, expires_ms: expiresMs })
      .onConflict((oc) => oc.column('signature').doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async deleteExpiredSignatures(nowMs: number): Promise<number> {
    const res = await this.db.deleteFrom('used_signatures').where('expires_ms', '<', nowMs).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  async createMultipart(m: MultipartRecord): Promise<void> {
    await this.db
      .insertInto('multiparts')
      .values({
        mpid: m.mpid, user_id: m.userId, uid: m.uid, gid: m.gid, path: m.path, content_type: m.contentType,
        mtime: m.mtime, created: m.created, state: m.state, error: m.error, num_pieces: m.numPieces,
      })
      .execute();
  }

  async getMultipart(mpid: string): Promise<MultipartRecord | undefined> {
    let q = this.db.selectFrom('multiparts').selectAll().where('mpid', '=', mpid);
    if (this.lockReads) q = q.forUpdate();
    const row = await q.executeTakeFirst();
    return row && toMultipart(row);
  }

  async updateMultipart(mpid: string, patch: MultipartPatch): Promise<void> {
    const values: Partial<Record<keyof MultipartsTable, unknown>> = {};
    if (patch.state !== undefined) values.state = patch.state;
    if (patch.error !== undefined) values.error = patch.error;
    if (patch.numPieces !== undefined) values.num_pieces = patch.numPieces;
    if (Object.keys(values).length === 0) return;
    await this.db.updateTable('multiparts').set(values as never).where('mpid', '=', mpid).execute();
  }

  async listMultiparts(userId: number, offset: number, limit: number, under?: string): Promise<MultipartRecord[]> {
    let query = this.db.selectFrom('multiparts').selectAll().where('user_id', '=', userId);
    // Paths inside `under` are those between `under/` and `under0` ('0' follows '/'), in byte order.
    if (under !== undefined && under !== '/') query = query.where('path', '>', `${under}/`).where('path', '<', `${under}0`);
    const rows = await query
      .orderBy('created')
      .orderBy('mpid')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map(toMultipart);
  }

  async countMultiparts(userId: number, states: readonly number[]): Promise<number> {
    const row = await this.db
      .selectFrom('multiparts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('state', 'in', [...states])
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async multipartsInStates(states: readonly number[], createdBefore: number, limit: number): Promise<MultipartRecord[]> {
    const rows = await this.db
      .selectFrom('multiparts')
      .selectAll()
      .where('state', 'in', [...states])
      .where('created', '<', createdBefore)
      .orderBy('created')
      .limit(limit)
      .execute();
    return rows.map(toMultipart);
  }

  async addPiece(p: Omit<PieceRecord, 'seq'>): Promise<PieceRecord> {
    const last = await this.db
      .selectFrom('pieces')
      .select((eb) => eb.fn.max<number | null>('seq').as('m'))
      .where('mpid', '=', p.mpid)
      .executeTakeFirst();
    const seq = Number(last?.m ?? 0) + 1;
    await this.db
      .insertInto('pieces')
      .values({
        mpid: p.mpid, seq, number: p.number, size: p.sizeBytes, sha256: p.sha256, state: p.state, error: p.error,
        blob_id: p.blobId, created: p.created,
      })
      .execute();
    return { ...p, seq };
  }

  async listPieces(mpid: string, offset: number, limit: number): Promise<PieceRecord[]> {
    const rows = await this.db
      .selectFrom('pieces')
      .selectAll()
      .where('mpid', '=', mpid)
      .orderBy('seq')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map(toPiece);
  }

  async updatePiece(mpid: string, seq: number, patch: PiecePatch): Promise<void> {
    const values: Partial<Record<keyof PiecesTable, unknown>> = {};
    if (patch.state !== undefined) values.state = patch.state;
    if (patch.error !== undefined) values.error = patch.error;
    if (patch.blobId !== undefined) values.blob_id = patch.blobId;
    if (Object.keys(values).length === 0) return;
    await this.db.updateTable('pieces').set(values as never).where('mpid', '=', mpid).where('seq', '=', seq).execute();
  }

  async scanFiles(afterId: number, limit: number): Promise<NodeRecord[]> {
    const rows = await this.db.selectFrom('nodes').selectAll().where('kind', '=', 2).where('id', '>', afterId).orderBy('id').limit(limit).execute();
    return rows.map(toNode);
  }

  async scanMultiparts(afterMpid: string, limit: number): Promise<MultipartRecord[]> {
    const rows = await this.db.selectFrom('multiparts').selectAll().where('mpid', '>', afterMpid).orderBy('mpid').limit(limit).execute();
    return rows.map(toMultipart);
  }

  async scanGarbageBlobs(afterBlobId: string, limit: number): Promise<string[]> {
    const rows = await this.db.selectFrom('garbage_blobs').select('blob_id').where('blob_id', '>', afterBlobId).orderBy('blob_id').limit(limit).execute();
    return rows.map((r) => r.blob_id);
  }
}

function toMultipart(r: Selectable<MultipartsTable>): MultipartRecord {
  return {
    mpid: r.mpid,
    userId: Number(r.user_id),
    uid: Number(r.uid),
    gid: Number(r.gid),
    path: r.path,
    contentType: r.content_type,
    mtime: Number(r.mtime),
    created: Number(r.created),
    state: Number(r.state),
    error: Number(r.error),
    numPieces: Number(r.num_pieces),
  };
}

function toPiece(r: Selectable<PiecesTable>): PieceRecord {
  return {
    mpid: r.mpid,
    seq: Number(r.seq),
    number: Number(r.number),
    sizeBytes: Number(r.size),
    sha256: r.sha256,
    state: Number(r.state),
    error: Number(r.error),
    blobId: r.blob_id,
    created: Number(r.created),
  };
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
    admin: Number(r.admin ?? 0) !== 0,
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
    origin: (r.origin ?? 'login') as SessionOrigin,
  };
}
