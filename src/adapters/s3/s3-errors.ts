/**
 * What an S3 failure means to the service. A store that cannot be reached
 * (refused or reset connections, timeouts, 5xx, SlowDown) is `Unavailable`:
 * the transport answers it with its documented "try again" code and 503, and
 * nothing was acknowledged. Anything else (a missing bucket, refused
 * credentials) is a configuration fault and stays a plain error, logged with
 * its cause.
 */
import { OriginError } from '../../domain/errors.js';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED', 'UND_ERR_SOCKET']);
const UNAVAILABLE_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'SlowDown', 'ServiceUnavailable', 'InternalError', 'ThrottlingException']);

interface SdkError {
  name?: string;
  code?: string;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

export function isUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as SdkError;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  if (e.name !== undefined && UNAVAILABLE_NAMES.has(e.name)) return true;
  if (e.code !== undefined && NETWORK_CODES.has(e.code)) return true;
  return e.cause !== undefined && e.cause !== err && isUnavailable(e.cause);
}

/** The S3 error names of a missing key or upload (HEAD answers a bare 404 "NotFound"). */
export function isMissing(err: unknown): boolean {
  const name = (err as SdkError | undefined)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchUpload';
}

/** A store without an optional call (ListMultipartUploads, AbortMultipartUpload on some servers). */
export function isUnsupported(err: unknown): boolean {
  const e = err as SdkError | undefined;
  return e?.name === 'NotImplemented' || e?.name === 'MethodNotAllowed' || e?.$metadata?.httpStatusCode === 501 || e?.$metadata?.httpStatusCode === 405;
}

/** Rethrow an S3 failure in the service's terms; other errors (the source stream's own) pass unchanged. */
export function translate(err: unknown, operation: string): never {
  if (err instanceof OriginError) throw err;
  if (isUnavailable(err)) {
    throw new OriginError('Unavailable', { reason: `the blob store is unreachable (${operation})` }, { cause: err });
  }
  throw err;
}
