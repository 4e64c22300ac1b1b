/**
 * A few thousand malformed requests from a seeded generator, sent with the
 * token of carol, a user restricted to /carol. Every answer must be a
 * documented one: never HTTP 500, never a stack trace or a server path,
 * JSON-RPC always HTTP 200 with a method's documented code or a precise
 * JSON-RPC error, uploads always a documented X-Agile-Status. Afterwards the
 * server still answers and nothing outside /acme/carol has changed.
 *
 * Replay a failure with ORIGINSTORE_FUZZ_SEED=<seed>; each problem names the
 * case number and the request. ORIGINSTORE_FUZZ_SCALE=<n> multiplies the
 * counts; ORIGINSTORE_FUZZ_UNBOUNDED=1 runs storms of every kind, one after
 * another with the same generator, until one finds a problem (it never ends
 * otherwise). Another account (other/bob) and the data directory's own
 * files must come out untouched, and fsck must find every blob referenced.
 *
 * The data directory is on /dev/shm (a tmpfs) when there is one: this storm
 * is about what the server answers, not about durability, and fsync there
 * costs nothing, so the same minute sends several times the requests.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { Agent, request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { join, relative } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { systemClock } from '../../src/ports/clock.js';
import { Fsck } from '../../src/service/fsck.js';
import type { NodeRecord } from '../../src/domain/model.js';
import { ENDPOINT_CODES as HTTP_TABLES, METHOD_ALIASES, METHOD_CODES } from '../../src/domain/result-codes.js';
import { METHODS } from '../../src/transport/jsonrpc/methods/index.js';
import type { ParamDef } from '../../src/transport/jsonrpc/params.js';
import { allNodes, rawRequest } from '../helpers/http.js';
import { NUMBER_LITERALS, Prng, randomHeaderValue, randomJson, randomPath, toHeaderSafe } from '../helpers/malformed.js';
import { startServer, type TestServer } from '../helpers/server.js';

const SEED = Number(process.env['ORIGINSTORE_FUZZ_SEED'] ?? 0x0515ea5e);
const SCALE = Number(process.env['ORIGINSTORE_FUZZ_SCALE'] ?? 1);
const UNBOUNDED = process.env['ORIGINSTORE_FUZZ_UNBOUNDED'] === '1';
const RPC_CASES = Math.round(12_000 * SCALE);
const UPLOAD_CASES = Math.round(4000 * SCALE);
const RAW_CASES = Math.round(4000 * SCALE);
const IN_FLIGHT = 8;

/** A mark in alice's names and bytes: no answer to carol may ever contain it. */
const MARK = 'alice-only-7f3a9c';

let server: TestServer;
let alice: string;
let carol: string;
/** Tokens of carol's that logout and updateSession may spend. */
let spare: string[];
let outsideBefore: Map<string, string>;
let loggedErrors: string[] = [];
let serverPaths: string[];

/** The data directory's own files (not blobs, temporaries or SQLite's journal), as path → kind. */
let dataFilesBefore: string[];
/** Carol's uploads in progress, so that piece and complete requests reach real uploads too. */
let carolsUploads: string[];
/** Keep-alive connections, as a client sending many requests would use: cheaper than fetch's. */
const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });

before(async () => {
  server = await startServer(existsSync('/dev/shm') ? { parentDir: '/dev/shm' } : {});
  await server.app.services.admin.addAccount('other');
  await server.app.services.admin.addUser('other', 'bob', 'pw');
  const bob = await server.login('bob', 'pw');
  const bobs = await server.postRaw(`${MARK} of another account`, { 'X-Agile-Authorization': bob, 'X-Agile-Basename': 'bob.txt' });
  assert.equal(bobs.headers.get('x-agile-status'), '0');
  alice = await server.login();
  await server.app.services.admin.addUser('acme', 'carol', 'pw', { home: '/carol' });
  carol = await server.login('carol', 'pw');
  spare = [await server.login('carol', 'pw'), await server.login('carol', 'pw')];
  assert.equal(await server.rpc('makeDir2', [alice, `/${MARK}-dir/deeper`]), 0);
  for (const [dir, name] of [['/', `${MARK}.txt`], [`/${MARK}-dir`, 'outside.txt'], ['/', 'outside.txt']]) {
    const res = await server.postRaw(`${MARK} secret bytes`, { 'X-Agile-Authorization': alice, 'X-Agile-Directory': dir!, 'X-Agile-Basename': name! });
    assert.equal(res.headers.get('x-agile-status'), '0');
  }
  const up = await server.postRaw('carol was here', { 'X-Agile-Authorization': carol, 'X-Agile-Basename': 'mine.txt' });
  assert.equal(up.headers.get('x-agile-path'), '/acme/carol/mine.txt');
  carolsUploads = [];
  for (let i = 0; i < 4; i++) {
    const created = await fetch(`${server.url}/multipart/create`, { method: 'POST', headers: { 'X-Agile-Authorization': carol, 'X-Agile-Basename': `parts-${i}.bin` } });
    carolsUploads.push(created.headers.get('x-agile-multipart')!);
  }
  dataFilesBefore = await dataFiles();
  outsideBefore = snapshotOutsideCarol(await allNodes(server.app));
  serverPaths = [server.dataDir, process.cwd(), new URL('../..', import.meta.url).pathname.replace(/\/$/, '')];
  // With logging off, Fastify hands every request the same logger object: an error logged
  // anywhere (an unexpected kind, a 500, a JSON-RPC method that threw) is a bug worth failing on.
  const log = server.app.fastify.log as { error: (...args: unknown[]) => void; child: (b: object) => unknown };
  assert.equal(log.child({}), log, 'requests log through the server logger itself');
  log.error = (obj: unknown, msg?: unknown) => {
    loggedErrors.push(`${String(msg)}: ${obj instanceof Error ? obj.message : JSON.stringify(obj, errorReplacer)?.slice(0, 300)}`);
  };
});
after(async () => {
  agent.destroy();
  await server.close();
});

