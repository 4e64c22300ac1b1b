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

export async function startServer(options: { env?: Record<string, string>; clock?: Clock } = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'originstore-test-'));
  // Tests send uploads as fast as they can; the upload rate limit is tested on its own (rate-limit.test.ts).
  const blobs = await testBlobs(dataDir);
  const config = loadConfig({ dataDir, port: '0', logLevel: 'silent' }, { ORIGINSTORE_UPLOAD_RATE_LIMIT: '0', ...blobs.env, ...(options.env ?? {}) });
  const app = await buildApp(config, options.clock ? { logger: false, clock: options.clock } : { logger: false });
  await app.services.admin.addAccount(ACCOUNT);
  await app.services.admin.addUser(ACCOUNT, USER, PASSWORD);
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
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}
