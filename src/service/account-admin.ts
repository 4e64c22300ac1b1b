/**
 * Account administration through the API (an extension, docs/extensions.md):
 * an account administrator — a user with the admin flag — manages the users
 * and key pairs of its own account and of no other. Every call starts from a
 * token; a caller without the flag gets PermissionDenied, and a user of
 * another account is NotFound, so names outside the account do not leak.
 */
import { randomBytes } from 'node:crypto';
import { OriginError } from '../domain/errors.js';
import type { Caller, UserRecord } from '../domain/model.js';
import type { Admin } from './admin.js';
import { nowSeconds, type ServiceDeps } from './deps.js';
import type { KeyPair } from './signing.js';
import type { Sessions } from './sessions.js';

/** What an administrator sees of a user: never its password hash or secret key. */
export interface UserSummary {
  readonly username: string;
  readonly account: string;
  /** Relative to the account root: "/" means the whole account. */
  readonly home: string;
  readonly uid: number;
  readonly gid: number;
  readonly disabled: boolean;
  readonly admin: boolean;
  readonly created: number;
  /** The user's access key, or null without a key pair. */
  readonly accessKey: string | null;
  readonly keyCreated: number | null;
}

export interface SessionInfo {
  readonly username: string;
  readonly account: string;
  readonly home: string;
  /** Absolute namespace path the token is rooted at. */
  readonly root: string;
  readonly admin: boolean;
  /** Epoch milliseconds; 0 means never. */
  readonly expiresMs: number;
}

export interface NewAccountUser {
  readonly username: string;
  readonly password: string;
  readonly home: string;
  readonly admin: boolean;
}

export class AccountAdmin {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly sessions: Sessions,
    private readonly admin: Admin,
  ) {}

  /** Any user may ask who it is; the console shows the admin screens when `admin` is true. */
  async sessionInfo(token: string): Promise<SessionInfo> {
    const { user, session } = await this.sessions.resolve(token);
    return { username: user.username, account: user.account, home: user.home, root: session.root, admin: user.admin, expiresMs: session.expiresMs };
  }

  async listUsers(token: string): Promise<UserSummary[]> {
    const caller = await this.administrator(token);
    const users = await this.deps.metadata.listUsers(caller.user.account);
    return Promise.all(users.map((u) => this.summary(u)));
  }

  async addUser(token: string, input: NewAccountUser): Promise<UserSummary> {
    const caller = await this.administrator(token);
    if (await this.deps.metadata.getUserByName(input.username)) throw new OriginError('AlreadyExists', { username: input.username });
    const user = await this.admin.addUser(caller.user.account, input.username, input.password, { home: input.home, admin: input.admin });
    return this.summary(user);
  }

  async setPassword(token: string, username: string, password: string): Promise<void> {
    await this.target(token, username);
    await this.admin.setPassword(username, password);
  }

  /** An administrator cannot disable itself: the account would be left with no one to undo it. */
  async setDisabled(token: string, username: string, disabled: boolean): Promise<void> {
    const { caller, user } = await this.target(token, username);
    if (disabled && user.id === caller.user.id) throw new OriginError('PermissionDenied', { reason: 'an administrator cannot disable itself' });
    await this.admin.setDisabled(username, disabled);
  }

  async setHome(token: string, username: string, home: string): Promise<void> {
    await this.target(token, username);
    await this.admin.setHome(username, home);
  }

  /** Likewise, an administrator cannot take its own flag away. */
  async setAdmin(token: string, username: string, admin: boolean): Promise<void> {
    const { caller, user } = await this.target(token, username);
    if (!admin && user.id === caller.user.id) throw new OriginError('PermissionDenied', { reason: 'an administrator cannot revoke itself' });
    await this.admin.setAdmin(username, admin);
  }

  /** A new key pair for the user, replacing its old one; the secret is returned here only. */
  async initKeyPair(token: string, username: string): Promise<KeyPair> {
    const { user } = await this.target(token, username);
    const pair = { accessKey: randomBytes(20).toString('hex'), secretKey: randomBytes(24).toString('hex') };
    await this.deps.metadata.transaction((tx) => tx.replaceKeyPair({ ...pair, userId: user.id, created: nowSeconds(this.deps) }));
    return pair;
  }

  async deleteKeyPair(token: string, username: string): Promise<void> {
    const { user } = await this.target(token, username);
    if (!(await this.deps.metadata.getKeyPairOfUser(user.id))) throw new OriginError('NotFound', { reason: 'the user has no key pair' });
    await this.deps.metadata.transaction((tx) => tx.deleteKeyPairsOfUser(user.id));
  }

  private async administrator(token: string): Promise<Caller> {
    const caller = await this.sessions.resolve(token);
    if (!caller.user.admin) throw new OriginError('PermissionDenied', { reason: 'only an account administrator may do this' });
    return caller;
  }

  private async target(token: string, username: string): Promise<{ caller: Caller; user: UserRecord }> {
    const caller = await this.administrator(token);
    if (username === '') throw new OriginError('EmptyUsername');
    const user = await this.deps.metadata.getUserByName(username);
    if (!user || user.account !== caller.user.account) throw new OriginError('NotFound', { reason: `no user ${username} in this account` });
    return { caller, user };
  }

  private async summary(u: UserRecord): Promise<UserSummary> {
    const pair = await this.deps.metadata.getKeyPairOfUser(u.id);
    return {
      username: u.username, account: u.account, home: u.home, uid: u.uid, gid: u.gid, disabled: u.disabled, admin: u.admin,
      created: u.created, accessKey: pair?.accessKey ?? null, keyCreated: pair?.created ?? null,
    };
  }
}
