/**
 * GET /console: the web console's static files (built by `npm run build`
 * into dist/console). Only plain file names in that one folder are served,
 * so no request path can reach outside it. Files are read once per change
 * and kept with their gzip form, since the bundle is the whole first load.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  map: 'application/json; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
};

const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/**
 * The console loads nothing from elsewhere. Previews come from this origin's
 * egress (blob: for text read through fetch), and the API is this server.
 */
const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' blob: data:", "media-src 'self' blob:",
  "connect-src 'self'", "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

interface Cached {
  readonly mtimeMs: number;
  readonly size: number;
  readonly body: Buffer;
  readonly gzip: Buffer;
  readonly etag: string;
}

export function registerConsole(app: FastifyInstance, dir: string): void {
  const cache = new Map<string, Cached>();

  async function load(name: string): Promise<Cached | undefined> {
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const hit = cache.get(name);
    if (hit && hit.mtimeMs === info.mtimeMs && hit.size === info.size) return hit;
    const body = await readFile(path);
    const entry = { mtimeMs: info.mtimeMs, size: info.size, body, gzip: gzipSync(body), etag: `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"` };
    cache.set(name, entry);
    return entry;
  }

  async function send(request: FastifyRequest, reply: FastifyReply, name: string): Promise<FastifyReply> {
    const ext = name.slice(name.lastIndexOf('.') + 1);
    const type = TYPES[ext];
    const file = type !== undefined && FILE_NAME.test(name) && !name.includes('..') ? await load(name) : undefined;
    if (!file || type === undefined) {
      const missing = name === 'index.html' ? 'The console is not built: run npm run build.\n' : 'Not Found\n';
      return reply.code(404).header('Content-Type', 'text/plain; charset=utf-8').send(missing);
    }
    reply.header('Content-Type', type);
    reply.header('Cache-Control', 'no-cache');
    reply.header('ETag', file.etag);
    reply.header('Vary', 'Accept-Encoding');
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    if (ext === 'html') reply.header('Content-Security-Policy', CSP);
    if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
    const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    if (gzip) reply.header('Content-Encoding', 'gzip');
    const body = gzip ? file.gzip : file.body;
    reply.header('Content-Length', String(body.length));
    return reply.send(request.method === 'HEAD' ? undefined : body);
  }

  for (const method of ['GET', 'HEAD'] as const) {
    // Relative asset URLs in index.html need the trailing slash.
    app.route({ method, url: '/console', handler: async (_request, reply) => reply.redirect('/console/', 308) });
    app.route({ method, url: '/console/', handler: (request, reply) => send(request, reply, 'index.html') });
    app.route({
      method,
      url: '/console/:name',
      handler: (request, reply) => send(request, reply, (request.params as { name: string }).name),
    });
  }
}