async function dataFiles(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const rel = relative(server.dataDir, path);
      if (/^metadata\.sqlite-(wal|shm|journal)$/.test(rel) || rel === 'tmp' || /^blobs\/[0-9a-f]{2}\/[0-9a-f]{32}$/.test(rel)) continue;
      out.push(`${rel}${entry.isDirectory() ? '/' : ''}`);
      if (entry.isDirectory()) await walk(path);
    }
  };
  await walk(server.dataDir);
  return out.sort();
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/**
 * One request over the keep-alive agent; rejects only when no answer came.
 * A request on a reused connection that the other end had already closed
 * is sent again once on a new one, as Node's documentation advises for
 * keep-alive clients: Node's own parser closes a connection after a 431
 * (headers too large), and its client can pick that connection up again.
 */
function send(path: string, headers: Record<string, string>, body: string | Uint8Array | undefined, fresh = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const h: OutgoingHttpHeaders = { ...headers };
    if (body !== undefined) h['content-length'] = Buffer.byteLength(body);
    const req = httpRequest(`${server.url}${path}`, { method: 'POST', agent: fresh ? false : agent, headers: h }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const answer = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) answer.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        resolve({ status: res.statusCode ?? 0, headers: answer, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (req.reusedSocket && !fresh && (err.code === 'ECONNRESET' || err.message === 'socket hang up')) send(path, headers, body, true).then(resolve, reject);
      else reject(err);
    });
    req.end(body);
  });
}

/** A body as fetch would encode it: a form as multipart/form-data, a string as text/plain. */
async function encoded(body: FormData | string | Uint8Array | undefined, headers: Record<string, string>): Promise<string | Uint8Array | undefined> {
  if (body instanceof FormData) {
    const r = new Response(body);
    headers['Content-Type'] = r.headers.get('content-type')!;
    return new Uint8Array(await r.arrayBuffer());
  }
  if (typeof body === 'string' && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'text/plain;charset=UTF-8';
  return body;
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? `${value.name}: ${value.message}` : value;
}

function isCarols(path: string): boolean {
  return path === '/acme/carol' || path.startsWith('/acme/carol/');
}

function snapshotOutsideCarol(nodes: NodeRecord[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of nodes) {
    if (isCarols(n.path)) continue;
    out.set(n.path, JSON.stringify({ id: n.id, kind: n.kind, size: n.sizeBytes, sha256: n.sha256, mime: n.mime, mtime: n.mtime, blob: n.blobId }));
  }
  return out;
}

/** How the answers of the current storm were spread, so a test can show the storm reached past the front door. */
let tally = new Map<string, number>();
function note(outcome: string): void {
  tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
}

// --- checks shared by every answer -----------------------------------------------------------------------

interface Case {
  readonly id: string;
  readonly describe: string;
  readonly run: () => Promise<string[]>;
}

const STACK = /\n\s+at [^\n]*:\d+:\d+|\bat (?:async )?[\w.<>]+ \([^)]*:\d+:\d+\)|node_modules|\.ts:\d+|file:\/\//;

function leaks(text: string): string[] {
  const problems: string[] = [];
  if (STACK.test(text)) problems.push(`answer shows a stack trace or source location: ${text.slice(0, 200)}`);
  for (const p of serverPaths) if (p.length > 1 && text.includes(p)) problems.push(`answer shows a server path (${p})`);
  if (text.includes(MARK)) problems.push("answer shows something of alice's outside carol's root");
  return problems;
}

function checkCommon(status: number, headerText: string, body: string): string[] {
  const problems = [...leaks(headerText), ...leaks(body)];
  if (status >= 500 && status !== 505) problems.push(`HTTP ${status}`);
  return problems;
}

// --- JSON-RPC -----------------------------------------------------------------------------------------------------

const RPC_PROTOCOL_CODES = new Set([-32700, -32600, -32601, -32602, -32603, -32099]);
const KNOWN_METHODS = [...Object.keys(METHOD_CODES), ...Object.keys(METHOD_ALIASES)];
const UNKNOWN_METHODS = ['frobnicate', '_private', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'LOGIN', 'list Path', '', 'makeDir\u0000', 'a'.repeat(300)];
/** Methods that end or shorten a session get carol's spare tokens, so the storm keeps a live token. */
const SPENDS_TOKEN = new Set(['logout', 'updateSession']);
/** Each of these costs a password hash; keep them rare. */
const SLOW = new Set(['login', 'authenticate']);

function allowedCodes(method: string): Set<number> {
  const def = METHOD_CODES[METHOD_ALIASES[method] ?? method];
  const codes = new Set<number>([0]);
  if (!def) return codes;
  for (const c of Object.values(def.codes)) codes.add(c as number);
  if (def.internal !== undefined) codes.add(def.internal);
  return codes;
}

