/**
 * The load generator for small requests, run as its own process so that it
 * never shares an event loop with what it measures: autocannon with the
 * spec given as JSON in argv[2]; prints one JSON line with the summary.
 *
 * `{n}` in a request's path or header values becomes a number unique within
 * the run, so that uploads land on distinct names.
 *
 * Usage: node --import tsx bench/load.ts '<LoadSpec as JSON>'
 */
import autocannon, { type Request } from 'autocannon';

export interface LoadRequest {
  readonly method: 'GET' | 'HEAD' | 'POST';
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export interface LoadSpec {
  readonly url: string;
  readonly connections: number;
  readonly durationSeconds: number;
  /** Each connection cycles through these in order. */
  readonly requests: readonly LoadRequest[];
}

export interface LoadSummary {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}

const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;
let counter = 0;
const fill = (text: string, n: number): string => text.replaceAll('{n}', String(n));

const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.durationSeconds,
  pipelining: 1,
  // A request that has had no answer in this long is a failure, not a slow success.
  timeout: 30,
  requests: spec.requests.map((r) => ({
    method: r.method,
    path: r.path,
    ...(r.headers ? { headers: r.headers } : {}),
    ...(r.body !== undefined ? { body: r.body } : {}),
    setupRequest: (req: Request): Request => {
      if (!r.path.includes('{n}') && !Object.values(r.headers ?? {}).some((v) => v.includes('{n}'))) return req;
      const n = counter++;
      const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k, fill(v, n)]));
      return { ...req, path: fill(r.path, n), headers };
    },
  })),
});

const summary: LoadSummary = {
  // The mean over the run: autocannon samples once a second, so this is total ÷ duration.
  requestsPerSecond: result.requests.average,
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  requests: result.requests.total,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
};
process.stdout.write(`${JSON.stringify(summary)}\n`);
