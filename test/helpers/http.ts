/**
 * Requests that fetch cannot make: raw bytes over a socket (fetch normalises
 * '..' and refuses bad framing, as in Deno std file_server_test.ts), and
 * requests with a Host header of our choosing. Plus small helpers the HTTP
 * interface tests share.
 */
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { App } from '../../src/server/app.js';
import type { NodeRecord } from '../../src/domain/model.js';

export interface RawAnswer {
  /** 0 when the server closed the connection without answering. */
  readonly status: number;
  readonly reason: string;
  /** Lower-case names; repeated headers joined with ', '. */
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** Everything the server sent. */
  readonly raw: Buffer;
}

/**
 * Send `bytes` as they are and read the first answer: done when its body is
 * complete (Content-Length or chunked) or when the server closes. The socket
 * is not half-closed unless asked, because Node's http server drops a request
 * whose client half-closes before the answer is written; `halfClose` is for
 * requests whose framing is left incomplete on purpose, so the server sees
 * the end of the stream instead of waiting for more bytes.
 */
export function rawRequest(port: number, bytes: string | Buffer, options: { halfClose?: boolean; head?: boolean } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(parseAnswer(Buffer.concat(chunks)));
    };
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (answerComplete(Buffer.concat(chunks), options.head === true)) finish();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A reset after the server has answered (it closes on bad framing) still leaves an answer to read.
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return;
      if (!done) reject(err);
    });
    socket.on('close', finish);
    socket.on('connect', () => {
      socket.write(bytes);
      if (options.halfClose) socket.end();
    });
  });
}

function answerComplete(raw: Buffer, head: boolean): boolean {
  const headEnd = raw.indexOf('\r\n\r\n');
  if (headEnd < 0) return false;
  const answer = parseOne(raw);
  if (answer.status < 200) return answerComplete(raw.subarray(headEnd + 4), head);
  if (head || answer.status === 204 || answer.status === 304) return true;
  const rest = raw.subarray(headEnd + 4);
  if (answer.headers['content-length'] !== undefined) return rest.length >= Number(answer.headers['content-length']);
  if (/chunked/i.test(answer.headers['transfer-encoding'] ?? '')) return rest.subarray(0, 5).toString() === '0\r\n\r\n' || rest.includes('\r\n0\r\n\r\n');
  return false;
}

/** The first final HTTP answer in `raw`, after any 1xx (Content-Length or chunked bodies; otherwise the rest). */
export function parseAnswer(raw: Buffer): RawAnswer {
  const answer = parseOne(raw);
  if (answer.status >= 100 && answer.status < 200) {
    const next = raw.subarray(raw.indexOf('\r\n\r\n') + 4);
    if (next.length > 0) return { ...parseAnswer(next), raw };
  }
  return answer;
}

function parseOne(raw: Buffer): RawAnswer {
  const headEnd = raw.indexOf('\r\n\r\n');
  if (headEnd < 0) return { status: 0, reason: '', headers: {}, body: Buffer.alloc(0), raw };
  const lines = raw.subarray(0, headEnd).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(lines[0] ?? '');
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const rest = raw.subarray(headEnd + 4);
  let body = rest;
  if (headers['content-length'] !== undefined) body = rest.subarray(0, Number(headers['content-length']));
  else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(rest);
  return { status: m ? Number(m[1]) : 0, reason: m?.[2] ?? '', headers, body, raw };
}

function dechunk(data: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

export interface NodeAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** A request through node:http, which (unlike fetch) lets us choose the Host header. */
export function nodeRequest(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string> },
): Promise<NodeAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A header value as fetch reports it (latin1 code units) read back as the UTF-8 bytes it carries. */
export function utf8Header(value: string | null): string | null {
  return value === null ? null : Buffer.from(value, 'latin1').toString('utf8');
}

/** A string whose code units are the UTF-8 bytes of `text`: how fetch sends raw UTF-8 in a header. */
export function utf8Bytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** Every node in the namespace, walked through the metadata store from '/'. */
export async function allNodes(app: App): Promise<NodeRecord[]> {
  const metadata = app.stores.metadata;
  const root = await metadata.getNodeByPath('/');
  if (!root) throw new Error('the namespace root is missing');
  const out: NodeRecord[] = [];
  const pending: NodeRecord[] = [root];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    for (const kind of ['dir', 'file'] as const) {
      let offset = 0;
      for (;;) {
        const page = await metadata.listChildren({ parentId: dir.id, kind, offset, limit: 500 });
        out.push(...page);
        if (kind === 'dir') pending.push(...page);
        if (page.length < 500) break;
        offset += page.length;
      }
    }
  }
  return out;
}

/** A JSON-RPC `stat` with detail, for checking what an upload stored. */
export async function statOf(
  rpc: (method: string, params: unknown) => Promise<any>,
  token: string,
  path: string,
): Promise<{ code: number; size?: number; mtime: number; mimetype?: string; checksum?: string; type?: number }> {
  return rpc('stat', [token, path, true]);
}
