/**
 * A real server on an ephemeral loopback port with a temporary data
 * directory, one account ("acme") and one user ("alice" / "secret"). Tests
 * talk to it over HTTP only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type App } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import type { Clock } from '../../src/ports/clock.js';
import { freshSchema, SERVERS_ON_POSTGRES, type Schema } from './postgres.js';
import { testBlobs, type TestBlobs } from './blobs.js';

export const ACCOUNT = 'acme';
export const USER = 'alice';
export const PASSWORD = 'secret';

export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly app: App;
  readonly dataDir: string;
  /** Its blobs, wherever they live (ORIGINSTORE_TEST_BLOBS=s3: a fresh bucket). */
  readonly blobs: TestBlobs;
  /** A fresh token for alice. */
  login(username?: string, password?: string): Promise<string>;
  /** A JSON-RPC 2.0 call with positional or named params; returns `result` (or the error object under `error`). */
  rpc(method: string, params: unknown, options?: RpcOptions): Promise<any>;
  /** POST a raw JSON-RPC body; returns the HTTP status and the parsed answer (undefined for an empty body). */
  rpcRaw(body: string | object, options?: { endpoint?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; text: string }>;
  /** /post/raw as a client would send it. */
  postRaw(data: string | Buffer, headers: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export interface RpcOptions {
  readonly endpoint?: '/jsonrpc' | '/jsonrpc2';
  /** 1 sends no `jsonrpc` member (JSON-RPC 1.0, as the C# SDK does). */
  readonly version?: 1 | 2;
  readonly headers?: Record<string, string>;
}

export interface StartOptions {
  readonly env?: Record<string, string>;
  readonly clock?: Clock;
  /**
   * A metadata store URL shared with other servers (scale-out tests). By
   * default each server has its own: SQLite in its data directory, or a
   * fresh PostgreSQL schema when ORIGINSTORE_TEST_METADATA=postgres.
   */
  readonly metadata?: string;
  /** A data directory (blobs) shared with other servers; kept on close. */
  readonly dataDir?: string;
  /** Where a temporary data directory goes (the system's temporary directory by default). */
  readonly parentDir?: string;
}

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(options.parentDir ?? tmpdir(), 'originstore-test-')));
  const ownSchema: Schema | undefined = options.metadata === undefined && SERVERS_ON_POSTGRES ? await freshSchema() : undefined;
  const metadata = options.metadata ?? ownSchema?.url;
  // Tests send uploads as fast as they can; the upload rate limit is tested on its own (rate-limit.test.ts).
  const blobs = await testBlobs(dataDir);
  const config = loadConfig(
    { dataDir, port: '0', logLevel: 'silent', ...(metadata === undefined ? {} : { metadata }) },
    { ORIGINSTORE_UPLOAD_RATE_LIMIT: '0', ...blobs.env, ...(options.env ?? {}) },
  );
  const app = await buildApp(config, options.clock ? { logger: false, clock: options.clock } : { logger: false });
  // A server joining a shared store finds the account and user already there.
  if (!(await app.stores.metadata.getAccount(ACCOUNT))) await app.services.admin.addAccount(ACCOUNT);
  if (!(await app.stores.metadata.getUserByName(USER))) await app.services.admin.addUser(ACCOUNT, USER, PASSWORD);
  await app.fastify.listen({ host: '127.0.0.1', port: 0 });
  const address = app.fastify.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const url = `http://127.0.0.1:${address.port}`;

  const rpcRaw: TestServer['rpcRaw'] = async (body, opts = {}) => {
    const res = await fetch(url + (opts.endpoint ?? '/jsonrpc'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(opts.headers ?? {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text };
  };

  const server: TestServer = {
    url,
    port: address.port,
    app,
    dataDir,
    blobs,
    async login(username = USER, password = PASSWORD) {
      const r = await server.rpc('login', [username, password]);
      if (!Array.isArray(r) || typeof r[0] !== 'string') throw new Error(`login failed: ${JSON.stringify(r)}`);
      return r[0];
    },
    async rpc(method, params, opts = {}) {
      const envelope: Record<string, unknown> = { method, params, id: 1 };
      if ((opts.version ?? 2) === 2) envelope['jsonrpc'] = '2.0';
      const { status, body } = await rpcRaw(envelope, { endpoint: opts.endpoint ?? '/jsonrpc', headers: opts.headers ?? {} });
      if (status !== 200) throw new Error(`JSON-RPC answered HTTP ${status}`);
      if (body.error) return { error: body.error };
      return body.result;
    },
    rpcRaw,
    postRaw(data, headers) {
      return fetch(`${url}/post/raw`, { method: "POST", headers, body: data as BodyInit });
    },
    async close() {
      const closing = app.close();
      // Keep-alive sockets from fetch would hold the test process open for the keep-alive timeout.
      app.fastify.server.closeIdleConnections();
      await closing;
      app.fastify.server.closeAllConnections();
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
      await ownSchema?.drop();
    },
  };
  return server;
}
