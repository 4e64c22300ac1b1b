/**
 * Accounts and users, for the `originstore account|user` commands and the
 * first-run setup. Each account owns the namespace /{account}; a user's
 * tokens are rooted at its home directory inside it.
 */
import { OriginError } from '../domain/errors.js';
import type { AccountRecord, UserRecord } from '../domain/model.js';
import { parseCallerPath, underRoot } from '../domain/paths.js';
import { nowSeconds, type ServiceDeps } from './deps.js';
import { hashPassword } from './passwords.js';
import { homeOf } from './sessions.js';
import { ensureDirectory } from './tree.js';

export interface NewUserOptions {
  readonly home?: string | undefined;
  readonly uid?: number | undefined;
  readonly gid?: number | undefined;
  /** An account administrator (docs/extensions.md). */
  readonly admin?: boolean | undefined;
}

const ACCOUNT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const RESERVED_ACCOUNTS = new Set(['console']);
const FIRST_UID = 10000;
const DEFAULT_GID = 100;

export class Admin {
  constructor(private readonly deps: ServiceDeps) {}

  async addAccount(name: string): Promise<AccountRecord> {
    // Account names appear as a host label (egress by Host) and a path segment.
    if (!ACCOUNT_NAME.test(name)) {
      throw new OriginError('InvalidPath', { reason: 'an account name is 1-63 lower-case letters, digits, - or _' });
    }
    // /console is the web console, so an account of that name could never be reached by egress.
    if (RESERVED_ACCOUNTS.has(name)) throw new OriginError('InvalidPath', { reason: `'${name}' is reserved` });
    const now = nowSeconds(this.deps);
    return this.deps.metadata.transaction(async (tx) => {
      const account = await tx.createAccount(name, now);
      await ensureDirectory(tx, `/${name}`, { uid: 0, gid: 0 }, now);
      return account;
    });
  }

  listAccounts(): Promise<AccountRecord[]> {
    return this.deps.metadata.listAccounts();
  }

  async addUser(account: string, username: string, password: string, opts: NewUserOptions = {}): Promise<UserRecord> {
    if (!(await this.deps.metadata.getAccount(account))) throw new OriginError('NotFound', { reason: `no account ${account}` });
    if (username === '') throw new OriginError('EmptyUsername');
    if (password === '') throw new OriginError('EmptyPassword');
    const home = underRoot('/', parseCallerPath(opts.home ?? '/'));
    const passwordHash = await hashPassword(password);
    const now = nowSeconds(this.deps);
    return this.deps.metadata.transaction(async (tx) => {
      const uid = opts.uid ?? Math.max(FIRST_UID, (await tx.maxUid()) + 1);
      const user = await tx.createUser({
        account, username, passwordHash, uid, gid: opts.gid ?? DEFAULT_GID, home, disabled: false, created: now,
        admin: opts.admin === true,
      });
      await ensureDirectory(tx, homeOf(user), user, now);
      return user;
    });
  }

  async setPassword(username: string, password: string): Promise<void> {
    if (password === '') throw new OriginError('EmptyPassword');
    const user = await this.user(username);
    await this.deps.metadata.updateUser(user.id, { passwordHash: await hashPassword(password) });
  }

  /** Disabling also ends the user's sessions. */
  async setDisabled(username: string, disabled: boolean): Promise<void> {
    const user = await this.user(username);
    await this.deps.metadata.transaction(async (tx) => {
      await tx.updateUser(user.id, { disabled });
      if (disabled) await tx.deleteUserSessions(user.id);
    });
  }

  /** A new home (created when missing); the user's tokens, rooted at the old one, end. */
  async setHome(username: string, home: string): Promise<void> {
    const user = await this.user(username);
    const relative = underRoot('/', parseCallerPath(home));
    const now = nowSeconds(this.deps);
    await this.deps.metadata.transaction(async (tx) => {
      await tx.updateUser(user.id, { home: relative });
      await ensureDirectory(tx, homeOf({ ...user, home: relative }), user, now);
      await tx.deleteUserSessions(user.id);
    });
  }

  async setAdmin(username: string, admin: boolean): Promise<void> {
    const user = await this.user(username);
    await this.deps.metadata.updateUser(user.id, { admin });
  }

  async removeUser(username: string): Promise<void> {
    const user = await this.user(username);
    await this.deps.metadata.transaction(async (tx) => {
      await tx.deleteUserSessions(user.id);
      await tx.deleteUser(user.id);
    });
  }

  listUsers(account?: string): Promise<UserRecord[]> {
    return this.deps.metadata.listUsers(account);
  }

  private async user(username: string): Promise<UserRecord> {
    const user = await this.deps.metadata.getUserByName(username);
    if (!user) throw new OriginError('NotFound', { reason: `no user ${username}` });
    return user;
  }
}
