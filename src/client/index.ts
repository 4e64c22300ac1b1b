/**
 * originstore/client: a typed SDK for Origin Storage servers, on `fetch`, for
 * Node 20 and browsers. Node helpers (file paths, fs streams) are in
 * `originstore/client/node`.
 */
export { OriginStoreClient, type ClientOptions } from './client.js';
export { OriginStoreError, OriginStoreNetworkError, isOriginStoreError } from './errors.js';
export type { UploadBody } from './bodies.js';
export type { PostOptions } from './http.js';
export type { Download, DownloadOptions, HeadResult } from './download.js';
export { blobSource, type RandomAccessSource, type UploadFileOptions, type UploadFileResult, type UploadSource } from './upload.js';
export { Sha256, createSha256, type Hasher } from './sha256.js';
export type * from './types.js';
