/**
 * CORS (general_information.md, "Cross-Origin Resource Sharing Compliance").
 * Every answer carries the documented headers; preflights name whatever the
 * browser asked for, so a web page can use the whole API, and the X-Agile-*
 * answer headers are exposed to its scripts.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';

const DOCUMENTED_ALLOW_HEADERS = 'X-Agile-Authorization, X-Content-Type';
const EXPOSED = [
  'X-Agile-Status', 'X-Agile-Token', 'X-Agile-Uid', 'X-Agile-Gid', 'X-Agile-Path', 'X-Agile-Size',
  'X-Agile-Checksum', 'X-Agile-Multipart', 'X-Agile-Parts', 'X-Agile-Meta', 'Content-Length', 'Content-Range',
  'ETag', 'Last-Modified', 'Accept-Ranges',
].join(', ');

/** The headers every answer carries, for answers made outside the hooks (Fastify's framework errors). */
export function setCorsHeaders(reply: FastifyReply): void {
  reply.header('Access-Control-Allow-Origin', '*');
  reply.header('Access-Control-Allow-Headers', DOCUMENTED_ALLOW_HEADERS);
  reply.header('Access-Control-Allow-Methods', 'OPTIONS');
  reply.header('Access-Control-Expose-Headers', EXPOSED);
}

/** The same headers as raw header lines, for answers written straight to a socket. */
export function corsHeaderLines(): string[] {
  return [
    'Access-Control-Allow-Origin: *',
    `Access-Control-Allow-Headers: ${DOCUMENTED_ALLOW_HEADERS}`,
    'Access-Control-Allow-Methods: OPTIONS',
    `Access-Control-Expose-Headers: ${EXPOSED}`,
  ];
}

export function registerCors(app: FastifyInstance): void {
  // A callback hook, not an async one: it runs on every request, and a promise per hook is measurable there.
  app.addHook('onRequest', (request, reply, done) => {
    setCorsHeaders(reply);
    if (request.method !== 'OPTIONS') return done();
    const asked = request.headers['access-control-request-headers'];
    reply.header('Access-Control-Allow-Headers', asked ? `${DOCUMENTED_ALLOW_HEADERS}, ${asked}` : DOCUMENTED_ALLOW_HEADERS);
    reply.header('Access-Control-Allow-Methods', 'GET, HEAD, POST, OPTIONS');
    reply.header('Access-Control-Max-Age', '86400');
    // Answered here: the route is never reached, so done() is not called.
    reply.code(200).send();
  });
}