function tokenArg(rng: Prng, method: string): unknown {
  if (SPENDS_TOKEN.has(method)) return rng.chance(0.5) ? rng.pick(spare) : randomJson(rng);
  return rng.weighted<unknown>([[7, carol], [1, '00000000-0000-4000-8000-000000000000'], [1, ''], [1, randomJson(rng)]]);
}

/** A value of the parameter's type more often than not, so that most calls get past the binder to the method. */
function typedArg(rng: Prng, method: string, def: ParamDef): unknown {
  if (def.name === 'token') return tokenArg(rng, method);
  if (rng.chance(0.08)) return randomJson(rng);
  switch (def.type) {
    case 'int':
      return rng.pick([0, 1, -1, 5, 100, 1000, 10001, 2 ** 31, 2 ** 53, -(2 ** 40), 1e300, '10', ' 7 ', '-3', null]);
    case 'bool':
      return rng.pick([true, false, 0, 1, 'true', 'false', '', null]);
    case 'string':
    case 'stringOrNull':
      if (def.name === 'mpid' || def.name === 'cookie') return rng.pick(['', 'AAAAAAAAAAAAAAAAAAAAAA==', '00000000000000000000000000000000', 'not-a-cookie', randomPath(rng)]);
      if (def.name === 'content_type') return rng.pick(['image/png', 'image/nonsense', 'auto', '', 'application/octet-stream']);
      return randomPath(rng);
    default:
      return randomJson(rng);
  }
}

function randomParams(rng: Prng, method: string): unknown {
  const defs = METHODS[method]?.params;
  if (!defs || rng.chance(0.25)) {
    return rng.weighted<() => unknown>([
      [6, () => Array.from({ length: 1 + rng.int(6) }, (_, i) => (i === 0 && method !== 'ping' && !SLOW.has(method) ? tokenArg(rng, method) : randomJson(rng)))],
      [3, () => Object.fromEntries([
        ['token', tokenArg(rng, method)],
        ...Array.from({ length: rng.int(5) }, () => [rng.pick(['path', 'pageSize', 'cookie', 'stat', 'mtime', 'newpath', 'oldpath', 'detail', 'expire', 'extra', '__proto__']), randomJson(rng)]),
      ])],
      [1, () => randomJson(rng)],
    ])();
  }
  // Leave out some trailing parameters, or add one too many.
  const count = rng.weighted([[17, defs.length], [2, Math.max(0, defs.length - 1 - rng.int(2))], [1, defs.length + 1]] as const);
  const values = Array.from({ length: count }, (_, i) => (i < defs.length ? typedArg(rng, method, defs[i]!) : randomJson(rng)));
  if (rng.chance(0.7)) return values;
  return Object.fromEntries(values.map((v, i) => [defs[i]?.name ?? rng.pick(['extra', 'Path', '__proto__']), v]));
}

function randomCall(rng: Prng): { call: Record<string, unknown>; methods: string[] } {
  let method = rng.chance(0.9) ? rng.pick(KNOWN_METHODS) : rng.pick(UNKNOWN_METHODS);
  if (SLOW.has(method) && !rng.chance(0.05)) method = 'stat';
  const envelope: Record<string, unknown> = {};
  if (rng.chance(0.9)) envelope['jsonrpc'] = rng.chance(0.95) ? '2.0' : rng.pick(['1.0', '3.0', 2, null]);
  if (rng.chance(0.95)) envelope['id'] = rng.chance(0.9) ? rng.pick<unknown>([1, 'abc', null, 0, -1, 2 ** 60]) : rng.pick<unknown>([{}, [], true, 1.5]);
  envelope['method'] = rng.chance(0.97) ? method : randomJson(rng);
  envelope['params'] = randomParams(rng, METHOD_ALIASES[method] ?? method);
  if (rng.chance(0.03)) delete envelope['params'];
  if (rng.chance(0.03)) envelope['extra'] = randomJson(rng);
  return { call: envelope, methods: typeof envelope['method'] === 'string' ? [envelope['method']] : [] };
}

/** The request body and what an answer may contain. */
function rpcBody(rng: Prng): { endpoint: string; body: string; methods: string[]; mayBeSilent: boolean } {
  const endpoint = rng.chance(0.5) ? '/jsonrpc' : '/jsonrpc2';
  return rng.weighted<() => { endpoint: string; body: string; methods: string[]; mayBeSilent: boolean }>([
    [2, () => ({ endpoint, methods: [], mayBeSilent: false, body: rng.pick(['', '{', '}', '[', 'nul', 'undefined', '{"method": }', "{'method': 'ping'}", '\uFEFF{"method":"ping","params":[],"id":1}', '[]', '[[]]', '[1,2,3]', '"ping"', '42', 'null', 'true', '{"method":"ping","params":[],"id":1}{"x":1}']) })],
    [1, () => ({ endpoint, methods: [], mayBeSilent: false, body: rng.bytes(1 + rng.int(200)).toString('latin1') })],
    [1, () => ({ endpoint, methods: [], mayBeSilent: false, body: '['.repeat(5000 + rng.int(5000)) + ']'.repeat(rng.int(2) ? 5000 : 0) })],
    [12, () => {
      const { call, methods } = randomCall(rng);
      let body = JSON.stringify(call);
      // Numbers JSON.stringify cannot write, put where a number would go.
      if (rng.chance(0.1)) body = body.replace(/(?<=[[,:])-?\d+(\.\d+)?(?=[,\]}])/, rng.pick(NUMBER_LITERALS));
      return { endpoint, body, methods, mayBeSilent: call['jsonrpc'] === '2.0' && !('id' in call) };
    }],
    [3, () => {
      const calls = Array.from({ length: rng.int(6) }, () => (rng.chance(0.9) ? randomCall(rng) : { call: randomJson(rng) as Record<string, unknown>, methods: [] }));
      return {
        endpoint,
        body: JSON.stringify(calls.map((c) => c.call)),
        methods: calls.flatMap((c) => c.methods),
        mayBeSilent: calls.length > 0 && calls.every((c) => c.call !== null && typeof c.call === 'object' && c.call['jsonrpc'] === '2.0' && !('id' in c.call)),
      };
    }],
    [0.05, () => ({ endpoint, methods: ['ping'], mayBeSilent: false, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: ['x'.repeat((1 << 20) + 10)] }) })],
  ])();
}

