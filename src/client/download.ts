/**
 * Downloads through the origin (GET /{account}/{path}, egress). A public
 * account serves the path as is; a private one answers 403, and the
 * download then goes through a MediaVault URL from `mediaVaultUrl`.
 */
import { OriginStoreError } from './errors.js';
import { watched } from './bodies.js';
import type { OriginStoreClient } from './client.js';
import type { ProgressListener } from './types.js';

export interface DownloadOptions {
  /** Start here (a Range request); the file's bytes before it are not sent. */
  readonly offsetBytes?: number;
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
}

export interface Download {
  /** The bytes from `offsetBytes` to the end. */
  readonly body: ReadableStream<Uint8Array>;
  /** Size of the whole file. */
  readonly sizeBytes: number;
  readonly offsetBytes: number;
  /** The file's hex SHA-256, as the origin answers it (X-Agile-Checksum). */
  readonly sha256: string;
  readonly contentType: string;
  /** The URL the bytes came from. */
  readonly url: string;
}

/** "/a/b c" → "/a/b%20c": each segment URI-quoted. */
function quoteSegments(path: string): string {
  return path.split('/').map((s) => encodeURIComponent(s)).join('/');
}

export async function egressUrl(client: OriginStoreClient, path: string): Promise<string> {
  const root = client.session?.root ?? (await rootOf(client));
  const clean = path.startsWith('/') ? path : `/${path}`;
  return client.url + quoteSegments(`${root.replace(/\/+$/, '')}${clean}`);
}

async function rootOf(client: OriginStoreClient): Promise<string> {
  if (client.transport.canLogIn) return (await client.login()).root;
  return (await client.checkToken()).path;
}

export async function download(client: OriginStoreClient, path: string, options: DownloadOptions = {}): Promise<Download> {
  const offset = options.offsetBytes ?? 0;
  let url = await egressUrl(client, path);
  let response = await get(client, url, offset, options.signal);
  if (response.status === 403) {
    await response.body?.cancel();
    // The MediaVault URL names the server's public URL; this client may reach it under another, which egress also accepts.
    const signed = new URL((await client.mediaVaultUrl(path)).download_url);
    url = client.url + signed.pathname + signed.search;
    response = await get(client, url, offset, options.signal);
  }
  if (response.status === 416 && offset > 0) {
    await response.body?.cancel();
    throw new OriginStoreError('GET', -1, { httpStatus: 416, meaning: `the file is shorter than the ${offset} bytes asked to skip` });
  }
  if (response.status === 404) {
    await response.body?.cancel();
    throw new OriginStoreError('GET', -1, { httpStatus: 404, kind: 'NotFound', meaning: 'no such file (or it is a directory)' });
  }
  if (!response.ok || (offset > 0 && response.status !== 206)) {
    await response.body?.cancel();
    throw new OriginStoreError('GET', -5, { httpStatus: response.status, meaning: `the origin answered HTTP ${response.status}` });
  }
  const sizeBytes = totalSize(response, offset);
  const body = response.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
  return {
    body: watched(body, { onProgress: options.onProgress, totalBytes: sizeBytes, startBytes: offset }),
    sizeBytes,
    offsetBytes: offset,
    sha256: response.headers.get('x-agile-checksum') ?? (response.headers.get('etag') ?? '').replaceAll('"', ''),
    contentType: response.headers.get('content-type') ?? 'application/octet-stream',
    url,
  };
}

function get(client: OriginStoreClient, url: string, offset: number, signal: AbortSignal | undefined): Promise<Response> {
  const headers: Record<string, string> = offset > 0 ? { Range: `bytes=${offset}-` } : {};
  return client.transport.send('GET', url, () => ({ method: 'GET', headers, ...(signal ? { signal } : {}) }), true);
}

function totalSize(response: Response, offset: number): number {
  const range = /\/(\d+)\s*$/.exec(response.headers.get('content-range') ?? '');
  if (range) return Number(range[1]);
  return offset + Number(response.headers.get('content-length') ?? 0);
}

export interface HeadResult {
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly contentType: string;
  /** Last-Modified, epoch seconds. */
  readonly mtimeSeconds: number;
}

/** HEAD of a file through egress: what a CDN would see, without the bytes. */
export async function head(client: OriginStoreClient, path: string): Promise<HeadResult> {
  let response = await client.transport.send('HEAD', await egressUrl(client, path), () => ({ method: 'HEAD' }), true);
  if (response.status === 403) {
    const signed = new URL((await client.mediaVaultUrl(path)).download_url);
    response = await client.transport.send('HEAD', client.url + signed.pathname + signed.search, () => ({ method: 'HEAD' }), true);
  }
  if (response.status === 404) throw new OriginStoreError('HEAD', -1, { httpStatus: 404, kind: 'NotFound', meaning: 'no such file (or it is a directory)' });
  if (!response.ok) throw new OriginStoreError('HEAD', -5, { httpStatus: response.status, meaning: `the origin answered HTTP ${response.status}` });
  return {
    sizeBytes: Number(response.headers.get('content-length') ?? 0),
    sha256: response.headers.get('x-agile-checksum') ?? '',
    contentType: response.headers.get('content-type') ?? 'application/octet-stream',
    mtimeSeconds: Math.floor(Date.parse(response.headers.get('last-modified') ?? '') / 1000) || 0,
  };
}
