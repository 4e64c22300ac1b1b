/**
 * buildApp(config) → a Fastify instance with every route, not yet listening
 * (tests and main both use it), plus the services and a close() that drains
 * requests in flight and then closes the stores.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isOriginError } from '../domain/errors.js';
import { HttpRemoteSource } from '../adapters/http/http-source.js';
import { type Clock, systemClock, randomIds } from '../ports/clock.js';
import { createServices, DEFAULT_LIMITS, type Services } from '../service/index.js';
import { registerConsole } from '../transport/console.js';
import { registerCors, setCorsHeaders } from '../transport/cors.js';
import { registerEgress } from '../transport/egress/get-head.js';
import { registerHealth } from '../transport/health.js';
import { registerAccountLogin } from '../transport/http/account-login.js';
import { registerMultipart } from '../transport/http/multipart.js';
import { registerPostDirectory } from '../transport/http/post-directory.js';
import { registerPostFile } from '../transport/http/post-file.js';
import { registerPostRaw } from '../transport/http/post-raw.js';
import { clientWentAway } from '../transport/http/render.js';
import { registerRequestFraming } from '../transport/http/request-framing.js';
import { answerClientError, registerTruncatedBody } from '../transport/http/truncated-body.js';
import { registerJsonRpc } from '../transport/jsonrpc/route.js';
import { createMetrics, endpointOf, registerMetricsRoute, wireBytesOf } from '../transport/metrics.js';
import type { Config } from './config.js';
import { openStores, type Stores } from './open-stores.js';

export interface App {
  readonly fastify: FastifyInstance;
  readonly services: Services;
  readonly stores: Stores;
  close(): Promise<void>;
}

const CONTENT_TYPE = Symbol('original content-type');

/** src/server/ and dist/server/ both sit two levels below the package, beside dist/console. */
const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../dist/console/', import.meta.url));

export interface BuildOptions {
  readonly logger?: boolean;
  /** Time for every service; tests pin it to show expiries without waiting. */
  readonly clock?: Clock;
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<App> {
  const stores = await openStores(config);
  const fastify = Fastify({
    logger: options.logger === false ? false : {
      level: config.logLevel,
      redact: ['req.headers["x-agile-authorization"]', 'req.headers["x-agile-password"]', 'token', 'password'],
    },
    // One line per request is written by registerRequestLog, not Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // Uploads run for as long as they need; the client's connection is the limit.
    requestTimeout: 0,
    connectionTimeout: 0,
    keepAliveTimeout: 65_000,
    bodyLimit: 1 << 20,
    // Requests that arrive during shutdown are turned away by our own hook below, which
    // answers them like every other response (CORS headers, request log); Fastify's own 503 would not.
    return503OnClosing: false,
    // A URL that cannot be decoded fails before any hook runs: answer it as the error handler
    // answers other client errors, with the CORS headers every answer carries.
    frameworkErrors: (err, _request, reply) => {
      const r = reply as unknown as FastifyReply;
      setCorsHeaders(r);
      const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
      r.code(status).header('Content-Type', 'text/plain; charset=utf-8').send(`${err.message}\n`);
    },
    // A piece shorter than its Content-Length gets its documented answer (-49), not a bare 400.
    clientErrorHandler: answerClientError,
    // HEAD is its own route: Fastify's automatic one would answer Content-Length: 0.
    exposeHeadRoutes: false,
    ...(config.tlsCert && config.tlsKey ? { https: { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) } } : {}),
  }) as unknown as FastifyInstance;
  const services = createServices({
    metadata: stores.metadata,
    blobs: stores.blobs,
    clock: options.clock ?? systemClock,
    ids: randomIds,
    limits: {
      ...DEFAULT_LIMITS,
      sessionTtlSeconds: config.sessionTtlSeconds,
      maxUploadBytes: config.maxUploadBytes,
      maxPiecesPerUpload: config.multipartMaxPieces,
      maxPieceBytes: config.multipartMaxPieceBytes,
      maxMultipartBytes: config.multipartMaxBytes,
      maxOpenMultipartsPerUser: config.multipartMaxOpen,
      multipartExpirySeconds: config.multipartExpirySeconds,
      uploadRatePerSecond: config.uploadRatePerSecond,
    },
    fetch: {
      concurrency: config.fetchConcurrency,
      queueSize: config.fetchQueueSize,
      remote: config.fetchRemote,
      allowPrivate: config.fetchAllowPrivate,
    },
    remote: new HttpRemoteSource(),
    log: fastify.log,
    publicUrl: () => config.publicUrl ?? defaultPublicUrl(config, fastify),
  });
  const metrics = createMetrics(services);

