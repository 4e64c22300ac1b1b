/**
 * What can go wrong, said once. A service throws `OriginError(kind)`; each
 * transport turns the kind into its own code with the tables in
 * `result-codes.ts`. Anything that is not an OriginError is a bug or an I/O
 * fault and is rendered as `Internal`.
 */
export type ErrorKind =
  | 'InvalidToken'
  | 'BadSignature'
  | 'KeyPairFailed'
  | 'BadCredentials'
  | 'EmptyUsername'
  | 'EmptyPassword'
  | 'InvalidSubdir'
  | 'InvalidExpiry'
  | 'ExpiryAlreadySet'
  | 'NotFound'
  | 'AlreadyExists'
  | 'IsDirectory'
  | 'ParentMissing'
  | 'EmptyPath'
  | 'InvalidPath'
  | 'PermissionDenied'
  | 'NotEmpty'
  | 'InvalidCookie'
  | 'InvalidPageSize'
  | 'InvalidMtime'
  | 'InvalidContentType'
  | 'InvalidRecursive'
  | 'InvalidEncoding'
  | 'InvalidContentDetect'
  | 'InvalidExposeEgress'
  | 'ChecksumMismatch'
  | 'NoUploadFile'
  | 'TooManyFiles'
  | 'EmptyFile'
  | 'TooLarge'
  | 'UnknownMultipart'
  | 'NoPieces'
  | 'PiecesNotContiguous'
  | 'MultipartClosed'
  | 'MultipartAborted'
  | 'NotAbortable'
  | 'NotRestartable'
  | 'TooManyMultiparts'
  | 'InvalidPieceNumber'
  | 'TooManyPieces'
  | 'PieceTooLarge'
  | 'MultipartTooLarge'
  | 'LengthMismatch'
  | 'InvalidMapName'
  | 'DiskFull'
  | 'Unavailable'
  | 'InvalidFlags'
  | 'InvalidSourceUri'
  | 'Busy'
  | 'QueueFailure'
  | 'RateLimited'
  | 'Internal';

export class OriginError extends Error {
  readonly kind: ErrorKind;
  readonly detail: Readonly<Record<string, unknown>>;

  constructor(kind: ErrorKind, detail: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(describeKind(kind, detail), options);
    this.name = 'OriginError';
    this.kind = kind;
    this.detail = detail;
  }
}

export function isOriginError(err: unknown): err is OriginError {
  return err instanceof OriginError;
}

/**
 * The metadata store lost its connection while a transaction committed, so
 * the writes may have been applied: a blob the transaction referred to must
 * be kept (an unreferenced one only costs space; a referenced one deleted
 * would be a file without bytes).
 */
export function outcomeUnknown(err: unknown): boolean {
  return err instanceof OriginError && err.kind === 'Unavailable' && err.detail['outcomeUnknown'] === true;
}

const MESSAGES: Record<ErrorKind, string> = {
  InvalidToken: 'invalid or expired token',
  BadSignature: 'invalid, expired or already used signature',
  KeyPairFailed: 'unable to generate access key',
  BadCredentials: 'invalid username or password',
  EmptyUsername: 'empty username',
  EmptyPassword: 'empty password',
  InvalidSubdir: 'invalid sub-directory',
  InvalidExpiry: 'invalid expiry time',
  ExpiryAlreadySet: 'session not updated: expiry already set',
  NotFound: 'no such file or directory',
  AlreadyExists: 'path exists',
  IsDirectory: 'path is a directory',
  ParentMissing: 'parent directory does not exist',
  EmptyPath: 'malformed path: empty',
  InvalidPath: 'invalid path',
  PermissionDenied: 'permission denied',
  NotEmpty: 'operation not permitted: the directory contains files or directories',
  InvalidCookie: 'invalid cookie',
  InvalidPageSize: 'invalid page size',
  InvalidMtime: 'invalid mtime',
  InvalidContentType: 'invalid content type',
  InvalidRecursive: 'invalid X-Agile-Recursive value',
  InvalidEncoding: 'invalid encoding',
  InvalidContentDetect: 'invalid content detection value',
  InvalidExposeEgress: 'invalid expose_egress value',
  ChecksumMismatch: 'invalid checksum: the uploaded data does not match X-Agile-Checksum',
  NoUploadFile: 'missing upload file',
  TooManyFiles: 'upload not supported: more than one file',
  EmptyFile: 'empty file',
  TooLarge: 'the upload is larger than this server accepts',
  UnknownMultipart: 'invalid multipart upload identifier',
  NoPieces: 'the multipart upload has no pieces',
  PiecesNotContiguous: 'the multipart upload is missing pieces: piece numbers are not contiguous from 1',
  MultipartClosed: 'the multipart upload has already been completed, deleted or expired',
  MultipartAborted: 'the multipart upload has been aborted',
  NotAbortable: 'invalid state: the multipart upload cannot be aborted',
  NotRestartable: 'unable to restart the multipart upload: it is not in FAILED state',
  TooManyMultiparts: 'too many multipart uploads that are neither completed nor aborted',
  InvalidPieceNumber: 'invalid piece number',
  TooManyPieces: 'too many pieces in the multipart upload',
  PieceTooLarge: 'the piece is larger than the maximum piece size',
  MultipartTooLarge: 'the multipart upload would exceed its maximum size',
  LengthMismatch: 'the size received does not match Content-Length',
  InvalidMapName: "invalid name: use 'upload' or 'piece'",
  DiskFull: 'disk full',
  Unavailable: 'service unavailable',
  InvalidFlags: 'invalid flags',
  InvalidSourceUri: 'invalid source uri',
  Busy: 'too busy: concurrency reached, wait and try again',
  QueueFailure: 'queue failure',
  RateLimited: 'too many requests',
  Internal: 'internal error',
};

export function messageOf(kind: ErrorKind): string {
  return MESSAGES[kind];
}

function describeKind(kind: ErrorKind, detail: Record<string, unknown>): string {
  const why = typeof detail['reason'] === 'string' ? `: ${detail['reason']}` : '';
  return MESSAGES[kind] + why;
}
