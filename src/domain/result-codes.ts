/**
 * The spec's result codes, as data. One table per JSON-RPC method and per
 * HTTP endpoint: ErrorKind → code (and HTTP status). Sources: the "Return
 * Codes" lists of spec/apis/api_calls/*_json.md and the status tables of
 * uploading_files_nonmultipart.md, working_with_directories_http.md and
 * logging_in_using_http_interface.md. Choices where the spec is silent are
 * listed in docs/compatibility.md.
 */
import type { ErrorKind } from './errors.js';
import { EXTENSION_METHOD_CODES } from './extension-codes.js';

export type CodeTable = Partial<Record<ErrorKind, number>>;

export interface MethodCodes {
  /** ErrorKind → the method's result code. */
  readonly codes: CodeTable;
  /** The code the method documents for an unspecified failure, if any. */
  readonly internal?: number;
}

const TOKEN = { InvalidToken: -10001 } as const;

export const METHOD_CODES: Readonly<Record<string, MethodCodes>> = {
  login: { codes: { EmptyUsername: -40, EmptyPassword: -41 } },
  authenticate: {
    codes: { BadCredentials: -10001, EmptyUsername: -40, EmptyPassword: -41, InvalidSubdir: -47, InvalidExpiry: -34 },
  },
  // logging_out.md: "-1: invalid token".
  logout: { codes: { InvalidToken: -1, PermissionDenied: -2 } },
  checkToken: { codes: { ...TOKEN } },
  updateSession: { codes: { ...TOKEN, ExpiryAlreadySet: -1, InvalidExpiry: -34 } },
  noop: { codes: { ...TOKEN } },
  // working_with_files_json.md, "Generate MediaVault URLs".
  mediaVaultUrl: {
    codes: { ...TOKEN, IsDirectory: -2, InvalidPath: -8, EmptyPath: -8, InvalidExpiry: -34, Unavailable: -60 },
    internal: -1,
  },
  // initializing_hmac_key_pairs.md
  initKeyPair: { codes: { ...TOKEN, KeyPairFailed: -10004 }, internal: -10004 },
  ping: { codes: {} },
  makeDir: {
    codes: { ...TOKEN, EmptyPath: -1, AlreadyExists: -2, ParentMissing: -3, PermissionDenied: -6, InvalidPath: -8 },
    internal: -5,
  },
  makeDir2: {
    codes: { ...TOKEN, EmptyPath: -1, AlreadyExists: -2, ParentMissing: -3, PermissionDenied: -6, InvalidPath: -8 },
    internal: -5,
  },
  deleteDir: {
    codes: { ...TOKEN, NotFound: -1, InvalidPath: -1, EmptyPath: -1, PermissionDenied: -6, NotEmpty: -7 },
    internal: -5,
  },
  listDir: { codes: { ...TOKEN, NotFound: -1, InvalidPath: -1, InvalidCookie: -11, InvalidPageSize: -12 } },
  listFile: { codes: { ...TOKEN, NotFound: -1, InvalidPath: -1, InvalidCookie: -11, InvalidPageSize: -12 } },
  listPath: { codes: { ...TOKEN, NotFound: -1, InvalidPath: -8, InvalidCookie: -11, InvalidPageSize: -12 } },
  stat: { codes: { ...TOKEN, NotFound: -1, InvalidPath: -1 } },
  rename: {
    codes: {
      ...TOKEN, NotFound: -1, InvalidPath: -1, EmptyPath: -1, AlreadyExists: -2, ParentMissing: -3,
      PermissionDenied: -6, NotEmpty: -7,
    },
  },
  setMTime: { codes: { ...TOKEN, NotFound: -1, InvalidPath: -8, InvalidMtime: -27 }, internal: -5 },
  deleteFile: { codes: { ...TOKEN, NotFound: -1, InvalidPath: -1, PermissionDenied: -6 } },
  setContentType: {
    codes: {
      ...TOKEN, NotFound: -1, ParentMissing: -3, PermissionDenied: -6, InvalidPath: -8, InvalidContentType: -33,
    },
  },
  // Not in the docs; the vendor's C# SDK calls it (CopyFileTests.cs).
  copyFile: {
    codes: { ...TOKEN, NotFound: -1, InvalidPath: -1, ParentMissing: -2, IsDirectory: -2, PermissionDenied: -6 },
  },
  // working_with_files_json.md, "Copy a File".
  fetchFileHTTP: {
    codes: { ...TOKEN, QueueFailure: -4, InvalidFlags: -13, InvalidSourceUri: -14, Busy: -56 },
    internal: -4,
  },
  // Not in the docs; the vendor's C# SDK calls it (DeleteObjectTests.cs).
  deleteObject: { codes: { ...TOKEN, InvalidPath: -1, PermissionDenied: -6, NotEmpty: -7 } },

  // working_with_multipart_json.md
  createMultipart: {
    codes: {
      ...TOKEN, TooManyMultiparts: -1, InvalidPath: -16, EmptyPath: -16, InvalidMtime: -20, InvalidContentType: -21,
      ParentMissing: -23,
    },
    internal: -27,
  },
  getMultipartStatus: { codes: { ...TOKEN, UnknownMultipart: -2 } },
  getMultipartStatusMap: { codes: { ...TOKEN, InvalidMapName: -19 } },
  listMultipart: { codes: { ...TOKEN, InvalidCookie: -3, InvalidPageSize: -14 } },
  listMultipartPiece: { codes: { ...TOKEN, UnknownMultipart: -2, InvalidCookie: -3, InvalidPageSize: -14, Unavailable: -26 } },
  completeMultipart: {
    codes: { ...TOKEN, UnknownMultipart: -2, NoPieces: -4, PiecesNotContiguous: -5, MultipartClosed: -8, MultipartAborted: -17 },
  },
  abortMultipart: { codes: { ...TOKEN, UnknownMultipart: -2, MultipartAborted: -17, NotAbortable: -18 } },
  restartMultipart: { codes: { ...TOKEN, UnknownMultipart: -2, NotRestartable: -22 } },

  // Not in the spec: originstore's own methods (docs/extensions.md).
  ...EXTENSION_METHOD_CODES,
};

