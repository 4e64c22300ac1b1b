/**
 * How the client talks to the server: JSON-RPC calls and HTTP requests over
 * `fetch`, the session token (logged in on first use, renewed once on
 * -10001), and retries with backoff for idempotent calls that got no answer.
 */
import { OriginStoreError, OriginStoreNetworkError } from './errors.js';
import type { Session } from './types.js';

export interface TransportOptions {
  /** The server's base URL, e.g. "http://127.0.0.1:8080". */
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** A token to start with; renewed from username/password when it expires. */
  readonly token?: string | undefined;
  /** Retries of an idempotent call that got no answer (default 3). */
  readonly retries?: number | undefined;
  /** The first backoff delay, doubled on each retry (default 250 ms). */
  readonly retryDelayMs?: number | undefined;
  /** Retries of an upload answered 429, each after its Retry-After (default 3). */
  readonly rateLimitRetries?: number | undefined;
  readonly fetch?: typeof fetch | undefined;
}

/** The result code of any JSON-RPC answer shape: a bare number, {code}, or login's [token, info]. */
export function codeOf(result: unknown): number {
  if (typeof result === 'number') return result;
  if (Array.isArray(result)) return result[0] === null ? -10001 : 0;
  if (result !== null && typeof result === 'object' && typeof (result as { code?: unknown }).code === 'number') {
    return (result as { code: number }).code;
  }
  return 0;
}

export class Transport {
  readonly baseUrl: string;
  readonly #options: TransportOptions;
  readonly #fetch: typeof fetch;
  #session: Session | undefined;
  #token: string | undefined;
  #loggingIn: Promise<Session> | undefined;
  #nextId = 1;

  constructor(options: TransportOptions) {
    this.#options = options;
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#token = options.token;
  }

  get session(): Session | undefined {
    return this.#session;
  }

  get canLogIn(): boolean {
    return this.#options.username !== undefined && this.#options.password !== undefined;
  }

  /** The current token, logging in first when there is none. */
  async token(): Promise<string> {
    if (this.#token !== undefined) return this.#token;
    return (await this.login()).token;
  }

  /** Log in with the configured credentials (one login at a time, shared by concurrent callers). */
  login(): Promise<Session> {
    this.#loggingIn ??= this.#doLogin().finally(() => {
      this.#loggingIn = undefined;
    });
    return this.#loggingIn;
  }

  /** Forget the token (after logout). */
  forget(): void {
    this.#token = undefined;
    this.#session = undefined;
  }

  /** Adopt a session opened elsewhere (authenticate). */
  adopt(session: Session): void {
    this.#session = session;
    this.#token = session.token;
  }

  async #doLogin(): Promise<Session> {
    const { username, password } = this.#options;
    if (username === undefined || password === undefined) {
      throw new OriginStoreError('login', -10001, { meaning: 'no token and no username/password to log in with', kind: 'InvalidToken' });
    }
    const result = await this.rpcRaw('login', { username, password, detail: true }, { idempotent: true });
    const code = codeOf(result);
    if (code !== 0 || !Array.isArray(result)) throw new OriginStoreError('login', code === 0 ? -10001 : code);
    const info = (result[1] ?? {}) as { uid?: number; gid?: number; path?: string };
    const session: Session = { token: String(result[0]), uid: info.uid ?? 0, gid: info.gid ?? 0, root: info.path ?? '/' };
    this.adopt(session);
    return session;
  }

  /** One JSON-RPC call, answered `result` (a JSON-RPC error object becomes an OriginStoreError). */
  async rpcRaw(method: string, params: Record<string, unknown>, options: { idempotent: boolean }): Promise<unknown> {
    const body = JSON.stringify({ jsonrpc: '2.0', id: this.#nextId++, method, params });
    const response = await this.send(method, '/jsonrpc', () => ({
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
    }), options.idempotent);
    const text = await response.text();
    let answer: { result?: unknown; error?: { code: number; message: string } | null };
    try {
      answer = JSON.parse(text);
    } catch (err) {
      throw new OriginStoreError(method, -32700, { httpStatus: response.status, meaning: `the answer is not JSON (HTTP ${response.status})`, cause: err });
    }
    if (answer.error) throw new OriginStoreError(method, answer.error.code, { meaning: `JSON-RPC error: ${answer.error.message}` });
    return answer.result;
  }

  /**
   * A JSON-RPC method that takes the token first: logs in when needed, and on
   * -10001 logs in again and retries once (when credentials are known).
   */
  async rpcWithToken(method: string, params: Record<string, unknown>, options: { idempotent: boolean }): Promise<unknown> {
    const token = await this.token();
    const result = await this.rpcRaw(method, { token, ...params }, options);
    if (codeOf(result) !== -10001 || !this.canLogIn) return result;
    this.#dropToken(token);
    return this.rpcRaw(method, { token: await this.token(), ...params }, options);
  }

  /** Forget `token` if it is still the current one, so the next call logs in again. */
  #dropToken(token: string): void {
    if (this.#token === token) this.forget();
  }

  /**
   * An HTTP request to an X-Agile endpoint with the token in X-Agile-Authorization;
   * a 401/403 with -10001 logs in again and retries once when `init` can be built again.
   */
  async agile(call: string, path: string, init: () => RequestInit, options: { idempotent: boolean; replayable: boolean }): Promise<Response> {
    const token = await this.token();
    const withToken = (t: string) => () => {
      const i = init();
      return { ...i, headers: { ...(i.headers as Record<string, string>), 'X-Agile-Authorization': t } };
    };
    const response = await this.#admitted(call, path, withToken(token), options);
    const expired = response.headers.get('x-agile-status') === '-10001' && (response.status === 401 || response.status === 403);
    if (!expired || !options.replayable || !this.canLogIn) return response;
    await response.body?.cancel();
    this.#dropToken(token);
    return this.#admitted(call, path, withToken(await this.token()), options);
  }

  /**
   * best_practices.md, "Observe Upload Limits": a 429 carries Retry-After. A
   * request that can be sent again waits that long and is retried, a few times.
   */
  async #admitted(call: string, path: string, init: () => RequestInit, options: { idempotent: boolean; replayable: boolean }): Promise<Response> {
    const retries = options.replayable ? (this.#options.rateLimitRetries ?? 3) : 0;
    for (let attempt = 0; ; attempt++) {
      const response = await this.send(call, path, init, options.idempotent);
      if (response.status !== 429 || attempt >= retries) return response;
      await response.body?.cancel();
      const seconds = Number(response.headers.get('retry-after'));
      await wait(Math.min(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000, 30_000));
    }
  }

  /** fetch with retries on network errors when the call is idempotent. */
  async send(call: string, path: string, init: () => RequestInit, idempotent: boolean): Promise<Response> {
    const retries = idempotent ? (this.#options.retries ?? 3) : 0;
    let delayMs = this.#options.retryDelayMs ?? 250;
    for (let attempt = 0; ; attempt++) {
      const request = init();
      try {
        return await this.#fetch(path.startsWith('http') ? path : this.baseUrl + path, request);
      } catch (err) {
        if (request.signal?.aborted) throw err;
        if (attempt >= retries) throw new OriginStoreNetworkError(call, err);
        await wait(delayMs);
        delayMs *= 2;
      }
    }
  }
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