function checkRpcAnswer(answer: unknown, allowed: Set<number>): string[] {
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return [`an answer that is not an object: ${JSON.stringify(answer)?.slice(0, 120)}`];
  const a = answer as Record<string, unknown>;
  const error = a['error'];
  if (error !== undefined && error !== null) {
    const e = error as Record<string, unknown>;
    if (typeof e['code'] !== 'number' || !RPC_PROTOCOL_CODES.has(e['code'])) return [`JSON-RPC error with an undocumented code: ${JSON.stringify(error).slice(0, 200)}`];
    if (typeof e['message'] !== 'string' || e['message'] === '') return [`JSON-RPC error without a message: ${JSON.stringify(error)}`];
    note(`error ${e['code']}`);
    return [];
  }
  if (!('result' in a)) return [`an answer with neither result nor error: ${JSON.stringify(a).slice(0, 200)}`];
  const result = a['result'];
  let code: number | undefined;
  if (typeof result === 'number') code = result;
  else if (Array.isArray(result)) code = 0; // login's [token, info] or [null, null]
  else if (result !== null && typeof result === 'object' && typeof (result as Record<string, unknown>)['code'] === 'number') code = (result as { code: number }).code;
  if (code === undefined) return [`a result with no code: ${JSON.stringify(result).slice(0, 200)}`];
  note(`result ${code}`);
  return allowed.has(code) ? [] : [`result code ${code} is not documented for this method (allowed: ${[...allowed].join(' ')})`];
}

function rpcCase(rng: Prng, n: number): Case {
  const { endpoint, body, methods, mayBeSilent } = rpcBody(rng);
  const allowed = new Set<number>([0]);
  for (const m of methods) for (const c of allowedCodes(m)) allowed.add(c);
  return {
    id: `rpc#${n}`,
    describe: `POST ${endpoint} ${body.length > 300 ? `${body.slice(0, 300)}… (${body.length} chars)` : body}`,
    async run() {
      const res = await send(endpoint, { 'Content-Type': rng.pick(['application/json', 'application/json-rpc', 'text/plain', 'x/y']) }, body);
      const text = res.text;
      const problems = checkCommon(res.status, [...res.headers].join('\n'), text);
      if (res.status !== 200) return [...problems, `JSON-RPC answered HTTP ${res.status}`];
      if (text === '') return mayBeSilent ? problems : [...problems, 'an empty answer to a request that needs one'];
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return [...problems, `an answer that is not JSON: ${text.slice(0, 120)}`];
      }
      const answers = Array.isArray(parsed) ? parsed : [parsed];
      return [...problems, ...answers.flatMap((a) => checkRpcAnswer(a, allowed))];
    },
  };
}

// --- uploads through the HTTP interface --------------------------------------------------------------------------------

const ENDPOINT_CODES: Record<string, Set<number>> = {
  // uploading_files_nonmultipart.md, both tables; -2 (onto a directory), -21, -27 and -48 on /post/raw are the project's.
  '/post/raw': new Set([0, -2, -3, -8, -21, -24, -25, -26, -27, -33, -39, -48, -51, -10001]),
  '/post/file': new Set([0, -2, -3, -8, -21, -23, -24, -25, -26, -27, -33, -39, -48, -10001]),
  // working_with_directories_http.md; -51 is using_utf8.md's answer to any invalid X-Agile-Encoding.
  '/post/directory': new Set([0, -2, -3, -8, -39, -51, -10001]),
  // logging_in_using_http_interface.md
  '/account/login': new Set([0, -34, -47, -10001]),
};

/**
 * working_with_multipart_http.md, as domain/result-codes.ts holds it: each code with the HTTP statuses
 * it comes with. Only client errors: a 5xx is a problem however documented (checkCommon).
 */
const MULTIPART_ENDPOINTS = ['/multipart/create', '/multipart/piece', '/multipart/complete'] as const;
const MULTIPART_STATUSES: Record<string, Map<number, number[]>> = {};
for (const endpoint of MULTIPART_ENDPOINTS) {
  const codes = new Map<number, number[]>([[0, [200]], [-10001, [401, 403]]]);
  for (const { code, status } of Object.values(HTTP_TABLES[endpoint] ?? {})) {
    if (status < 500) codes.set(code, [...(codes.get(code) ?? []), status]);
  }
  MULTIPART_STATUSES[endpoint] = codes;
  ENDPOINT_CODES[endpoint] = new Set(codes.keys());
}

