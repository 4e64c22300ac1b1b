/**
 * The console's view of the Origin Storage API: the calls it makes, typed,
 * with one error type. JSON-RPC goes through `rpc()`; uploads go through
 * XMLHttpRequest because fetch cannot report upload progress in browsers.
 * A -10001 answer anywhere means the session is over: `onExpired` brings
 * the login screen back.
 */
import type { Entry, EntryKind } from './listing.js';
import type { ListPage } from './folder-loader.js';

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

export type Progress = (sentBytes: number) => void;

/** What the codes mean where the console meets them (the spec's per-method lists). */
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

function codeOf(result: unknown): number {
  if (typeof result === 'number') return result;
  if (result !== null && typeof result === 'object' && typeof (result as { code?: unknown }).code === 'number') return (result as { code: number }).code;
  return 0;
}

/** Segments URI-quoted for X-Agile-Encoding: UTF8 (using_utf8.md), '/' kept. */
function quotePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

export class ConsoleApi {
  #nextId = 1;

  constructor(
    readonly baseUrl: string,
    readonly token: string,
    private readonly onExpired: () => void,
  ) {}

  static async login(baseUrl: string, username: string, password: string): Promise<LoginAnswer> {
    const result = await rawRpc(baseUrl, 'login', { username, password, detail: true }, 1);
    if (Array.isArray(result) && typeof result[0] === 'string') {
      return { token: result[0], root: String((result[1] as { path?: string } | null)?.path ?? '/') };
    }
    const code = typeof result === 'number' ? result : -10001;
    throw new ApiError('login', code, code === -10001 ? 'The user name or password is wrong.' : (MEANINGS[code] ?? `Login failed (${code}).`));
  }

  /** A call that takes the token first; a non-zero code becomes an ApiError. */
  async rpc<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const result = await rawRpc(this.baseUrl, method, { token: this.token, ...params }, this.#nextId++);
    const code = codeOf(result);
    if (code === -10001) {
      this.onExpired();
      throw new SessionExpired(method);
    }
    if (code !== 0) throw new ApiError(method, code, MEANINGS[code] ?? `${method} failed with code ${code}.`);
    return result as T;
  }

  async sessionInfo(): Promise<SessionInfo> {
    const r = await this.rpc<{ username: string; account: string; home: string; path: string; admin: boolean; expires_ms: number }>('getSessionInfo');
    return { username: r.username, account: r.account, home: r.home, root: r.path, admin: r.admin, expiresMs: r.expires_ms };
  }