/** `renameFile` is another name for `rename` (real clients send both). */
export const METHOD_ALIASES: Readonly<Record<string, string>> = { renameFile: 'rename' };

export interface HttpCode {
  readonly code: number;
  readonly status: number;
}

export type EndpointTable = Partial<Record<ErrorKind, HttpCode>>;

const c = (code: number, status = 400): HttpCode => ({ code, status });

const UPLOAD_COMMON: EndpointTable = {
  ParentMissing: c(-3),
  InvalidPath: c(-8),
  EmptyPath: c(-8),
  // An upload onto an existing directory: "path exists", as /post/directory says of the converse.
  AlreadyExists: c(-2),
  IsDirectory: c(-2),
  NoUploadFile: c(-24),
  TooManyFiles: c(-25),
  TooLarge: c(-5, 413),
  ChecksumMismatch: c(-26),
  InvalidMtime: c(-27),
  InvalidContentType: c(-33),
  InvalidRecursive: c(-39),
  InvalidContentDetect: c(-48),
  InvalidEncoding: c(-51),
  InvalidExposeEgress: c(-21),
  PermissionDenied: c(-8),
  DiskFull: c(-22, 503),
  // A store is unreachable (the metadata database or the object store, docs/scale-out.md): 503 so
  // that clients retry, with the multipart interface's "service unavailable" code, since the
  // /post/* pages name none.
  Unavailable: c(-26, 503),
  Internal: c(-5, 500),
};

