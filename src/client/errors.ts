/**
 * The SDK's errors. A failure the server answered (a result code, a
 * JSON-RPC error object, an X-Agile-Status) is an OriginStoreError carrying
 * the code, what the spec says it means for that call, and the call. A
 * request that never got an answer is an OriginStoreNetworkError.
 */
import { messageOf, type ErrorKind } from '../domain/errors.js';
import { ENDPOINT_CODES, METHOD_CODES, RPC_ERRORS } from '../domain/result-codes.js';

/** A failure answered by the server, or a check of the server's answer that failed. */
export class OriginStoreError extends Error {
  /** The result code: a method's code, an X-Agile-Status, or a JSON-RPC error code (-32xxx). */
  readonly code: number;
  /** What the code means for this call, in words. */
  readonly meaning: string;
  /** The JSON-RPC method (e.g. `stat`) or HTTP endpoint (e.g. `/post/raw`) that failed. */
  readonly call: string;
  /** The kind of failure behind the code, when the call's code table names one. */
  readonly kind: ErrorKind | undefined;
  /** The HTTP status, for the HTTP endpoints. */
  readonly httpStatus: number | undefined;

  constructor(call: string, code: number, options: { httpStatus?: number; meaning?: string; kind?: ErrorKind; cause?: unknown } = {}) {
    const kind = options.kind ?? kindOf(call, code, options.httpStatus);
    const meaning = options.meaning ?? meaningOf(call, code, kind);
    super(`${call}: ${meaning} (code ${code}${options.httpStatus ? `, HTTP ${options.httpStatus}` : ''})`, { cause: options.cause });
    this.name = 'OriginStoreError';
    this.code = code;
    this.meaning = meaning;
    this.call = call;
    this.kind = kind;
    this.httpStatus = options.httpStatus;
  }
}

/** No answer came back (connection refused, reset, DNS), after the retries the call allows. */
export class OriginStoreNetworkError extends Error {
  /** The JSON-RPC method or HTTP endpoint that was being called. */
  readonly call: string;

  constructor(call: string, cause: unknown) {
    super(`${call}: no answer from the server (${(cause as Error)?.message ?? String(cause)})`, { cause });
    this.name = 'OriginStoreNetworkError';
    this.call = call;
  }
}

export function isOriginStoreError(err: unknown): err is OriginStoreError {
  return err instanceof OriginStoreError;
}

/** Calls whose -10001 means the credentials were refused, not the token. */
const LOGIN_CALLS = new Set(['login', 'authenticate', '/account/login']);

/** The failure kind a call's table gives `code`; the first listed when several share it. */
function kindOf(call: string, code: number, httpStatus: number | undefined): ErrorKind | undefined {
  if (code === -10001) return LOGIN_CALLS.has(call) ? 'BadCredentials' : 'InvalidToken';
  const method = METHOD_CODES[call];
  if (method) {
    for (const [kind, c] of Object.entries(method.codes)) if (c === code) return kind as ErrorKind;
    return method.internal === code ? 'Internal' : undefined;
  }
  const endpoint = ENDPOINT_CODES[call];
  if (endpoint) {
    let loose: ErrorKind | undefined;
    for (const [kind, c] of Object.entries(endpoint)) {
      if (c?.code !== code) continue;
      if (httpStatus === undefined || c.status === httpStatus) return kind as ErrorKind;
      loose ??= kind as ErrorKind;
    }
    return loose;
  }
  return undefined;
}

function meaningOf(call: string, code: number, kind: ErrorKind | undefined): string {
  for (const e of Object.values(RPC_ERRORS)) if (e.code === code) return `JSON-RPC error: ${e.message}`;
  if (kind) return messageOf(kind);
  return 'a failure this call does not document';
}