  // Every body is read by its route: JSON-RPC as text under a limit, uploads as
  // streams. Fastify never parses (or refuses) a body by its Content-Type, so a
  // strange Content-Type gets the API's own answer, not a 415.
  // The hooks that run on every request take a callback rather than return a promise: cheaper per request.
  fastify.addHook('onRequest', (request, _reply, done) => {
    const ct = request.headers['content-type'];
    (request as unknown as Record<symbol, unknown>)[CONTENT_TYPE] = ct;
    delete request.headers['content-type'];
    done();
  });
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  // A keep-alive connection whose answer finishes after close() began is not
  // among the idle ones Fastify closes then, and would hold close() open for
  // the whole keepAliveTimeout: close it as soon as it falls idle.
  let closing = false;
  fastify.addHook('onResponse', (_request, _reply, done) => {
    if (closing) setImmediate(() => fastify.server.closeIdleConnections());
    done();
  });

  registerCors(fastify);
  // During shutdown: uploads already in flight finish, a request that arrives on a kept-alive
  // connection is answered 503 and its connection closed, so that load balancers go elsewhere.
  fastify.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    reply.header('Connection', 'close');
    reply.code(503).header('Content-Type', 'text/plain; charset=utf-8').send('Service Unavailable: the server is shutting down\n');
  });
  registerTruncatedBody(fastify);
  registerRequestFraming(fastify);
  registerRequestLog(fastify, metrics);
  registerHealth(fastify, services);
  registerMetricsRoute(fastify, metrics);
  registerJsonRpc(fastify, services);
  registerAccountLogin(fastify, services);
  registerPostRaw(fastify, services);
  registerPostFile(fastify, services, (r) => (r as unknown as Record<symbol, string | undefined>)[CONTENT_TYPE]);
  registerPostDirectory(fastify, services);
  registerMultipart(fastify, services);
  registerConsole(fastify, config.consoleDir ?? DEFAULT_CONSOLE_DIR);
  registerEgress(fastify, services);
  fastify.options('/*', async (_request, reply) => reply.code(200).send());

  fastify.setNotFoundHandler((_request, reply) => {
    reply.code(404).header('Content-Type', 'text/plain; charset=utf-8').send('Not Found\n');
  });
  // Anything that escapes a route: logged with its stack, answered without one.
  fastify.setErrorHandler((err, request, reply) => {
    const e = err as Error & { statusCode?: number };
    const status = e.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      request.log.info({ err: e.message }, 'client error');
      return reply.code(status).header('Content-Type', 'text/plain; charset=utf-8').send(`${e.message}\n`);
    }
    if (isOriginError(err) && err.kind === 'Unavailable') {
      // A store is briefly unreachable (egress reading metadata, say): a retryable answer, not a fault of ours.
      request.log.warn({ err: e.message }, 'a store is unreachable');
      return reply.code(503).header('Retry-After', '1').header('Content-Type', 'text/plain; charset=utf-8').send('Service Unavailable\n');
    }
    if (clientWentAway(request)) {
      request.log.info({ err: e.message }, 'the client closed the connection mid-request');
      return reply.code(400).send();
    }
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).header('Content-Type', 'text/plain; charset=utf-8').send('Internal Server Error\n');
  });

  return {
    fastify,
    services,
    stores,
    async close() {
      closing = true;
      await fastify.close();
      await services.fetchJobs.close();
      services.joiner.close();
      await services.joiner.idle();
      await services.garbage.drain().catch(() => undefined);
      await stores.metadata.close();
      await stores.blobs.close();
    },
  };
}

/** One JSON line per request, and the metrics, from the same numbers. */
function registerRequestLog(fastify: FastifyInstance, metrics: ReturnType<typeof createMetrics>): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    logAndCount(metrics, request, reply);
    done();
  });
}

function logAndCount(metrics: ReturnType<typeof createMetrics>, request: FastifyRequest, reply: FastifyReply): void {
  const agileStatus = (request as { agileStatus?: number }).agileStatus;
  const wire = wireBytesOf(request);
  const seconds = reply.elapsedTime / 1000;
  metrics.observe(request, reply.statusCode, agileStatus, wire, seconds);
  // Below info (--log-level warn) the line would be dropped: skip building it on every request.
  if ((request.log as { isLevelEnabled?(level: string): boolean }).isLevelEnabled?.('info') === false) return;
  request.log.info({
    method: request.method,
    url: request.url.split('?')[0],
    endpoint: endpointOf(request),
    rpcMethod: (request as { rpcMethods?: string[] }).rpcMethods?.join(','),
    agileStatus,
    statusCode: reply.statusCode,
    bytesIn: wire.in,
    bytesOut: wire.out,
    ms: Math.round(reply.elapsedTime * 10) / 10,
  }, 'request');
}

/** http(s)://<host>:<port> of the listening server (the port it really got when configured as 0). */
function defaultPublicUrl(config: Config, fastify: FastifyInstance): string {
  const address = fastify.server.address();
  const port = address !== null && typeof address === 'object' ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return `${config.tlsCert ? 'https' : 'http'}://${host}:${port}`;
}
