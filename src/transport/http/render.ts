/**
 * How the HTTP interface answers: X-Agile-Status with the documented HTTP
 * status of each endpoint (the tables in domain/result-codes.ts), and the
 * token check every upload endpoint starts with (401 without a token, 403
 * with a bad one).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isOriginError, messageOf } from '../../domain/errors.js';
import type { Caller } from '../../domain/model.js';
import { BAD_SIGNATURE, BAD_TOKEN, ENDPOINT_CODES, NO_TOKEN, type HttpCode } from '../../domain/result-codes.js';
import type { Services } from '../../service/index.js';
import { header } from './agile-headers.js';
import { signedRequestOf } from './signed.js';

export class HttpFailure extends Error {
  constructor(
    readonly answer: HttpCode,
    message: string,
  ) {
    super(message);
  }
}

/** The caller behind X-Agile-Authorization (or ?token=), or an HttpFailure. */
export async function authenticate(services: Services, request: FastifyRequest): Promise<Caller> {
  // signing_requests.md: a signed request carries X-Agile-Signature instead of a token.
  const signed = signedRequestOf(request);
  if (signed !== undefined) {
    try {
      return await services.signing.verify(signed);
    } catch (err) {
      if (isOriginError(err) && err.kind === 'BadSignature') throw new HttpFailure(BAD_SIGNATURE, err.message);
      throw err;
    }
  }
  const query = request.query as Record<string, unknown> | undefined;
  const token = header(request.headers, 'x-agile-authorization') ?? (typeof query?.['token'] === 'string' ? query['token'] : undefined);
  if (token === undefined || token === '') throw new HttpFailure(NO_TOKEN, 'missing X-Agile-Authorization header');
  try {
    return await services.sessions.resolve(token.trim());
  } catch (err) {
    if (isOriginError(err) && err.kind === 'InvalidToken') throw new HttpFailure(BAD_TOKEN, 'invalid token');
    throw err;
  }
}

export interface Rendered {
  readonly code: number;
  readonly status: number;
  readonly message: string;
}

/** The endpoint's code, status and message for a failure; unknown failures are logged as bugs. */
export function renderFailure(endpoint: string, err: unknown, request: FastifyRequest): Rendered {
  if (err instanceof HttpFailure) return { ...err.answer, message: err.message };
  const table = ENDPOINT_CODES[endpoint] ?? {};
  if (isOriginError(err)) {
    const mapped = table[err.kind];
    if (mapped) return { ...mapped, message: err.message };
  }
  // A client that hangs up mid-request is not a fault of ours: nobody reads the answer, and it is no bug.
  if (clientWentAway(request)) request.log.info({ err: String((err as Error)?.message ?? err) }, 'the client closed the connection mid-request');
  else request.log.error({ err }, 'unexpected failure');
  const internal = table.Internal ?? { code: -5, status: 500 };
  return { ...internal, message: messageOf('Internal') };
}

export function setStatus(reply: FastifyReply, code: number, status: number): void {
  reply.header('X-Agile-Status', String(code));
  reply.code(status);
  (reply.request as { agileStatus?: number }).agileStatus = code;
}

/** The documented empty-bodied answer of the upload and login endpoints. */
export function sendEmpty(reply: FastifyReply, code: number, status: number): FastifyReply {
  setStatus(reply, code, status);
  reply.header('Content-Type', 'text/json;charset=utf-8');
  return reply.send('');
}

/** The request stream was torn down before its end: the client closed the connection. */
export function clientWentAway(request: FastifyRequest): boolean {
  return request.raw.destroyed && !request.raw.complete;
}