function multipartHeader(rng: Prng, name: 'X-Agile-Multipart' | 'X-Agile-Part'): string {
  if (name === 'X-Agile-Part') return rng.weighted<() => string>([[6, () => String(1 + rng.int(3))], [2, () => rng.pick(['0', '-1', '1001', '999999999999', '01', ' 2 ', 'abc', ''])], [1, () => randomHeaderValue(rng)]])();
  return rng.weighted<() => string>([[6, () => rng.pick(carolsUploads)], [1, () => rng.bytes(16).toString('hex')], [1, () => randomHeaderValue(rng)]])();
}

const UPLOAD_HEADERS = [
  'X-Agile-Directory', 'X-Agile-Basename', 'X-Agile-Recursive', 'X-Agile-MTime', 'X-Agile-Content-Type', 'X-Agile-Content-Detect',
  'X-Content-Type', 'X-Content-Detect', 'X-Agile-Checksum', 'X-Agile-Encoding', 'X-Agile-Expose-Egress', 'X-Agile-Subdir',
  'X-Agile-Expiry', 'X-Agile-Username', 'X-Agile-Password', 'X-Agile-Content-Encoding', 'Range', 'Content-Type',
];

function uploadCase(rng: Prng, n: number): Case {
  const endpoint = rng.weighted<string>([[5, '/post/raw'], [3, '/post/file'], [3, '/post/directory'], [0.3, '/account/login'], [1, '/multipart/create'], [2, '/multipart/piece'], [1, '/multipart/complete']]);
  const headers: Record<string, string> = {};
  if (endpoint === '/account/login') {
    headers['X-Agile-Username'] = rng.chance(0.8) ? 'carol' : randomHeaderValue(rng);
    headers['X-Agile-Password'] = rng.chance(0.8) ? 'pw' : randomHeaderValue(rng);
  } else {
    const token = rng.weighted<string | undefined>([[8, carol], [1, 'bogus'], [1, undefined]]);
    if (token !== undefined) headers['X-Agile-Authorization'] = token;
  }
  for (let i = rng.int(6); i > 0; i--) {
    const name = rng.pick(UPLOAD_HEADERS);
    if (name === 'Content-Type' && endpoint === '/post/file') continue;
    headers[name] = name === 'X-Agile-Directory' || name === 'X-Agile-Basename' || name === 'X-Agile-Subdir' ? toHeaderSafe(randomPath(rng)) : randomHeaderValue(rng);
  }
  if (endpoint === '/multipart/piece' || endpoint === '/multipart/complete') {
    if (rng.chance(0.95)) headers['X-Agile-Multipart'] = multipartHeader(rng, 'X-Agile-Multipart');
    if (endpoint === '/multipart/piece' && rng.chance(0.95)) headers['X-Agile-Part'] = multipartHeader(rng, 'X-Agile-Part');
  }
  let body: FormData | string | Uint8Array | undefined;
  if (endpoint === '/post/raw' || endpoint === '/multipart/piece') body = rng.chance(0.5) ? 'payload' : new Uint8Array(rng.bytes(rng.int(5000)));
  if (endpoint === '/post/file') body = randomForm(rng);
  const query = endpoint === '/post/file' && rng.chance(0.1) ? `?token=${encodeURIComponent(rng.chance(0.5) ? carol : randomHeaderValue(rng))}` : '';
  return {
    id: `upload#${n}`,
    describe: `POST ${endpoint}${query} ${JSON.stringify(headers).slice(0, 600)}`,
    async run() {
      const sent = { ...headers };
      let res: Answer;
      try {
        res = await send(`${endpoint}${query}`, sent, await encoded(body, sent));
      } catch (err) {
        // Headers over Node's 16 KiB limit: Node answers 431 and closes, sometimes before the client has read it.
        if (Object.entries(sent).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v, 'latin1') + 4, 0) > 15_000) return [];
        throw err;
      }
      const text = res.text;
      const problems = checkCommon(res.status, [...res.headers].join('\n'), text);
      const agile = res.headers.get('x-agile-status');
      if (res.status === 431) return problems; // headers too large for Node: refused before the API sees them
      if (agile === null) return [...problems, `no X-Agile-Status (HTTP ${res.status})`];
      note(`${endpoint} ${agile}`);
      if (!ENDPOINT_CODES[endpoint]!.has(Number(agile))) problems.push(`X-Agile-Status ${agile} is not documented for ${endpoint}`);
      const multipart = MULTIPART_STATUSES[endpoint];
      const expected = multipart ? multipart.get(Number(agile)) ?? [] : agile === '0' ? [200, 302] : agile === '-10001' && endpoint !== '/account/login' ? [401, 403] : [400];
      if (!expected.includes(res.status)) problems.push(`X-Agile-Status ${agile} came with HTTP ${res.status}`);
      return problems;
    },
  };
}

function randomForm(rng: Prng): FormData | string {
  if (rng.chance(0.1)) return rng.pick(['not a form', '--x\r\n', '']);
  const f = new FormData();
  const files = rng.weighted([[6, 1], [1, 0], [1, 2]] as const);
  for (let i = 0; i < files; i++) {
    const name = rng.chance(0.5) ? rng.pick(['a.txt', '', 'noext', '../../x.txt', '..', 'C:\\x\\y.png']) : randomPath(rng);
    f.append(rng.chance(0.9) ? 'uploadFile' : 'other', new Blob([rng.chance(0.2) ? '' : 'form payload'], { type: rng.pick(['', 'image/gif', 'text/plain', 'bogus/type', 'application/octet-stream']) }), name);
  }
  for (let i = rng.int(5); i > 0; i--) {
    f.append(rng.pick(['basename', 'directory', 'recursive', 'mtime', 'expose_egress', 'return_url', 'return_referer', 'junk']), String(randomJson(rng)));
  }
  return f;
}