  async logout(): Promise<void> {
    await rawRpc(this.baseUrl, 'logout', { token: this.token }, this.#nextId++).catch(() => undefined);
  }

  readonly list = async (kind: EntryKind, path: string, cookie: number, pageSize: number): Promise<ListPage> => {
    const r = await this.rpc<{ cookie: number; list: WireEntry[] }>(kind === 'dir' ? 'listDir' : 'listFile', { path, pageSize, cookie, stat: true });
    return { cookie: r.cookie, entries: r.list.map((w) => toEntry(kind, w)) };
  };

  async stat(path: string): Promise<Entry> {
    const r = await this.rpc<WireStat & { type: number }>('stat', { path, detail: true });
    return toEntry(r.type === 1 ? 'dir' : 'file', { name: path.slice(path.lastIndexOf('/') + 1), stat: r });
  }

  async makeDir(path: string, leading = false): Promise<void> {
    await this.rpc(leading ? 'makeDir2' : 'makeDir', { path });
  }

  async deleteFile(path: string): Promise<void> {
    await this.rpc('deleteFile', { path });
  }

  async deleteDir(path: string): Promise<void> {
    await this.rpc('deleteDir', { path });
  }

  async rename(oldpath: string, newpath: string): Promise<void> {
    await this.rpc('rename', { oldpath, newpath });
  }

  async links(path: string, expirySeconds: number): Promise<Links> {
    const r = await this.rpc<{ download_url: string; preview_url: string }>('mediaVaultUrl', { path, expiry: expirySeconds });
    return { downloadUrl: r.download_url, previewUrl: r.preview_url };
  }

  async multipartState(mpid: string): Promise<{ state: number; error: number }> {
    const r = await this.rpc<{ state: number; error: number }>('getMultipartStatus', { mpid });
    return { state: r.state, error: r.error };
  }

  async abortMultipart(mpid: string): Promise<void> {
    await this.rpc('abortMultipart', { mpid }).catch(() => undefined);
  }

  // --- uploads over HTTP ---------------------------------------------------

  /** /post/raw of one file into `folder` (created with its parents when missing). */
  postRaw(folder: string, name: string, body: Blob, onProgress: Progress, signal: AbortSignal): Promise<void> {
    return this.xhr('/post/raw', body, {
      'X-Agile-Directory': quotePath(folder), 'X-Agile-Basename': encodeURIComponent(name), 'X-Agile-Recursive': 'true',
      'X-Agile-Encoding': 'UTF8', 'X-Agile-Content-Detect': 'name',
    }, onProgress, signal).then(() => undefined);
  }

  async multipartCreate(folder: string, name: string): Promise<string> {
    const r = await this.agile('/multipart/create', {
      'X-Agile-Directory': quotePath(folder), 'X-Agile-Basename': encodeURIComponent(name), 'X-Agile-Encoding': 'UTF8',
    });
    const mpid = r.get('x-agile-multipart');
    if (!mpid) throw new ApiError('/multipart/create', -27, 'The server did not start the upload.');
    return mpid;
  }

  multipartPiece(mpid: string, number: number, body: Blob, onProgress: Progress, signal: AbortSignal): Promise<void> {
    return this.xhr('/multipart/piece', body, { 'X-Agile-Multipart': mpid, 'X-Agile-Part': String(number) }, onProgress, signal).then(() => undefined);
  }

  async multipartComplete(mpid: string): Promise<void> {
    await this.agile('/multipart/complete', { 'X-Agile-Multipart': mpid });
  }

  private async agile(path: string, headers: Record<string, string>): Promise<Headers> {
    const response = await fetch(this.baseUrl + path, { method: 'POST', headers: { ...headers, 'X-Agile-Authorization': this.token } });
    await response.arrayBuffer();
    this.checkAgile(path, response.status, response.headers.get('x-agile-status'));
    return response.headers;
  }

  private checkAgile(path: string, httpStatus: number, agileStatus: string | null): void {
    const code = agileStatus === null ? (httpStatus === 200 ? 0 : -5) : Number(agileStatus);
    if (code === -10001) {
      this.onExpired();
      throw new SessionExpired(path);
    }
    if (httpStatus === 429) throw new ApiError(path, -429, 'The server is busy; try again in a moment.');
    if (code !== 0) throw new ApiError(path, code, `${path} failed with code ${code}${MEANINGS[code] ? `: ${MEANINGS[code]}` : '.'}`);
  }

  private xhr(path: string, body: Blob, headers: Record<string, string>, onProgress: Progress, signal: AbortSignal): Promise<XMLHttpRequest> {
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open('POST', this.baseUrl + path);
      for (const [k, v] of Object.entries({ ...headers, 'X-Agile-Authorization': this.token })) request.setRequestHeader(k, v);
      request.upload.onprogress = (e) => onProgress(e.loaded);
      request.onload = () => {
        try {
          this.checkAgile(path, request.status, request.getResponseHeader('x-agile-status'));
          onProgress(body.size);
          resolve(request);
        } catch (err) {
          reject(err);
        }
      };
      request.onerror = () => reject(new ApiError(path, -5, 'The connection failed.'));
      request.onabort = () => reject(new DOMException('cancelled', 'AbortError'));
      if (signal.aborted) return reject(new DOMException('cancelled', 'AbortError'));
      signal.addEventListener('abort', () => request.abort(), { once: true });
      request.send(body);
    });
  }
}

interface WireStat {
  readonly size?: number;
  readonly mtime?: number;
  readonly ctime?: number;
  readonly mimetype?: string;
  readonly checksum?: string;
}

interface WireEntry {
  readonly name: string;
  readonly stat?: WireStat;
}

function toEntry(kind: EntryKind, w: WireEntry): Entry {
  const s = w.stat ?? {};
  return { name: w.name, kind, sizeBytes: s.size ?? 0, mtime: s.mtime ?? 0, ctime: s.ctime ?? 0, mime: s.mimetype ?? '', sha256: s.checksum ?? '' };
}

async function rawRpc(baseUrl: string, method: string, params: Record<string, unknown>, id: number): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/jsonrpc`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
    });
  } catch {
    throw new ApiError(method, -5, 'The server cannot be reached.');
  }
  const answer = (await response.json().catch(() => ({}))) as { result?: unknown; error?: { code: number; message: string } };
  if (answer.error) throw new ApiError(method, answer.error.code, answer.error.message);
  return answer.result;
}
