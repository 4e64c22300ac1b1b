/**
 * What the server's calls answer, with the wire names kept (they are the
 * spec's). Times are epoch seconds; sizes are bytes.
 */

/** `stat` of a file or directory; `type` is 1 for a directory, 2 for a file. */
export interface StatResult {
  readonly type: 1 | 2;
  readonly ctime: number;
  readonly mtime: number;
  /** Files only. */
  readonly size?: number;
  /** With `detail`. */
  readonly uid?: number;
  readonly gid?: number;
  /** Hex SHA-256 of a file's bytes ('' for a directory), with `detail`. */
  readonly checksum?: string;
  /** With `detail`, files only. */
  readonly mimetype?: string;
}

export interface DirStat {
  readonly uid: number;
  readonly gid: number;
  readonly ctime: number;
  readonly mtime: number;
}

export interface FileStat extends DirStat {
  readonly size: number;
  readonly checksum: string;
  readonly mimetype: string;
}

/** One entry of listDir / listFile; `stat` only when asked for. */
export interface ListEntry<S> {
  readonly name: string;
  readonly type: 1 | 2;
  readonly stat?: S;
}

export interface ListPage<S> {
  /** Pass back to get the next page. */
  readonly cookie: number;
  readonly list: readonly ListEntry<S>[];
}

/** One entry of listPath; with `stat` the stat fields are flat on the entry. */
export type PathEntry<S> = { readonly name: string } & Partial<S>;

export interface ListPathPage {
  /** Pass back to get the next page; null once the listing is exhausted. */
  readonly cookie: string | null;
  readonly dirs: readonly PathEntry<DirStat>[];
  readonly files: readonly PathEntry<FileStat>[];
}

export interface ListOptions {
  /** Entries per page (server default 100). */
  readonly pageSize?: number;
  readonly stat?: boolean;
}

/** The session a login opened. */
export interface Session {
  readonly token: string;
  readonly uid: number;
  readonly gid: number;
  /** The absolute namespace path the token is rooted at ("/{account}" or below). */
  readonly root: string;
}

export interface CheckTokenResult {
  readonly uid: number;
  readonly gid: number;
  readonly path: string;
  /** Seconds since the token was issued. */
  readonly age: number;
  readonly username: string;
}

export interface MediaVaultUrls {
  /** Answers with Content-Disposition: attachment. */
  readonly download_url: string;
  readonly preview_url: string;
}

export interface KeyPair {
  readonly access_key: string;
  /** Shown once: the server never returns it again. */
  readonly secret_key: string;
}

export interface MultipartStatus {
  readonly path: string;
  readonly numpieces: number;
  readonly created: number;
  /** An upload state code (multipart_state_codes.md): 1 NEW, 2 READY, 3 COMPLETE, 5 JOIN, 6 SUCCESS, 12 FAILED… */
  readonly state: number;
  readonly mtime: number;
  readonly error: number;
  readonly content_type?: string;
}

export interface MultipartSummary {
  readonly mpid: string;
  readonly path: string;
  readonly uid: number;
  readonly gid: number;
  readonly state: number;
  readonly mtime: number;
  readonly error: number;
  readonly content_type?: string;
}

export interface MultipartPage {
  /** Pass back for the next page; 0 when there is none. */
  readonly cookie: number;
  readonly multipart: readonly MultipartSummary[];
}

export interface PieceSummary {
  readonly number: number;
  /** A piece state code: 1 NEW, 5 JOIN, 6 SUCCESS, 9 ERROR… */
  readonly state: number;
  readonly size: number;
  readonly error: number;
}

export interface PiecePage {
  readonly cookie: number;
  readonly pieces: readonly PieceSummary[];
}

/** What an upload endpoint answered in X-Agile-Path, X-Agile-Size and X-Agile-Checksum. */
export interface UploadResult {
  readonly path: string;
  readonly sizeBytes: number;
  readonly sha256: string;
}

export interface PieceResult {
  readonly sizeBytes: number;
  readonly sha256: string;
}

/** Bytes moved so far; `totalBytes` is undefined when the size is not known in advance. */
export interface Progress {
  readonly transferredBytes: number;
  readonly totalBytes: number | undefined;
}

export type ProgressListener = (progress: Progress) => void;
