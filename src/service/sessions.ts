/**
 * login, authenticate, /account/login, logout, checkToken, updateSession and
 * the token check every other call starts with. Tokens are random UUIDs kept
 * in the metadata store (so any server instance accepts them), rooted at the
 * user's home or at the sub-directory asked for at login.
 */
import { OriginError } from '../domain/errors.js';
import type { Caller, SessionOrigin, SessionRecord, UserRecord } from '../domain/model.js';
import { parseCallerPath, underRoot } from '../domain/paths.js';
import type { ServiceDeps } from './deps.js';
import { DECOY_HASH, verifyPassword } from './passwords.js';
import { ensureDirectory } from './tree.js';

export interface LoginOptions {
  /** Seconds; undefined means the configured default. */
  readonly expirySeconds?: number | undefined;
  /** A caller path below the user's home; undefined or '/' means the home. */
  readonly subdir?: string | undefined;
  /** Which call is logging in; `authenticate` ends the user's tokens from `login`. Defaults to 'login'. */
  readonly origin?: SessionOrigin | undefined;
}

export interface LoginResult {
  readonly token: string;
  readonly user: UserRecord;
  /** Absolute namespace path the token is rooted at. */
  readonly root: string;
}

/** The largest expiry updateSession accepts (a signed 32-bit count of seconds). */
const MAX_SESSION_EXPIRY_SECONDS = 2 ** 31 - 1;

export class Sessions {
  constructor(private readonly deps: ServiceDeps) {}

  async login(username: string, password: string, opts: LoginOptions = {}): Promise<LoginResult> {
    if (username === '') throw new OriginError('EmptyUsername');
    if (password === '') throw new OriginError('EmptyPassword');
    const expirySeconds = opts.expirySeconds ?? this.deps.limits.sessionTtlSeconds;
    if (!Number.isSafeInteger(expirySeconds) || expirySeconds < 1 || expirySeconds > this.deps.limits.maxLoginExpirySeconds) {
      throw new OriginError('InvalidExpiry', { reason: `expiry must be 1 to ${this.deps.limits.maxLoginExpirySeconds} seconds` });
    }
    const user = await this.checkCredentials(username, password);
    const root = await this.rootFor(user, opts.subdir);
    const now = this.deps.clock.nowMs();
    const session: SessionRecord = {
      token: this.deps.ids.token(),
      userId: user.id,
      root,
      createdMs: now,
      expiresMs: now + expirySeconds * 1000,
      expiryUpdated: false,
      origin: opts.origin ?? 'login',
    };
    await this.deps.metadata.transaction(async (tx) => {
      // "If you had previously obtained a token with the login method, you can no longer use it after making the call to authenticate."
      if (session.origin === 'authenticate') await tx.deleteUserSessions(user.id, 'login');
      await tx.createSession(session);
    });
    return { token: session.token, user, root };
  }

  private async checkCredentials(username: string, password: string): Promise<UserRecord> {
    const user = await this.deps.metadata.getUserByName(username);
    const ok = await verifyPassword(password, user?.passwordHash ?? DECOY_HASH);
    if (!user || !ok || user.disabled) throw new OriginError('BadCredentials');
    return user;
  }

  private async rootFor(user: UserRecord, subdir: string | undefined): Promise<string> {
    const home = homeOf(user);
    // A home that an operator deleted is created again rather than locking its user out.
    if (!(await this.deps.metadata.getNodeByPath(home))) {
      await this.deps.metadata.transaction((tx) => ensureDirectory(tx, home, user, Math.floor(this.deps.clock.nowMs() / 1000)));
    }
    if (subdir === undefined) return home;
    let segments: string[];
    try {
      segments = parseCallerPath(subdir);
    } catch {
      throw new OriginError('InvalidSubdir', { reason: 'the sub-directory is not a valid path' });
    }
    const root = underRoot(home, segments);
    const node = await this.deps.metadata.getNodeByPath(root);
    if (node?.kind !== 'dir') throw new OriginError('InvalidSubdir', { reason: 'the sub-directory does not exist' });
    return root;
  }

  /** The caller behind a token, or InvalidToken. Expired tokens are removed on sight. */
  async resolve(token: string): Promise<Caller> {
    if (token === '') throw new OriginError('InvalidToken');
    const found = await this.deps.metadata.getSessionAndUser(token);
    if (!found) throw new OriginError('InvalidToken');
    const { session, user } = found;
    if (session.expiresMs !== 0 && session.expiresMs <= this.deps.clock.nowMs()) {
      await this.deps.metadata.deleteSession(token);
      throw new OriginError('InvalidToken', { reason: 'the token has expired' });
    }
    if (!user || user.disabled) throw new OriginError('InvalidToken');
    return { session, user };
  }

  async logout(token: string): Promise<void> {
    if (!(await this.deps.metadata.deleteSession(token))) throw new OriginError('InvalidToken');
  }

  async checkToken(token: string): Promise<{ caller: Caller; ageSeconds: number }> {
    const caller = await this.resolve(token);
    return { caller, ageSeconds: (this.deps.clock.nowMs() - caller.session.createdMs) / 1000 };
  }

  /** working_with_sessions.md: 0 (the default) means never expire; only once per session. */
  async updateSession(token: string, expireSeconds: number): Promise<void> {
    await this.resolve(token);
    if (!Number.isSafeInteger(expireSeconds) || expireSeconds < 0 || expireSeconds > MAX_SESSION_EXPIRY_SECONDS) {
      throw new OriginError('InvalidExpiry', { reason: 'expire must be a whole number of seconds, 0 for never' });
    }
    const expiresMs = expireSeconds === 0 ? 0 : this.deps.clock.nowMs() + expireSeconds * 1000;
    if (!(await this.deps.metadata.setSessionExpiryOnce(token, expiresMs))) throw new OriginError('ExpiryAlreadySet');
  }
}

/** The absolute path of a user's home: /{account}{home}. */
export function homeOf(user: UserRecord): string {
  return underRoot(`/${user.account}`, parseCallerPath(user.home));
}
