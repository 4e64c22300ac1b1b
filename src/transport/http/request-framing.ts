/**
 * Requests Node's parser lets through but HTTP/1.1 does not allow: a version
 * other than 1.0 or 1.1 (`HTTP/2.0` over a plain connection, a request line
 * with no version at all) is answered 505, and a request of more than
 * MAX_HEADER_LINES header lines 431: Node silently drops header lines past
 * about a thousand, and would hand the route a request it never saw whole.
 * Either way the connection is closed.
 */
import type { FastifyInstance } from 'fastify';

const SUPPORTED_VERSIONS = new Set(['1.0', '1.1']);
/** Far beyond any client of the API (a browser sends about twenty), and below where Node truncates. */
const MAX_HEADER_LINES = 500;

export function registerRequestFraming(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    const raw = request.raw;
    let status: number | undefined;
    let text = '';
    if (!SUPPORTED_VERSIONS.has(raw.httpVersion)) {
      status = 505;
      text = 'HTTP Version Not Supported: use HTTP/1.1';
    } else if (raw.rawHeaders.length / 2 > MAX_HEADER_LINES) {
      status = 431;
      text = `Request Header Fields Too Large: more than ${MAX_HEADER_LINES} header lines`;
    }
    if (status === undefined) return done();
    reply.header('Connection', 'close');
    // Answered here: the route is never reached, so done() is not called.
    reply.code(status).header('Content-Type', 'text/plain; charset=utf-8').send(`${text}\n`);
  });
}