const ENDPOINT_TABLES: Record<string, EndpointTable> = {
  '/account/login': {
    BadCredentials: c(-10001),
    EmptyUsername: c(-10001),
    EmptyPassword: c(-10001),
    InvalidSubdir: c(-47),
    InvalidExpiry: c(-34),
    InvalidEncoding: c(-47),
    Unavailable: c(-26, 503),
    Internal: c(-5, 500),
  },
  '/post/raw': { ...UPLOAD_COMMON },
  '/post/file': { ...UPLOAD_COMMON, EmptyFile: c(-23) },
  '/post/directory': {
    AlreadyExists: c(-2),
    ParentMissing: c(-3),
    InvalidPath: c(-8),
    EmptyPath: c(-8),
    PermissionDenied: c(-8),
    InvalidRecursive: c(-39),
    InvalidEncoding: c(-51),
    Unavailable: c(-26, 503),
    Internal: c(-5, 500),
  },
};

// working_with_multipart_http.md
ENDPOINT_TABLES['/multipart/create'] = {
  TooManyMultiparts: c(-1),
  InvalidPath: c(-16),
  EmptyPath: c(-16),
  InvalidMtime: c(-20),
  InvalidContentType: c(-21),
  ParentMissing: c(-23),
  InvalidEncoding: c(-51),
  Internal: c(-27, 500),
  Unavailable: c(-26, 503),
  // No space to record the upload: "service unavailable (try again later)", as for a piece the page says -22 @ 503.
  DiskFull: c(-26, 503),
};
ENDPOINT_TABLES['/multipart/piece'] = {
  UnknownMultipart: c(-2),
  InvalidPieceNumber: c(-3),
  ChecksumMismatch: c(-6),
  MultipartClosed: c(-8),
  TooManyPieces: c(-10),
  PieceTooLarge: c(-11),
  MultipartAborted: c(-17),
  MultipartTooLarge: c(-25),
  LengthMismatch: c(-49, 500),
  DiskFull: c(-22, 503),
  Unavailable: c(-26, 503),
  Internal: c(-26, 503),
};
ENDPOINT_TABLES['/multipart/complete'] = {
  UnknownMultipart: c(-2),
  NoPieces: c(-4),
  PiecesNotContiguous: c(-5),
  MultipartClosed: c(-8),
  MultipartAborted: c(-17),
  Unavailable: c(-26, 503),
  DiskFull: c(-26, 503),
  Internal: c(-26, 503),
};

// best_practices.md, "Observe Upload Limits": 429 beyond the upload rate. The spec names no
// X-Agile-Status for it; -56 is the API's "too busy" (fetchFileHTTP).
for (const endpoint of ['/post/raw', '/post/file', '/multipart/piece']) {
  ENDPOINT_TABLES[endpoint] = { ...ENDPOINT_TABLES[endpoint], RateLimited: c(-56, 429) };
}

export const ENDPOINT_CODES: Readonly<Record<string, EndpointTable>> = ENDPOINT_TABLES;

/** Missing token: 401; a token that is not valid: 403 (every HTTP endpoint). */
export const NO_TOKEN: HttpCode = { code: -10001, status: 401 };
export const BAD_TOKEN: HttpCode = { code: -10001, status: 403 };
/** signing_requests.md: a signature that is wrong, expired, reused or does not match the headers sent. */
export const BAD_SIGNATURE: HttpCode = { code: -10001, status: 403 };

/** JSON-RPC protocol errors (global_error_codes.md), sent as `error` objects. */
export const RPC_ERRORS = {
  ParseError: { code: -32700, message: 'Parse Error' },
  InvalidRequest: { code: -32600, message: 'Invalid Request' },
  MethodNotFound: { code: -32601, message: 'Method not found' },
  InvalidParams: { code: -32602, message: 'Invalid params' },
  InternalError: { code: -32603, message: 'Internal error' },
  ServerError: { code: -32000, message: 'Server error' },
  BatchError: { code: -32099, message: 'Batch Error' },
} as const;
