/**
 * The load generator for small requests, run as its own process so that it
 * never shares an event loop with what it measures: autocannon with the
 * spec given as JSON in argv[2]; prints one JSON line with the summary.
 *
 * `{n}` in a request's path or header values becomes a number unique within
 * the run, so that uploads land on distinct names.
 *
 * autocannon's HTTP parser waits for a body after a HEAD answer that has a
 * Content-Length (as a HEAD answer should), so HEAD-only specs are driven by
 * a plain node:http client with the same connections and duration instead.
 *
 * Usage: node --import tsx bench/load.ts '<LoadSpec as JSON>'
 */
import autocannon, { type Request } from 'autocannon';
import { Agent, request } from 'node:http';

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

async function withAutocannon(): Promise<LoadSummary> {
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
  return {
    // The mean over the run: autocannon samples once a second, so this is total ÷ duration.
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

/** `connections` keep-alive loops of node:http requests for the duration; latencies kept whole for the percentiles. */
async function withNodeHttp(): Promise<LoadSummary> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const url = new URL(spec.url);
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const started = performance.now();
  const until = started + spec.durationSeconds * 1000;
  const once = (r: LoadRequest): Promise<void> => new Promise((resolve) => {
    const t0 = performance.now();
    const req = request({ host: url.hostname, port: url.port, method: r.method, path: r.path, headers: r.headers ?? {}, agent }, (res) => {
      res.resume();
      res.on('end', () => {
        latencies.push(performance.now() - t0);
        if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) > 299) non2xx++;
        resolve();
      });
    });
    req.on('error', () => {
      errors++;
      resolve();
    });
    req.end(r.body);
  });
  await Promise.all(Array.from({ length: spec.connections }, async () => {
    for (let i = 0; performance.now() < until; i++) await once(spec.requests[i % spec.requests.length]!);
  }));
  agent.destroy();
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  return { requestsPerSecond: latencies.length / seconds, p50Ms: at(0.5), p99Ms: at(0.99), requests: latencies.length, non2xx, errors, timeouts: 0 };
}

const summary = spec.requests.every((r) => r.method === 'HEAD') ? await withNodeHttp() : await withAutocannon();
process.stdout.write(`${JSON.stringify(summary)}\n`);
