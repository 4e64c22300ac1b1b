/**
 * The HTTP interface: /account/login, /post/raw, /post/file,
 * /post/directory and /multipart/{create,piece,complete}. Each answers
 * X-Agile-Status; anything but 0 becomes an OriginStoreError naming the
 * endpoint.
 */
import { OriginStoreError } from './errors.js';
import { inBrowser, isStream, toStream, watched, type UploadBody } from './bodies.js';
import type { Hasher } from './sha256.js';
import type { Transport } from './transport.js';
import type { PieceResult, ProgressListener, Session, UploadResult } from './types.js';
import { postWithXhr } from './xhr.js';

/** Where and how /post/raw and /post/file store the file. */
export interface PostOptions {
  /** Remote path of the file, under the token's root ("/dir/name.txt"). */
  readonly path: string;
  /** Create missing parent directories (X-Agile-Recursive; default false, as the spec says). */
  readonly createParents?: boolean;
  /** Modification time, epoch seconds (X-Agile-MTime). */
  readonly mtimeSeconds?: number;
  /** One of the spec's content types, or name/content/auto (X-Agile-Content-Type). */
  readonly contentType?: string;
  /** The hex SHA-256 the server must find, or it refuses the upload (X-Agile-Checksum). */
  readonly sha256?: string;
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
}

/** Path headers: ASCII as is, anything else URI-quoted under X-Agile-Encoding: UTF8 (using_utf8.md). */
export function pathHeaders(path: string, directoryHeader = 'X-Agile-Directory', basenameHeader: string | null = 'X-Agile-Basename'): Record<string, string> {
  const clean = path.startsWith('/') ? path : `/${path}`;
  const cut = clean.lastIndexOf('/');
  const directory = basenameHeader === null ? clean : cut <= 0 ? '/' : clean.slice(0, cut);
  const basename = clean.slice(cut + 1);
  const ascii = /^[\x20-\x7e]*$/.test(clean);
  const quote = (s: string) => (ascii ? s : encodeURIComponent(s).replaceAll('%2F', '/'));
  const out: Record<string, string> = { [directoryHeader]: quote(directory) };
  if (basenameHeader !== null) out[basenameHeader] = quote(basename);
  if (!ascii) out['X-Agile-Encoding'] = 'UTF8';
  return out;
}

/** Throws the endpoint's failure unless X-Agile-Status is 0. */
export async function checkStatus(call: string, response: Response): Promise<Response> {
  const status = Number(response.headers.get('x-agile-status') ?? Number.NaN);
  if (status === 0 && response.status < 400) return response;
  await response.body?.cancel();
  const code = Number.isNaN(status) ? -5 : status;
  const meaning = Number.isNaN(status) ? `HTTP ${response.status} with no X-Agile-Status` : undefined;
  throw new OriginStoreError(call, code, { httpStatus: response.status, ...(meaning ? { meaning } : {}) });
}

function decodePath(value: string | null, encoded: boolean): string {
  if (value === null) return '';
  return encoded ? decodeURIComponent(value) : value;
}

export function uploadResult(response: Response, encoded: boolean): UploadResult {
  return {
    path: decodePath(response.headers.get('x-agile-path'), encoded),
    sizeBytes: Number(response.headers.get('x-agile-size') ?? 0),
    sha256: response.headers.get('x-agile-checksum') ?? '',
  };
}

function postHeaders(options: PostOptions): Record<string, string> {
  const h: Record<string, string> = pathHeaders(options.path);
  if (options.createParents) h['X-Agile-Recursive'] = 'true';
  if (options.mtimeSeconds !== undefined) h['X-Agile-MTime'] = String(options.mtimeSeconds);
  if (options.contentType !== undefined) h['X-Agile-Content-Type'] = options.contentType;
  if (options.sha256 !== undefined) h['X-Agile-Checksum'] = options.sha256;
  return h;
}

/**
 * POST /post/raw. A stream is sent as it is read; bytes in hand are sent
 * whole and can be retried. `hasher`, when given, sees every byte sent so
 * the caller can check the digest the server answers.
 */
