/**
 * The console's view of the Origin Storage API, over the typed client
 * (src/client): the calls the console makes, with one error type whose
 * message is fit to show. A -10001 answer anywhere means the session is
 * over: `onExpired` brings the login screen back. The client is given the
 * token only, never the password, so it cannot log in again by itself.
 */
import { OriginStoreClient, OriginStoreError, OriginStoreNetworkError, type UploadFileResult } from '../client/index.js';
import type { ListPage } from './folder-loader.js';
import type { Entry, EntryKind } from './listing.js';

export class ApiError extends Error {
  constructor(
    readonly call: string,
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export class SessionExpired extends ApiError {
  constructor(call: string) {
    super(call, -10001, 'Your session has ended. Please log in again.');
  }
}

export interface LoginAnswer {
  readonly token: string;
  readonly root: string;
}

export interface SessionInfo {
  readonly username: string;
  readonly account: string;
  readonly home: string;
  readonly root: string;
  readonly admin: boolean;
  readonly expiresMs: number;
}

export interface UserRow {
  readonly username: string;
  readonly home: string;
  readonly uid: number;
  readonly disabled: boolean;
  readonly admin: boolean;
  readonly created: number;
  readonly accessKey: string | null;
  readonly keyCreated: number | null;
}

export interface Links {
  readonly downloadUrl: string;
  readonly previewUrl: string;
}

export interface UploadOptions {
  readonly multipartThresholdBytes: number;
  readonly partSizeBytes: number;
  readonly concurrency: number;
  readonly onProgress: (sentBytes: number) => void;
  readonly signal: AbortSignal;
}

/** What the codes mean where the console meets them, in the words of the spec's per-method lists. */
const MEANINGS: Readonly<Record<number, string>> = {
  [-1]: 'It does not exist (or the path is not valid).',
  [-2]: 'Something with that name already exists.',
  [-3]: 'The parent folder does not exist.',
  [-6]: 'Permission denied.',
  [-7]: 'The folder is not empty: delete what is in it first.',
  [-8]: 'That name or path is not valid.',
  [-40]: 'Type a user name.',
  [-41]: 'Type a password.',
};

export class ConsoleApi {
  readonly client: OriginStoreClient;

  constructor(
    readonly baseUrl: string,
    readonly token: string,
    private readonly onExpired: () => void,
  ) {
    this.client = new OriginStoreClient({ url: baseUrl, token });
  }

  static async login(baseUrl: string, username: string, password: string): Promise<LoginAnswer> {
    try {
      const session = await new OriginStoreClient({ url: baseUrl, username, password }).login();
      return { token: session.token, root: session.root };
    } catch (err) {
      if (err instanceof OriginStoreError && err.code === -10001) throw new ApiError('login', -10001, 'The user name or password is wrong.');
      throw translate('login', err);
    }
  }

  /** Any token-taking method by name, the extensions included; a non-zero code becomes an ApiError. */
  rpc<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    return this.#guard(method, this.client.call<T>(method, params));
  }

  async sessionInfo(): Promise<SessionInfo> {
    const r = await this.rpc<{ username: string; account: string; home: string; path: string; admin: boolean; expires_ms: number }>('getSessionInfo');
    return { username: r.username, account: r.account, home: r.home, root: r.path, admin: r.admin, expiresMs: r.expires_ms };
  }

  async logout(): Promise<void> {
    await this.client.logout().catch(() => undefined);
  }

  readonly list = async (kind: EntryKind, path: string, cookie: number, pageSize: number): Promise<ListPage> => {
    const options = { pageSize, cookie, stat: true };
    const page = await this.#guard(kind === 'dir' ? 'listDir' : 'listFile', kind === 'dir' ? this.client.listDir(path, options) : this.client.listFile(path, options));
    return { cookie: page.cookie, entries: page.list.map((w) => toEntry(kind, w.name, w.stat ?? {})) };
  };

  async stat(path: string): Promise<Entry> {
    const s = await this.#guard('stat', this.client.stat(path, { detail: true }));
    return toEntry(s.type === 1 ? 'dir' : 'file', path.slice(path.lastIndexOf('/') + 1), s);
  }

  makeDir(path: string, leading = false): Promise<void> {
    return this.#guard(leading ? 'makeDir2' : 'makeDir', leading ? this.client.makeDir2(path) : this.client.makeDir(path));
  }

  deleteFile(path: string): Promise<void> {
    return this.#guard('deleteFile', this.client.deleteFile(path));
  }

  deleteDir(path: string): Promise<void> {
    return this.#guard('deleteDir', this.client.deleteDir(path));
  }

  rename(oldPath: string, newPath: string): Promise<void> {
    return this.#guard('rename', this.client.rename(oldPath, newPath));
  }

  async links(path: string, expirySeconds: number): Promise<Links> {
    const r = await this.#guard('mediaVaultUrl', this.client.mediaVaultUrl(path, expirySeconds));
    return { downloadUrl: r.download_url, previewUrl: r.preview_url };
  }

  /**
   * One file, the client's way: /post/raw (through XMLHttpRequest, for its
   * progress events) or parallel multipart pieces, every digest checked. A
   * cancelled multipart upload is aborted on the server too.
   */
  async upload(file: Blob, path: string, o: UploadOptions): Promise<UploadFileResult> {
    let mpid: string | undefined;
    try {
      return await this.#guard('upload', this.client.uploadFile(file, path, {
        multipartThresholdBytes: o.multipartThresholdBytes, partSizeBytes: o.partSizeBytes, concurrency: o.concurrency, createParents: true,
        signal: o.signal, onProgress: (p) => o.onProgress(p.transferredBytes), onMultipartCreated: (id) => { mpid = id; },
      }));
    } catch (err) {
      if (mpid !== undefined) await this.client.abortMultipart(mpid).catch(() => undefined);
      throw err;
    }
  }

  async #guard<T>(call: string, work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (err) {
      if (err instanceof OriginStoreError && err.code === -10001) {
        this.onExpired();
        throw new SessionExpired(call);
      }
      throw translate(call, err);
    }
  }
}

function translate(call: string, err: unknown): unknown {
  if (err instanceof OriginStoreError) {
    if (err.httpStatus === 429) return new ApiError(call, err.code, 'The server is busy; try again in a moment.');
    return new ApiError(err.call, err.code, MEANINGS[err.code] ?? `${err.meaning[0]?.toUpperCase() ?? ''}${err.meaning.slice(1)} (${err.call}, code ${err.code}).`);
  }
  if (err instanceof OriginStoreNetworkError) return new ApiError(call, -5, 'The server cannot be reached.');
  return err;
}

interface WireStat {
  readonly size?: number;
  readonly mtime?: number;
  readonly ctime?: number;
  readonly mimetype?: string;
  readonly checksum?: string;
}

function toEntry(kind: EntryKind, name: string, s: WireStat): Entry {
  return { name, kind, sizeBytes: s.size ?? 0, mtime: s.mtime ?? 0, ctime: s.ctime ?? 0, mime: s.mimetype ?? '', sha256: s.checksum ?? '' };
}
