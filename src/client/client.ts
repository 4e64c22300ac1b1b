/**
 * OriginStoreClient: one typed method for every JSON-RPC method and HTTP
 * endpoint of an Origin Storage server. Runs wherever `fetch` does (Node 20,
 * browsers); Node-only sources (file paths, fs streams) are in `./node.ts`.
 */
import { OriginStoreError } from './errors.js';
import { codeOf, Transport, type TransportOptions } from './transport.js';
import * as http from './http.js';
import { download, egressUrl, head, type DownloadOptions, type Download, type HeadResult } from './download.js';
import { uploadFile, type UploadFileOptions, type UploadFileResult, type UploadSource } from './upload.js';
import { createSha256, type Hasher } from './sha256.js';
import { digestHex, type UploadBody } from './bodies.js';
import type {
  CheckTokenResult, DirStat, FileStat, KeyPair, ListOptions, ListPage, ListPathPage, MediaVaultUrls, MultipartPage,
  MultipartStatus, PiecePage, Session, StatResult, UploadResult,
} from './types.js';

export interface ClientOptions extends TransportOptions {
  /** Hashers for uploads and downloads; the default is a portable SHA-256 (Node users get node:crypto from `client/node`). */
  readonly createHasher?: (() => Hasher) | undefined;
}

/** Calls that change nothing, so they are retried when no answer came. */
const IDEMPOTENT = new Set([
  'checkToken', 'noop', 'ping', 'stat', 'listDir', 'listFile', 'listPath', 'mediaVaultUrl', 'getMultipartStatus',
  'getMultipartStatusMap', 'listMultipart', 'listMultipartPiece', 'setMTime', 'setContentType', 'makeDir2',
]);

export class OriginStoreClient {
  /** @internal */
  readonly transport: Transport;
  /** Makes a SHA-256 hasher; used to verify uploads and downloads. */
  readonly createHasher: () => Hasher;

  constructor(options: ClientOptions) {
    this.transport = new Transport(options);
    this.createHasher = options.createHasher ?? createSha256;
  }

  /** The server's base URL, without a trailing slash. */
  get url(): string {
    return this.transport.baseUrl;
  }

  /** The session in use, once logged in. */
  get session(): Session | undefined {
    return this.transport.session;
  }

  // ---- plumbing -----------------------------------------------------------

