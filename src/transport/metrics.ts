/** Prometheus metrics at /metrics: requests by endpoint and code, bytes in and out, latency. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Services } from '../service/index.js';

export interface Metrics {
  readonly registry: Registry;
  observe(request: FastifyRequest, statusCode: number, agileStatus: number | undefined, wire: WireBytes, seconds: number): void;
}

/** Bytes a request took on its connection, both ways: request line, headers and body, chunk framing included. */
export interface WireBytes {
  readonly in: number;
  readonly out: number;
}

/** Per connection, the socket counters already credited to earlier requests. */
const credited = new WeakMap<Socket, { read: number; written: number }>();

/**
 * What this request moved on its socket since the previous answer on the
 * same connection. Counting the socket rather than Content-Length also
 * counts chunked uploads (which have none) and downloads cut short (which
 * sent less than they announced).
 */
export function wireBytesOf(request: FastifyRequest): WireBytes {
  const socket = request.raw.socket as Socket | null;
  if (!socket) return { in: 0, out: 0 };
  const before = credited.get(socket) ?? { read: 0, written: 0 };
  const now = { read: socket.bytesRead, written: socket.bytesWritten };
  credited.set(socket, now);
  return { in: Math.max(0, now.read - before.read), out: Math.max(0, now.written - before.written) };
}

export function createMetrics(services: Services): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'originstore_' });
  registerHousekeeping(registry, services);
  const requests = new Counter({
    name: 'originstore_requests_total',
    help: 'Requests by endpoint (or JSON-RPC method), HTTP status and X-Agile-Status',
    labelNames: ['endpoint', 'status', 'agile_status'],
    registers: [registry],
  });
  const bytesIn = new Counter({ name: 'originstore_bytes_in_total', help: 'Bytes received: request lines, headers and bodies', labelNames: ['endpoint'], registers: [registry] });
  const bytesOut = new Counter({ name: 'originstore_bytes_out_total', help: 'Bytes sent: status lines, headers and bodies', labelNames: ['endpoint'], registers: [registry] });
  const latency = new Histogram({
    name: 'originstore_request_seconds',
    help: 'Request latency',
    labelNames: ['endpoint'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
    registers: [registry],
  });
  // The label sets are few (endpoints × statuses) and met on every request: each one's
  // series are looked up once and kept, rather than found again from a label object each time.
  const series = new Map<string, {
    requests: Counter.Internal; bytesIn: Counter.Internal; bytesOut: Counter.Internal; latency: Histogram.Internal<string>;
  }>();
  const seriesFor = (endpoint: string, status: string, agile: string) => {
    const key = `${endpoint}\0${status}\0${agile}`;
    let found = series.get(key);
    if (found === undefined) {
      found = { requests: requests.labels(endpoint, status, agile), bytesIn: bytesIn.labels(endpoint), bytesOut: bytesOut.labels(endpoint), latency: latency.labels(endpoint) };
      series.set(key, found);
    }
    return found;
  };
  return {
    registry,
    observe(request, statusCode, agileStatus, wire, seconds) {
      const s = seriesFor(endpointOf(request), String(statusCode), agileStatus === undefined ? '' : String(agileStatus));
      s.requests.inc();
      s.bytesIn.inc(wire.in);
      s.bytesOut.inc(wire.out);
      s.latency.observe(seconds);
    },
  };
}

/** A bounded label: the route, or the JSON-RPC method, never the raw URL. */
export function endpointOf(request: FastifyRequest): string {
  const rpc = (request as { rpcMethods?: string[] }).rpcMethods;
  if (rpc && rpc.length > 0) return `jsonrpc:${rpc.length === 1 ? rpc[0] : 'batch'}`;
  const route = request.routeOptions?.url;
  if (route === '/*') return request.method === 'OPTIONS' ? 'preflight' : 'egress';
  return route ?? 'unknown';
}

export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics): void {
  app.get('/metrics', async (_request, reply) => {
    reply.header('Content-Type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}

/** The sweeper's, the garbage collector's and the joiner's running totals, read at scrape time. */
function registerHousekeeping(registry: Registry, services: Services): void {
  const totals: Array<[string, string, () => number]> = [
    ['originstore_sweeps_total', 'Sweeper runs', () => services.housekeeping.sweeps],
    ['originstore_sweep_temporaries_removed_total', 'Temporary blobs removed by the sweeper', () => services.housekeeping.temporariesRemoved],
    ['originstore_sweep_sessions_expired_total', 'Expired sessions removed by the sweeper', () => services.housekeeping.sessionsExpired],
    ['originstore_sweep_multiparts_expired_total', 'Multipart uploads moved to EXPIRED by the sweeper', () => services.housekeeping.multipartsExpired],
    ['originstore_sweep_multiparts_deleted_total', 'Multipart uploads moved to DELETED by the sweeper', () => services.housekeeping.multipartsDeleted],
    ['originstore_blobs_collected_total', 'Unreferenced blobs deleted', () => services.garbage.deletedTotal],
    ['originstore_multipart_joins_total', 'Multipart joins that published their file', () => services.joiner.joinedTotal],
    ['originstore_multipart_joins_failed_total', 'Multipart joins that ended FAILED', () => services.joiner.failedTotal],
  ];
  for (const [name, help, read] of totals) {
    // Counters whose value is read from the services at scrape time.
    new Counter({
      name, help, registers: [registry], collect() {
        this.reset();
        this.inc(read());
      },
    });
  }
}
