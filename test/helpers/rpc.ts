/**
 * Helpers for the JSON-RPC black-box tests. Every call goes through
 * `exchange`, which checks what every answer must satisfy whatever the
 * method: HTTP 200 and the envelope of the JSON-RPC version used (1.0: no
 * `jsonrpc` member, both `result` and `error`, one of them null; 2.0:
 * `jsonrpc: "2.0"` and exactly one of `result` and `error`), with the id echoed.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { TestServer } from './server.js';

export type Endpoint = '/jsonrpc' | '/jsonrpc2';

export interface CallOptions {
  readonly version?: 1 | 2;
  readonly endpoint?: Endpoint;
  readonly headers?: Record<string, string>;
  readonly id?: string | number;
}

export interface RpcError {
  readonly code: number;
  readonly message: string;
}

export interface Answer {
  readonly result?: any;
  readonly error?: RpcError | null;
}

let lastId = 0;

export async function exchange(server: TestServer, method: string, params: unknown, opts: CallOptions = {}): Promise<Answer> {
  const version = opts.version ?? 2;
  const id = opts.id ?? ++lastId;
  const request: Record<string, unknown> = { method, params, id };
  if (version === 2) request['jsonrpc'] = '2.0';
  const { status, body, text } = await server.rpcRaw(request, { endpoint: opts.endpoint ?? '/jsonrpc', headers: opts.headers ?? {} });
  assert.equal(status, 200, `${method}: HTTP ${status} ${text}`);
  checkEnvelope(body, version, id);
  return body as Answer;
}

/** The shape every single answer must have for its version. */
export function checkEnvelope(body: any, version: 1 | 2, id: unknown): void {
  assert.ok(body !== null && typeof body === 'object' && !Array.isArray(body), `not an answer object: ${JSON.stringify(body)}`);
  assert.deepEqual(body.id, id);
  if (version === 2) {
    assert.equal(body.jsonrpc, '2.0');
    assert.equal(Object.hasOwn(body, 'result') !== Object.hasOwn(body, 'error'), true, `2.0 answer needs exactly one of result and error: ${JSON.stringify(body)}`);
  } else {
    assert.equal(Object.hasOwn(body, 'jsonrpc'), false, `1.0 answer with a jsonrpc member: ${JSON.stringify(body)}`);
    assert.ok(Object.hasOwn(body, 'result') && Object.hasOwn(body, 'error'), `1.0 answer needs result and error: ${JSON.stringify(body)}`);
    assert.equal((body.result === null) !== (body.error === null), true, `1.0 answer needs one of result and error null: ${JSON.stringify(body)}`);
  }
}

/** The method's result; fails the test on a JSON-RPC error. */
export async function call(server: TestServer, method: string, params: unknown, opts: CallOptions = {}): Promise<any> {
  const answer = await exchange(server, method, params, opts);
  assert.equal(answer.error ?? null, null, `${method} answered a JSON-RPC error: ${JSON.stringify(answer.error)}`);
  return answer.result;
}

/** The JSON-RPC error object; fails the test when the call has a result. */
export async function callError(server: TestServer, method: string, params: unknown, opts: CallOptions = {}): Promise<RpcError> {
  const answer = await exchange(server, method, params, opts);
  assert.equal(answer.result ?? null, null, `${method} answered a result: ${JSON.stringify(answer.result)}`);
  assert.ok(answer.error, `${method}: no error member`);
  assert.equal(typeof answer.error.message, 'string');
  return answer.error;
}

/** The four ways to send one call: named or positional params, JSON-RPC 1.0 or 2.0. */
export interface Form {
  readonly label: string;
  readonly named: boolean;
  readonly version: 1 | 2;
}

export const FORMS: readonly Form[] = [
  { label: 'named params, JSON-RPC 2.0', named: true, version: 2 },
  { label: 'positional params, JSON-RPC 2.0', named: false, version: 2 },
  { label: 'named params, JSON-RPC 1.0', named: true, version: 1 },
  { label: 'positional params, JSON-RPC 1.0', named: false, version: 1 },
];

/** Params in a form's shape, from (name, value) pairs in the documented order. */
export function paramsIn(form: Form, pairs: ReadonlyArray<readonly [string, unknown]>): unknown {
  return form.named ? Object.fromEntries(pairs) : pairs.map(([, value]) => value);
}