  /** Calls a token-taking JSON-RPC method and returns its raw result; a nonzero code throws. */
  async call<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const result = await this.transport.rpcWithToken(method, params, { idempotent: IDEMPOTENT.has(method) });
    const code = codeOf(result);
    if (code !== 0) throw new OriginStoreError(method, code);
    return result as T;
  }

  /** Same as `call`, without the code field in the answer. */
  async #fields<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const { code: _code, ...rest } = await this.call<Record<string, unknown>>(method, params);
    return rest as T;
  }

  // ---- sessions (logging_in_using_the_json_rpc_interface.md, working_with_sessions.md) ----

  /** Logs in with the configured username and password (`login`); other calls do this on first use. */
  login(): Promise<Session> {
    return this.transport.login();
  }

  /**
   * `authenticate`: a token with an expiry and rooted at `subdir`. The client
   * uses it from then on. Note that the server ends the user's earlier `login` tokens.
   */
  async authenticate(username: string, password: string, options: { expirySeconds?: number; subdir?: string } = {}): Promise<Session> {
    const result = (await this.transport.rpcRaw('authenticate', {
      username, password, expiry: options.expirySeconds ?? 0, subdir: options.subdir ?? '/',
    }, { idempotent: false })) as { code: number; token: string; uid: number; gid: number; path: string };
    if (codeOf(result) !== 0) throw new OriginStoreError('authenticate', codeOf(result));
    const session = { token: result.token, uid: result.uid, gid: result.gid, root: result.path };
    this.transport.adopt(session);
    return session;
  }

  /** `POST /account/login`: a token through the HTTP interface. The client uses it from then on. */
  async accountLogin(username: string, password: string, options: { expirySeconds?: number; subdir?: string } = {}): Promise<Session> {
    const session = await http.accountLogin(this.transport, username, password, options);
    this.transport.adopt(session);
    return session;
  }

  /** `logout`: ends the token. The next call logs in again. */
  async logout(): Promise<void> {
    const token = this.transport.session?.token;
    if (token === undefined) return;
    const code = codeOf(await this.transport.rpcRaw('logout', { token }, { idempotent: false }));
    this.transport.forget();
    if (code !== 0) throw new OriginStoreError('logout', code);
  }

  /** `checkToken`: who the token belongs to, its root and age. */
  checkToken(): Promise<CheckTokenResult> {
    return this.#fields('checkToken');
  }

  /** `updateSession`: sets the token's expiry (allowed once per session). */
  async updateSession(expireSeconds: number): Promise<void> {
    await this.call('updateSession', { expire: expireSeconds });
  }

  /** `noop`: checks the token and echoes `operation`. */
  async noop(operation: unknown = 'pong'): Promise<unknown> {
    return (await this.call<{ operation: unknown }>('noop', { operation })).operation;
  }

  /** `ping`: echoes `operation` without a token. */
  async ping(operation: unknown = 'pong'): Promise<unknown> {
    const result = (await this.transport.rpcRaw('ping', { operation }, { idempotent: true })) as { code: number; operation: unknown };
    if (codeOf(result) !== 0) throw new OriginStoreError('ping', codeOf(result));
    return result.operation;
  }

  /** `initKeyPair`: a new HMAC key pair for signed requests; the secret is shown only here. */
  initKeyPair(): Promise<KeyPair> {
    return this.#fields('initKeyPair');
  }

  // ---- directories and files (working_with_directories_json.md, working_with_files_json.md) ----

  /** `makeDir`: creates one directory; its parent must exist. */
  async makeDir(path: string): Promise<void> {
    await this.call('makeDir', { path });
  }

  /** `makeDir2`: creates a directory and any missing parents. */
  async makeDir2(path: string): Promise<void> {
    await this.call('makeDir2', { path });
  }

  /** `deleteDir`: deletes an empty directory. */
  async deleteDir(path: string): Promise<void> {
    await this.call('deleteDir', { path });
  }

  /** `deleteFile`. */
  async deleteFile(path: string): Promise<void> {
    await this.call('deleteFile', { path });
  }

  /** `deleteObject`: a file, or an empty directory. */
  async deleteObject(path: string): Promise<void> {
    await this.call('deleteObject', { path });
  }

  /** `rename`: moves a file or directory; `newPath` must not exist. */
  async rename(oldPath: string, newPath: string): Promise<void> {
    await this.call('rename', { oldpath: oldPath, newpath: newPath });
  }

  /** `copyFile`: a server-side copy of a file (no bytes travel). */
  async copyFile(path: string, newPath: string): Promise<void> {
    await this.call('copyFile', { path, newpath: newPath });
  }

  /** `setMTime`: the modification time, epoch seconds. */
  async setMTime(path: string, mtimeSeconds: number): Promise<void> {
    await this.call('setMTime', { path, mtime: mtimeSeconds });
  }

  /** `setContentType`: one of the spec's content types. */
  async setContentType(path: string, contentType: string): Promise<void> {
    await this.call('setContentType', { path, content_type: contentType });
  }

  /** `stat`; with `detail`, also uid, gid, checksum and mimetype. */
  stat(path: string, options: { detail?: boolean } = {}): Promise<StatResult> {
    return this.#fields('stat', { path, detail: options.detail ?? false });
  }

  /** `stat`, answering undefined for a path that does not exist (-1) instead of throwing. */
  async statOrUndefined(path: string, options: { detail?: boolean } = {}): Promise<StatResult | undefined> {
    try {
      return await this.stat(path, options);
    } catch (err) {
      if (err instanceof OriginStoreError && err.code === -1) return undefined;
      throw err;
    }
  }

  /** `listDir`: one page of subdirectories. */
  listDir(path: string, options: ListOptions & { cookie?: number } = {}): Promise<ListPage<DirStat>> {
    return this.#fields('listDir', { path, pageSize: options.pageSize ?? 100, cookie: options.cookie ?? 0, stat: options.stat ?? false });
  }

  /** `listFile`: one page of files. */
  listFile(path: string, options: ListOptions & { cookie?: number } = {}): Promise<ListPage<FileStat>> {
    return this.#fields('listFile', { path, pageSize: options.pageSize ?? 100, cookie: options.cookie ?? 0, stat: options.stat ?? false });
  }

  /** `listPath`: one page of directories then files. */
  listPath(path: string, options: ListOptions & { cookie?: string | null } = {}): Promise<ListPathPage> {
    return this.#fields('listPath', { path, pageSize: options.pageSize ?? 100, cookie: options.cookie ?? null, stat: options.stat ?? false });
  }

  /** Every entry of a directory, following listPath's cookies page by page. */
  async *listAll(path: string, options: ListOptions = {}): AsyncGenerator<{ kind: 'dir'; entry: ListPathPage['dirs'][number] } | { kind: 'file'; entry: ListPathPage['files'][number] }> {
    let cookie: string | null = null;
    do {
      const page: ListPathPage = await this.listPath(path, { pageSize: options.pageSize ?? 1000, stat: options.stat ?? false, cookie });
      for (const entry of page.dirs) yield { kind: 'dir', entry };
      for (const entry of page.files) yield { kind: 'file', entry };
      cookie = page.dirs.length + page.files.length === 0 ? null : page.cookie;
    } while (cookie !== null);
  }

  /** `mediaVaultUrl`: signed download and preview URLs, valid for `expirySeconds` (0: the server's default). */
  mediaVaultUrl(path: string, expirySeconds = 0): Promise<MediaVaultUrls> {
    return this.#fields<MediaVaultUrls & { message?: string }>('mediaVaultUrl', { path, expiry: expirySeconds }).then(({ download_url, preview_url }) => ({ download_url, preview_url }));
  }

  /** `fetchFileHTTP`: the server downloads `uri` into `path` in the background. */
  async fetchFileHTTP(path: string, uri: string, flags = 0): Promise<void> {
    await this.call('fetchFileHTTP', { path, uri, flags });
  }

  // ---- multipart (working_with_multipart_json.md) --------------------------

  /** `createMultipart`: a new multipart upload; answers its mpid. */
  async createMultipart(path: string, options: { contentType?: string; mtimeSeconds?: number } = {}): Promise<string> {
    return (await this.call<{ mpid: string }>('createMultipart', { path, content_type: options.contentType ?? '', mtime: options.mtimeSeconds ?? 0 })).mpid;
  }

  /** `getMultipartStatus`. */
  getMultipartStatus(mpid: string): Promise<MultipartStatus> {
    return this.#fields('getMultipartStatus', { mpid });
  }

  /** `getMultipartStatusMap`: state code → name, for uploads or pieces. */
  async getMultipartStatusMap(name: 'upload' | 'piece' = 'upload'): Promise<Record<string, string>> {
    return (await this.call<{ map: Record<string, string> }>('getMultipartStatusMap', { name })).map;
  }

  /** `listMultipart`: one page of the caller's multipart uploads. */
  listMultipart(options: { cookie?: number; pageSize?: number } = {}): Promise<MultipartPage> {
    return this.#fields('listMultipart', { cookie: options.cookie ?? 0, pagesize: options.pageSize ?? 100 });
  }

  /** `listMultipartPiece`: one page of an upload's pieces, in the order they arrived. */
  listMultipartPiece(mpid: string, options: { cookie?: number; pageSize?: number } = {}): Promise<PiecePage> {
    return this.#fields('listMultipartPiece', { mpid, cookie: options.cookie ?? 0, pagesize: options.pageSize ?? 100 });
  }

  /** `completeMultipart`: starts joining the pieces; answers how many there are. */
  async completeMultipart(mpid: string): Promise<number> {
    return (await this.call<{ numpieces: number }>('completeMultipart', { mpid })).numpieces;
  }

  /** `abortMultipart`. */
  async abortMultipart(mpid: string): Promise<void> {
    await this.call('abortMultipart', { mpid });
  }

  /** `restartMultipart`: runs a FAILED join again. */
  async restartMultipart(mpid: string): Promise<void> {
    await this.call('restartMultipart', { mpid });
  }

  // ---- HTTP interface (uploading_files_*.md, working_with_*_http.md) -------

  /** `POST /post/raw`: the body is the file. Streams are sent as they are read. */
  postRaw(body: UploadBody, options: http.PostOptions): Promise<UploadResult> {
    return http.postRaw(this.transport, body, options);
  }

  /** `POST /post/file`: a multipart/form-data upload, as a browser form sends it. */
  postFile(file: Blob, options: http.PostOptions & { filename?: string }): Promise<UploadResult> {
    return http.postFile(this.transport, file, options);
  }

  /** `POST /post/directory`: creates a directory, and its parents unless `recursive` is false. */
  postDirectory(path: string, options: { recursive?: boolean } = {}): Promise<void> {
    return http.postDirectory(this.transport, path, options.recursive ?? true);
  }

  /** `POST /multipart/create`; answers the mpid. */
  multipartCreate(path: string, options: { contentType?: string; mtimeSeconds?: number } = {}): Promise<string> {
    return http.multipartCreate(this.transport, path, options);
  }

  /** `POST /multipart/piece` with the piece's SHA-256 (computed when not given); checks the digest the server answers. */
  async multipartPiece(mpid: string, pieceNumber: number, bytes: Uint8Array, sha256?: string): Promise<{ sizeBytes: number; sha256: string }> {
    return http.multipartPiece(this.transport, mpid, pieceNumber, bytes, sha256 ?? (await digestHex(bytes, this.createHasher)));
  }

  /** `POST /multipart/complete`; answers the number of pieces. */
  multipartComplete(mpid: string): Promise<number> {
    return http.multipartComplete(this.transport, mpid);
  }

  // ---- helpers over the API -------------------------------------------------

  /**
   * Uploads a file the best way for its size: `/post/raw` up to
   * `multipartThresholdBytes`, else a multipart upload with pieces sent in
   * parallel; every digest the server answers is checked against the
   * client's own. `resumeMultipartId` continues an interrupted upload.
   */
  uploadFile(source: UploadSource, remotePath: string, options: UploadFileOptions = {}): Promise<UploadFileResult> {
    return uploadFile(this, source, remotePath, options);
  }

  /** GET a file from the origin (egress), from `offsetBytes` on; private accounts go through a MediaVault URL. */
  download(path: string, options: DownloadOptions = {}): Promise<Download> {
    return download(this, path, options);
  }

  /** HEAD of a file through egress: size, digest, type and Last-Modified, without the bytes. */
  head(path: string): Promise<HeadResult> {
    return head(this, path);
  }

  /** The public egress URL of `path` (served as is only by a public account). */
  async egressUrl(path: string): Promise<string> {
    return egressUrl(this, path);
  }

  /** `GET /healthz`: true when the server answers that it is ready. */
  async health(): Promise<boolean> {
    const response = await this.transport.send('/healthz', '/healthz', () => ({ method: 'GET' }), true);
    await response.body?.cancel();
    return response.ok;
  }

  /** `GET /metrics`: the server's Prometheus text exposition. */
  async metrics(): Promise<string> {
    const response = await this.transport.send('/metrics', '/metrics', () => ({ method: 'GET' }), true);
    if (!response.ok) throw new OriginStoreError('/metrics', -5, { httpStatus: response.status, meaning: `HTTP ${response.status}` });
    return response.text();
  }
}
