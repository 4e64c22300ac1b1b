/**
 * The JSON-RPC envelope: JSON-RPC 1.0 (no `jsonrpc` member; answers carry
 * both `result` and `error`, one of them null) and 2.0, single calls and, on
 * /jsonrpc2, batches of one to three (submitting_batch_requests.md). Protocol
 * errors are `error` objects; method failures are results in each method's
 * documented shape. The answer is always HTTP 200.
 */
import { isOriginError, messageOf } from '../../domain/errors.js';
import { METHOD_CODES, RPC_ERRORS } from '../../domain/result-codes.js';
import type { Services } from '../../service/index.js';
import type { MethodDef } from './method.js';
import { findMethod } from './methods/index.js';
import { bindParams, ParamError, type Args } from './params.js';

export const MAX_BATCH = 3;

type Id = string | number | null;

interface RpcError {
  code: number;
  message: string;
}

type Outcome = { result: unknown } | { error: RpcError };

export interface CallContext {
  readonly services: Services;
  readonly batchAllowed: boolean;
  /** X-Agile-Authorization sent with the call, if any. */
  readonly headerToken?: string | undefined;
  /** Method names seen, for the request log. */
  readonly methods: string[];
  readonly onInternalError: (err: unknown, method: string) => void;
}

/** Answer a raw request body; undefined means "nothing to send" (notifications only). */
export async function answer(body: string, ctx: CallContext): Promise<unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return v2(null, { error: { ...RPC_ERRORS.ParseError, message: 'Parse Error: the body is not valid JSON' } });
  }
  if (!Array.isArray(parsed)) return answerOne(parsed, ctx);
  if (!ctx.batchAllowed) {
    return v2(null, { error: { ...RPC_ERRORS.InvalidRequest, message: 'Invalid Request: batches are accepted on /jsonrpc2 only' } });
  }
  if (parsed.length === 0) return v2(null, { error: RPC_ERRORS.ParseError });
  if (parsed.length > MAX_BATCH) return v2(null, { error: RPC_ERRORS.BatchError });
  const answers = await Promise.all(parsed.map((req) => answerOne(req, ctx)));
  const sent = answers.filter((a) => a !== undefined);
  return sent.length > 0 ? sent : undefined;
}

async function answerOne(req: unknown, ctx: CallContext): Promise<unknown> {
  if (req === null || typeof req !== 'object' || Array.isArray(req)) {
    return v2(null, { error: { ...RPC_ERRORS.InvalidRequest, message: 'Invalid Request: a request must be a JSON object' } });
  }
  const r = req as Record<string, unknown>;
  const isV2 = 'jsonrpc' in r;
  const id = validId(r['id']);
  const reply = (outcome: Outcome): unknown => (isV2 ? v2(id ?? null, outcome) : v1(id ?? null, outcome));
  if (id === undefined) {
    return reply({ error: { ...RPC_ERRORS.InvalidRequest, message: 'Invalid Request: id must be a string, a number or null' } });
  }
  if (isV2 && r['jsonrpc'] !== '2.0') {
    return v2(id, { error: { ...RPC_ERRORS.InvalidRequest, message: 'Invalid Request: jsonrpc must be "2.0"' } });
  }
  const outcome = await call(r, ctx);
  // A JSON-RPC 2.0 request without an id is a notification: it gets no answer.
  if (isV2 && !('id' in r)) return undefined;
  return reply(outcome);
}

function validId(id: unknown): Id | undefined {
  if (id === undefined || id === null) return null;
  if (typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))) return id;
  return undefined;
}

async function call(r: Record<string, unknown>, ctx: CallContext): Promise<Outcome> {
  const methodName = r['method'];
  if (typeof methodName !== 'string') {
    return { error: { ...RPC_ERRORS.InvalidRequest, message: 'Invalid Request: method must be a string' } };
  }
  const found = methodName.startsWith('_') ? undefined : findMethod(methodName);
  if (!found) {
    return { error: { ...RPC_ERRORS.MethodNotFound, message: `Method not found: ${truncate(methodName)}` } };
  }
  ctx.methods.push(found.name);
  let args: Args;
  try {
    args = bindParams(found.def.params, withHeaderToken(found.def, r['params'] ?? [], ctx.headerToken));
  } catch (err) {
    if (!(err instanceof ParamError)) throw err;
    const code = err.missing && found.def.missingParamCode ? found.def.missingParamCode : RPC_ERRORS.InvalidParams.code;
    return { error: { code, message: `Invalid params for ${found.name}: ${err.message}` } };
  }
  try {
    return { result: await found.def.run(ctx.services, args) };
  } catch (err) {
    return failure(found.name, found.def, args, err, ctx);
  }
}

function failure(name: string, def: MethodDef, args: Args, err: unknown, ctx: CallContext): Outcome {
  const table = METHOD_CODES[name];
  if (isOriginError(err)) {
    const code = table?.codes[err.kind];
    if (code !== undefined) return { result: def.failure(code, args) };
    if (err.kind === 'Unavailable') return { error: { ...RPC_ERRORS.ServerError, message: messageOf('Unavailable') } };
  }
  // A kind the method does not document, or a fault: a bug or an I/O error. Logged with its stack, never sent.
  ctx.onInternalError(err, name);
  if (table?.internal !== undefined) return { result: def.failure(table.internal, args) };
  return { error: { ...RPC_ERRORS.ServerError, message: 'Unspecified server error' } };
}

/**
 * Real clients also send the token as an X-Agile-Authorization header and
 * leave it out of params. Named params take it when `token` is absent;
 * positional params take it first unless their first value is already it
 * (or looks like a token: a UUID).
 */
function withHeaderToken(def: MethodDef, params: unknown, headerToken: string | undefined): unknown {
  if (!def.takesToken || headerToken === undefined) return params;
  if (Array.isArray(params)) {
    const first = params[0];
    if (first === headerToken || (typeof first === 'string' && UUID.test(first))) return params;
    return [headerToken, ...params];
  }
  if (params !== null && typeof params === 'object' && !('token' in params)) return { token: headerToken, ...params };
  return params;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function v2(id: Id, outcome: Outcome): unknown {
  return 'error' in outcome ? { jsonrpc: '2.0', id, error: outcome.error } : { jsonrpc: '2.0', id, result: outcome.result };
}

function v1(id: Id, outcome: Outcome): unknown {
  return 'error' in outcome ? { id, result: null, error: outcome.error } : { id, result: outcome.result, error: null };
}

function truncate(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}