/** Call a method in one form, params given as documented-order pairs. */
export function callIn(server: TestServer, form: Form, method: string, pairs: ReadonlyArray<readonly [string, unknown]>): Promise<any> {
  return call(server, method, paramsIn(form, pairs), { version: form.version });
}

let lastName = 0;

/** A name no other test in the file uses. */
export function unique(prefix: string): string {
  return `${prefix}-${++lastName}`;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Upload `data` to `path` (under the token's root) through /post/raw; the parent must exist. */
export async function upload(server: TestServer, token: string, path: string, data: string | Buffer = 'hello', headers: Record<string, string> = {}): Promise<void> {
  const cut = path.lastIndexOf('/');
  const directory = cut <= 0 ? '/' : path.slice(0, cut);
  const basename = path.slice(cut + 1);
  // Headers carry ASCII; other names go URI-quoted under X-Agile-Encoding: UTF8.
  const ascii = /^[\x20-\x7e]*$/.test(path);
  const quote = (s: string) => (ascii ? s : encodeURIComponent(s).replaceAll('%2F', '/'));
  const res = await server.postRaw(data, {
    'X-Agile-Authorization': token,
    'X-Agile-Directory': quote(directory),
    'X-Agile-Basename': quote(basename),
    ...(ascii ? {} : { 'X-Agile-Encoding': 'UTF8' }),
    ...headers,
  });
  await res.arrayBuffer();
  assert.equal(res.headers.get('x-agile-status'), '0', `upload of ${path} failed: ${res.status} ${res.headers.get('x-agile-status')}`);
}

/** The two counters of a listPath cookie: base64 of two big-endian uint64 (working_with_methods.md). */
export function decodePathCookie(cookie: string): { dirs: number; files: number } {
  const bytes = Buffer.from(cookie, 'base64');
  assert.equal(bytes.length, 16, `a listPath cookie holds 16 bytes: ${cookie}`);
  return { dirs: Number(bytes.readBigUInt64BE(0)), files: Number(bytes.readBigUInt64BE(8)) };
}

export function encodePathCookie(dirs: number, files: number): string {
  const bytes = Buffer.alloc(16);
  bytes.writeBigUInt64BE(BigInt(dirs), 0);
  bytes.writeBigUInt64BE(BigInt(files), 8);
  return bytes.toString('base64');
}

/** Long ago, so that any change of mtime moves it forward. */
export const PAST_MTIME = 1000;

/** Put `path`'s mtime in the past with setMTime, so a later change can be seen without waiting. */
export async function ageMtime(server: TestServer, token: string, path: string): Promise<void> {
  assert.equal(await call(server, 'setMTime', [token, path, PAST_MTIME]), 0);
  assert.equal((await call(server, 'stat', [token, path])).mtime, PAST_MTIME);
}

export async function mtimeOf(server: TestServer, token: string, path: string): Promise<number> {
  const s = await call(server, 'stat', [token, path]);
  assert.equal(s.code, 0, `stat ${path}: ${s.code}`);
  return s.mtime;
}

/** The mtime of `path` moved forward from PAST_MTIME (see ageMtime). */
export async function assertMtimeMoved(server: TestServer, token: string, path: string): Promise<void> {
  const mtime = await mtimeOf(server, token, path);
  assert.equal(mtime > PAST_MTIME, true, `mtime of ${path} is still ${mtime}`);
}

/** The stat code of a path: 0 when it exists, -1 when it does not. */
export async function statCode(server: TestServer, token: string, path: string): Promise<number> {
  return (await call(server, 'stat', [token, path])).code;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A well-formed token that no session has. */
export const UNKNOWN_TOKEN = '00000000-0000-4000-8000-000000000000';

/** A new directory with a unique name under the caller's root. */
export async function freshDirectory(server: TestServer, token: string, prefix: string): Promise<string> {
  const dir = `/${unique(prefix)}`;
  const code = await call(server, 'makeDir', [token, dir]);
  if (code !== 0) throw new Error(`makeDir ${dir} answered ${JSON.stringify(code)}`);
  return dir;
}