// --- raw requests: traversal and framing --------------------------------------------------------------------------------

const TRAVERSALS = [
  '/acme/carol/../outside.txt', '/acme/carol/%2e%2e/outside.txt', '/acme/carol/%2E%2E%2Foutside.txt', '/acme/carol/..%2Foutside.txt',
  '/acme/carol/..%5Coutside.txt', '/acme/carol/%252e%252e/outside.txt', '/acme/./outside.txt', '/acme/carol/mine.txt/../../outside.txt',
  `/acme/carol/../${MARK}.txt`, `/acme/carol/%2e%2e/${MARK}-dir/outside.txt`, '/acme/carol/..;/outside.txt', '/carol/../outside.txt',
  '/acme/carol/%00/../../outside.txt', '/acme/carol/.%2e/outside.txt', '/acme//carol/../../acme/outside.txt',
];

function rawCase(rng: Prng, n: number): Case {
  type Built = { bytes: string | Buffer; halfClose: boolean; kind: 'traversal' | 'inside' | 'upload' | 'framing' };
  const build = rng.weighted<() => Built>([
    [4, () => {
      // A random path under carol's root may name a file the upload storm made there: 200 is fine for it.
      const traversal = rng.chance(0.8);
      const target = traversal ? rng.pick(TRAVERSALS) : `/acme/carol/${randomPath(rng).replace(/[\s#?]/g, '_')}`;
      const host = rng.chance(0.3) ? 'acme.localhost' : 'localhost';
      const method = rng.pick(['GET', 'HEAD', 'GET']);
      return { bytes: Buffer.from(`${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, 'latin1'), halfClose: false, kind: traversal ? 'traversal' : 'inside' };
    }],
    [3, () => {
      const headerName = rng.pick(['X-Agile-Directory', 'X-Agile-Basename']);
      const value = rng.pick(['..', '../..', '/../outside', '/a/../../..', '%2e%2e', '%2E%2E%2F..', '..%2F..%2Foutside.txt', '\xff\xfe', '\xc3', 'ok\xe9.txt', 'a\\..\\..', '../../outside.txt']);
      const encoding = rng.chance(0.4) ? 'X-Agile-Encoding: UTF8\r\n' : '';
      return {
        bytes: Buffer.from(`POST /post/raw HTTP/1.1\r\nHost: localhost\r\nX-Agile-Authorization: ${carol}\r\n${headerName}: ${value}\r\n${encoding}X-Agile-Recursive: true\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc`, 'latin1'),
        halfClose: false,
        kind: 'upload',
      };
    }],
    [4, () => ({ bytes: Buffer.from(rng.pick(FRAMINGS)(rng), 'latin1'), halfClose: true, kind: 'framing' })],
  ]);
  const { bytes, halfClose, kind } = build();
  const shown = bytes.toString('latin1');
  return {
    id: `raw#${n}`,
    describe: JSON.stringify(shown.length > 400 ? `${shown.slice(0, 400)}… (${shown.length} bytes)` : shown),
    async run() {
      const answer = await rawRequest(server.port, bytes, { halfClose, head: shown.startsWith('HEAD ') });
      const body = answer.body.toString('latin1');
      const problems = checkCommon(answer.status, JSON.stringify(answer.headers), body);
      note(`${kind} ${answer.status}${answer.headers['x-agile-status'] === undefined ? '' : ` ${answer.headers['x-agile-status']}`}`);
      if (answer.status === 0) return halfClose ? problems : [...problems, 'no answer'];
      if (kind === 'traversal' && answer.status !== 404 && answer.status !== 400) problems.push(`a traversal answered HTTP ${answer.status}`);
      if (kind === 'upload') {
        const agile = answer.headers['x-agile-status'];
        if (agile === undefined || !ENDPOINT_CODES['/post/raw']!.has(Number(agile))) problems.push(`X-Agile-Status ${agile} is not documented for /post/raw`);
        if (agile === '0' && !/^\/acme\/carol\//.test(Buffer.from(answer.headers['x-agile-path'] ?? '', 'latin1').toString('utf8'))) {
          problems.push(`an upload landed at ${answer.headers['x-agile-path']}`);
        }
      }
      // Node refuses what it cannot frame (400, 413, 431, 505); what it can frame reaches the API, which answers in its own terms.
      const answeredByApi = answer.headers['x-agile-status'] !== undefined || (shown.startsWith('POST /jsonrpc ') && answer.status === 200);
      if (kind === 'framing' && answer.status !== 0 && !answeredByApi && (answer.status < 400 || answer.status > 505)) {
        problems.push(`a malformed request answered HTTP ${answer.status}`);
      }
      return problems;
    },
  };
}

/** Requests whose framing is wrong. The socket is half-closed after them, so a server waiting for more sees the end. */
const FRAMINGS: ((rng: Prng) => string)[] = [
  () => `POST /post/raw HTTP/1.1\r\nHost: x\r\nX-Agile-Authorization: ${carol}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
  () => `POST /post/raw HTTP/1.1\r\nHost: x\r\nX-Agile-Authorization: ${carol}\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`,
  () => `POST /post/raw HTTP/1.1\r\nHost: x\r\nX-Agile-Authorization: ${carol}\r\nContent-Length: -1\r\n\r\n`,
  () => `POST /post/raw HTTP/1.1\r\nHost: x\r\nX-Agile-Authorization: ${carol}\r\nContent-Length: abc\r\n\r\n`,
  () => `POST /post/raw HTTP/1.1\r\nHost: x\r\nX-Agile-Authorization: ${carol}\r\nX-Agile-Basename: short.txt\r\nContent-Length: 100\r\n\r\nonly-a-few-bytes`,
  () => `POST /post/raw HTTP/1.1\r\nHost: x\r\nX-Agile-Authorization: ${carol}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`,
  () => `POST /post/raw HTTP/1.1\r\nHost: x\r\nX-Agile-Authorization: ${carol}\r\nX-Agile-Basename: unfinished.txt\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n`,
  () => `POST /post/file HTTP/1.1\r\nHost: x\r\nX-Agile-Authorization: ${carol}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 60\r\n\r\n--b\r\nContent-Disposition: form-data; name="uploadFile"; filename="a"\r\n\r\nabc`,
  () => `POST /post/file HTTP/1.1\r\nHost: x\r\nX-Agile-Authorization: ${carol}\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 20\r\n\r\n--b--garbage-------`,
  () => `POST /jsonrpc HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{"jsonrpc":"2.0","id":1,"method":"ping"`,
  () => `POST /jsonrpc HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`,
  () => `GET /acme/carol/mine.txt HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n`,
  () => `GET /acme/carol/mine.txt HTTP/1.1\r\nHost: x\r\nX-Agile-Path : spaced\r\n\r\n`,
  () => `GET /acme/carol/mine.txt HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n  continued\r\n\r\n`,
  () => `GET /acme/carol/mine.txt HTTP/1.1\nHost: x\n\n`,
  () => `GET /acme/carol/mine.txt HTTP/1.1\r\nHost: x\r\nX-Nul: a\0b\r\n\r\n`,
  () => `GET /acme/carol/mine.txt HTTP/2.0\r\nHost: x\r\n\r\n`,
  () => `GET /acme/carol/mine.txt\r\n\r\n`,
  () => `get /acme/carol/mine.txt HTTP/1.1\r\nHost: x\r\n\r\n`,
  () => `GET http://evil.example/acme/outside.txt HTTP/1.1\r\nHost: x\r\n\r\n`,
  () => `GET * HTTP/1.1\r\nHost: x\r\n\r\n`,
  (rng) => `GET /acme/carol/${'a'.repeat(20_000 + rng.int(20_000))} HTTP/1.1\r\nHost: x\r\n\r\n`,
  (rng) => `GET /acme/carol/mine.txt HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(17_000 + rng.int(10_000))}\r\n\r\n`,
  (rng) => `GET /acme/carol/mine.txt HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 2100 + rng.int(100) }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n`,
  (rng) => rng.pick(['PUT', 'DELETE', 'PATCH', 'TRACE', 'CONNECT', 'PROPFIND', 'BREW']) + ` /post/raw HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n`,
  (rng) => rng.bytes(1 + rng.int(300)).toString('latin1'),
  () => `\r\n\r\n\r\n`,
  () => `POST /post/raw HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nX-Agile-Authorization: ${carol}\r\nContent-Length: 3\r\n\r\n`,
];

// --- running ---------------------------------------------------------------------------------------------------------------

async function runAll(cases: Case[]): Promise<string[]> {
  const problems: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const c = cases[next++]!;
      let found: string[];
      try {
        found = await c.run();
      } catch (err) {
        found = [`the request failed: ${(err as Error).message}`];
      }
      for (const p of found) problems.push(`${c.id} ${p}\n    request: ${c.describe}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return problems;
}

/** The storm's spread of answers, as a test diagnostic; and the outcomes that must have happened at least once. */
function spread(t: TestContext, mustSee: string[]): void {
  const seen = tally;
  tally = new Map();
  t.diagnostic([...seen].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}: ${v}`).join(', '));
  for (const outcome of mustSee) assert.ok(seen.has(outcome), `the storm never produced '${outcome}'`);
}

function report(problems: string[]): string {
  return `${problems.length} problem(s) with seed ${SEED} (ORIGINSTORE_FUZZ_SEED=${SEED} replays them):\n${problems.slice(0, 15).join('\n')}`;
}

function takeLoggedErrors(): string[] {
  const taken = loggedErrors;
  loggedErrors = [];
  return taken.map((e) => `the server logged an error: ${e}`);
}

/** Unbounded mode: storms of each kind in turn, from one generator, until a problem turns up. */
test('bad input: unbounded storms until a problem is found (ORIGINSTORE_FUZZ_UNBOUNDED=1)', { skip: !UNBOUNDED }, async (t) => {
  const rng = new Prng(SEED);
  for (let round = 0, n = 0; ; round++) {
    const kinds = [rpcCase, uploadCase, rawCase];
    const cases = Array.from({ length: 2000 }, () => kinds[round % 3]!(rng, n++));
    const problems = await runAll(cases);
    problems.push(...takeLoggedErrors());
    assert.deepEqual(problems, [], report(problems));
    t.diagnostic(`round ${round}: ${n} cases so far, no problem`);
    tally = new Map();
  }
});

const bounded = { skip: UNBOUNDED ? 'unbounded mode' : false };

test(`bad input: ${RPC_CASES} malformed JSON-RPC requests all get HTTP 200 with a documented code or a JSON-RPC error (seed ${SEED})`, bounded, async (t) => {
  const rng = new Prng(SEED);
  const problems = await runAll(Array.from({ length: RPC_CASES }, (_, i) => rpcCase(rng, i)));
  problems.push(...takeLoggedErrors());
  assert.deepEqual(problems, [], report(problems));
  spread(t, ['result 0', 'result -1', 'result -10001', 'error -32700', 'error -32600', 'error -32601', 'error -32602']);
});

test(`bad input: ${UPLOAD_CASES} uploads, directories and logins with bad header values answer documented X-Agile-Status codes (seed ${SEED})`, bounded, async (t) => {
  const rng = new Prng(SEED + 1);
  const problems = await runAll(Array.from({ length: UPLOAD_CASES }, (_, i) => uploadCase(rng, i)));
  problems.push(...takeLoggedErrors());
  assert.deepEqual(problems, [], report(problems));
  spread(t, ['/post/raw 0', '/post/raw -8', '/post/raw -10001', '/post/file 0', '/post/file -24', '/post/directory 0', '/post/directory -8', '/account/login 0',
    '/multipart/create 0', '/multipart/piece 0', '/multipart/piece -3', '/multipart/complete 0', '/multipart/complete -2']);
});

test(`bad input: ${RAW_CASES} raw requests with '..', %2e%2e, %2F and bad framing never reach outside and never fail with 500 (seed ${SEED})`, bounded, async (t) => {
  const rng = new Prng(SEED + 2);
  const problems = await runAll(Array.from({ length: RAW_CASES }, (_, i) => rawCase(rng, i)));
  problems.push(...takeLoggedErrors());
  assert.deepEqual(problems, [], report(problems));
  spread(t, ['traversal 404', 'upload 400 -8', 'framing 400']);
});

test('bad input: a request line of another HTTP version than 1.0 or 1.1, or of none, is answered 505 and never reaches a route', async () => {
  for (const line of ['GET /acme/carol/mine.txt HTTP/2.0\r\nHost: x\r\n\r\n', 'GET /acme/carol/mine.txt\r\n\r\n']) {
    const answer = await rawRequest(server.port, line);
    assert.equal(answer.status, 505, JSON.stringify(line));
    assert.equal(answer.headers['connection'], 'close');
    assert.equal(answer.headers['access-control-allow-origin'], '*', 'the headers every answer carries');
  }
});

test('bad input: a request of more than 500 header lines is answered 431, not served with the lines past Node\'s limit dropped', async () => {
  const lines = Array.from({ length: 501 }, (_, i) => `X-H${i}: v`).join('\r\n');
  const answer = await rawRequest(server.port, `GET /acme/carol/mine.txt HTTP/1.1\r\nHost: x\r\n${lines}\r\n\r\n`);
  assert.equal(answer.status, 431);
  const fewer = Array.from({ length: 400 }, (_, i) => `X-H${i}: v`).join('\r\n');
  const served = await rawRequest(server.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${fewer}\r\n\r\n`);
  assert.equal(served.status, 200);
});

test('bad input: the server still answers afterwards', async () => {
  assert.deepEqual(await server.rpc('ping', []), { code: 0, operation: 'pong' });
  assert.match(await server.login(), /^[0-9a-f-]{36}$/);
  const up = await server.postRaw('still here', { 'X-Agile-Authorization': carol, 'X-Agile-Basename': 'after-the-storm.txt' });
  assert.equal(up.status, 200);
  assert.equal(up.headers.get('x-agile-status'), '0');
  const got = await fetch(`${server.url}/acme/carol/after-the-storm.txt`);
  assert.equal(await got.text(), 'still here');
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  assert.equal((await server.rpc('checkToken', [carol])).code, 0, "carol's token survived the storm");
});

test('bad input: nothing outside /acme/carol was created, changed or removed', async () => {
  const nodes = await allNodes(server.app);
  const escaped = nodes.filter((n) => !isCarols(n.path) && !outsideBefore.has(n.path)).map((n) => n.path);
  assert.deepEqual(escaped, [], 'nodes created outside carol\'s root');
  const after = snapshotOutsideCarol(nodes);
  const changed = [...outsideBefore].filter(([path, state]) => after.get(path) !== state).map(([path]) => path);
  assert.deepEqual(changed, [], 'nodes outside carol\'s root changed or removed');
  assert.ok(nodes.some((n) => isCarols(n.path) && n.path !== '/acme/carol/mine.txt' && n.path !== '/acme/carol'), 'the storm did reach carol\'s own tree');
});

test('bad input: the data directory holds only what it held before, besides blobs, and every blob is referenced', async () => {
  assert.deepEqual(await dataFiles(), dataFilesBefore, 'files appeared in or vanished from the data directory');
  await server.app.services.joiner.idle();
  await server.app.services.garbage.drain();
  const report = await new Fsck({ ...server.app.stores, clock: systemClock }).run();
  assert.deepEqual(report.findings, [], 'fsck after the storm');
});

test("bad input: alice's listing of the root shows only what was there before, and carol's home", async () => {
  const listed = await server.rpc('listPath', [alice, '/', 1000]);
  assert.equal(listed.code, 0);
  const names = [...listed.dirs, ...listed.files].map((e: { name: string }) => e.name).sort();
  const expected = [...outsideBefore.keys(), '/acme/carol'].filter((p) => /^\/acme\/[^/]+$/.test(p)).map((p) => p.slice('/acme/'.length)).sort();
  assert.deepEqual(names, expected);
});