export async function postRaw(transport: Transport, body: UploadBody, options: PostOptions, hasher?: Hasher): Promise<UploadResult> {
  const headers = postHeaders(options);
  const encoded = headers['X-Agile-Encoding'] !== undefined;
  const totalBytes = typeof Blob !== 'undefined' && body instanceof Blob ? body.size : undefined;
  if (inBrowser() && !isStream(body) && !hasher) {
    // fetch has no upload progress and cannot stream over HTTP/1.1 in a browser: XMLHttpRequest can do both for a Blob.
    const response = await postWithXhr(transport, '/post/raw', body, headers, options);
    return uploadResult(await checkStatus('/post/raw', response), encoded);
  }
  const streaming = isStream(body) || options.onProgress !== undefined || hasher !== undefined;
  const response = await transport.agile('/post/raw', '/post/raw', () => ({
    method: 'POST',
    headers,
    body: streaming ? watched(toStream(body), { hasher, onProgress: options.onProgress, totalBytes }) : (body as BodyInit),
    ...(streaming ? { duplex: 'half' } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  }), { idempotent: !streaming, replayable: !streaming });
  return uploadResult(await checkStatus('/post/raw', response), encoded);
}

/** POST /post/file: a browser-style multipart/form-data upload (`uploadFile` part plus form fields). */
export async function postFile(transport: Transport, file: Blob, options: PostOptions & { filename?: string }): Promise<UploadResult> {
  const clean = options.path.startsWith('/') ? options.path : `/${options.path}`;
  const cut = clean.lastIndexOf('/');
  const form = new FormData();
  form.set('directory', cut <= 0 ? '/' : clean.slice(0, cut));
  form.set('basename', clean.slice(cut + 1));
  if (options.createParents) form.set('recursive', 'true');
  if (options.mtimeSeconds !== undefined) form.set('mtime', String(options.mtimeSeconds));
  form.set('uploadFile', file, options.filename ?? clean.slice(cut + 1));
  const headers: Record<string, string> = {};
  if (options.contentType !== undefined) headers['X-Agile-Content-Type'] = options.contentType;
  if (options.sha256 !== undefined) headers['X-Agile-Checksum'] = options.sha256;
  const response = inBrowser()
    ? await postWithXhr(transport, '/post/file', form, headers, options)
    : await transport.agile('/post/file', '/post/file', () => ({
      method: 'POST', headers, body: form, ...(options.signal ? { signal: options.signal } : {}),
    }), { idempotent: true, replayable: true });
  return uploadResult(await checkStatus('/post/file', response), false);
}

/** POST /post/directory: creates a directory, and its parents unless `recursive` is false. */
export async function postDirectory(transport: Transport, path: string, recursive = true): Promise<void> {
  const headers = { ...pathHeaders(path, 'X-Agile-Directory', null), 'X-Agile-Recursive': String(recursive) };
  const response = await transport.agile('/post/directory', '/post/directory', () => ({ method: 'POST', headers }), { idempotent: true, replayable: true });
  await checkStatus('/post/directory', response);
  await response.body?.cancel();
}

/** POST /account/login: a token from X-Agile-Username / X-Agile-Password. */
export async function accountLogin(transport: Transport, username: string, password: string, options: { expirySeconds?: number; subdir?: string } = {}): Promise<Session> {
  const headers: Record<string, string> = { 'X-Agile-Username': username, 'X-Agile-Password': password };
  if (options.expirySeconds !== undefined) headers['X-Agile-Expiry'] = String(options.expirySeconds);
  if (options.subdir !== undefined) Object.assign(headers, pathHeaders(options.subdir, 'X-Agile-Subdir', null));
  const response = await checkStatus('/account/login', await transport.send('/account/login', '/account/login', () => ({ method: 'POST', headers }), true));
  await response.body?.cancel();
  return {
    token: response.headers.get('x-agile-token') ?? '',
    uid: Number(response.headers.get('x-agile-uid') ?? 0),
    gid: Number(response.headers.get('x-agile-gid') ?? 0),
    root: response.headers.get('x-agile-path') ?? '/',
  };
}

/** POST /multipart/create: a new multipart upload for `path`; answers its mpid. */
export async function multipartCreate(transport: Transport, path: string, options: { contentType?: string; mtimeSeconds?: number } = {}): Promise<string> {
  const headers = pathHeaders(path);
  if (options.contentType !== undefined) headers['X-Agile-Content-Type'] = options.contentType;
  if (options.mtimeSeconds !== undefined) headers['X-Agile-MTime'] = String(options.mtimeSeconds);
  const response = await checkStatus('/multipart/create', await transport.agile('/multipart/create', '/multipart/create', () => ({ method: 'POST', headers }), { idempotent: false, replayable: true }));
  await response.body?.cancel();
  return response.headers.get('x-agile-multipart') ?? '';
}

/**
 * POST /multipart/piece with X-Agile-Checksum: the server refuses a piece
 * whose bytes do not match, and answers the digest it computed.
 */
export async function multipartPiece(transport: Transport, mpid: string, pieceNumber: number, bytes: Uint8Array, sha256: string, options: { signal?: AbortSignal | undefined; onSent?: ((bytes: number) => void) | undefined } = {}): Promise<PieceResult> {
  const headers = { 'X-Agile-Multipart': mpid, 'X-Agile-Part': String(pieceNumber), 'X-Agile-Checksum': sha256 };
  // A piece of the same number replaces the earlier one, so sending it again is safe.
  const response = await checkStatus('/multipart/piece', await transport.agile('/multipart/piece', '/multipart/piece', () => ({
    method: 'POST', headers, body: bytes as BodyInit, ...(options.signal ? { signal: options.signal } : {}),
  }), { idempotent: true, replayable: true }));
  await response.body?.cancel();
  const result = { sizeBytes: Number(response.headers.get('x-agile-size') ?? 0), sha256: response.headers.get('x-agile-checksum') ?? '' };
  if (result.sha256 !== sha256 || result.sizeBytes !== bytes.length) {
    throw new OriginStoreError('/multipart/piece', -6, {
      kind: 'ChecksumMismatch',
      meaning: `piece ${pieceNumber}: the server stored ${result.sizeBytes} bytes with SHA-256 ${result.sha256}, the client sent ${bytes.length} bytes with ${sha256}`,
    });
  }
  options.onSent?.(bytes.length);
  return result;
}

/** POST /multipart/complete: starts joining the pieces; answers the number of pieces. */
export async function multipartComplete(transport: Transport, mpid: string): Promise<number> {
  const response = await checkStatus('/multipart/complete', await transport.agile('/multipart/complete', '/multipart/complete', () => ({ method: 'POST', headers: { 'X-Agile-Multipart': mpid } }), { idempotent: false, replayable: true }));
  await response.body?.cancel();
  return Number(response.headers.get('x-agile-parts') ?? 0);
}
