/**
 * GET and HEAD /{account}/{path}: the public origin (DESIGN.md, "Egress").
 * A request whose Host's first label names an account may leave out the
 * /{account} prefix, as the vendor's examples do. Single byte ranges (206,
 * 416), If-None-Match and If-Modified-Since (304). Directories and missing
 * paths are 404.
 */
import { isOriginError } from '../../domain/errors.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { NodeRecord } from '../../domain/model.js';
import type { Services } from '../../service/index.js';
import { egressAccess } from './access.js';
import { parseRange } from './range.js';

export function registerEgress(app: FastifyInstance, services: Services): void {
  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const node = await locate(services, request);
    if (!node) return notFound(reply);
    const access = await egressAccess(services, request, node);
    if (!access.allowed) return reply.code(403).header('Content-Type', 'text/plain; charset=utf-8').send('Forbidden\n');
    if (access.disposition) {
      reply.header('Content-Disposition', `${access.disposition}; filename*=UTF-8''${encodeURIComponent(node.name)}`);
    }
    return serve(services, request, reply, node, true);
  };
  app.get('/*', handler);
  app.head('/*', handler);
}

/**
 * The answer for one version of a file. If that version was replaced and its
 * bytes collected between the lookup and the read, the version found then is
 * answered instead, headers included, so that the headers always describe
 * the bytes sent.
 */
async function serve(services: Services, request: FastifyRequest, reply: FastifyReply, node: NodeRecord, mayRetry: boolean): Promise<FastifyReply> {
  const etag = `"${node.sha256}"`;
  // A retry answers afresh: nothing of the first version's length may stay.
  reply.removeHeader('Content-Length');
  reply.removeHeader('Content-Range');
  reply.code(200);
  reply.header('Accept-Ranges', 'bytes');
  reply.header('ETag', etag);
  reply.header('Last-Modified', new Date(node.mtime * 1000).toUTCString());
  reply.header('X-Agile-Checksum', node.sha256);
  reply.header('Content-Type', node.mime || 'application/octet-stream');
  if (notModified(request, node, etag)) return reply.code(304).send();
  const range = parseRange(request.headers.range, node.sizeBytes);
  if (range === 'unsatisfiable') {
    reply.header('Content-Range', `bytes */${node.sizeBytes}`);
    return reply.code(416).send();
  }
  const length = range ? range.end - range.start + 1 : node.sizeBytes;
  reply.header('Content-Length', String(length));
  if (range) {
    reply.code(206);
    reply.header('Content-Range', `bytes ${range.start}-${range.end}/${node.sizeBytes}`);
  }
  if (request.method === 'HEAD' || length === 0) return reply.send();
  let opened;
  try {
    opened = await services.egress.open(node, range);
  } catch (err) {
    if (!isOriginError(err) || err.kind !== 'Unavailable') throw err;
    // The bytes are in a store that is briefly unreachable: a CDN or client should retry, not cache an error.
    for (const header of ['Content-Length', 'Content-Range', 'ETag', 'Last-Modified', 'X-Agile-Checksum']) reply.removeHeader(header);
    request.log.warn({ err: err.message, path: node.path }, 'egress: the blob store is unreachable');
    return reply.code(503).header('Retry-After', '5').header('Content-Type', 'text/plain; charset=utf-8').send('Service Unavailable: the storage is briefly unreachable\n');
  }
  if (opened.node.blobId !== node.blobId) {
    if (!Buffer.isBuffer(opened.body)) opened.body.destroy();
    if (mayRetry) return serve(services, request, reply, opened.node, false);
    throw new Error(`${node.path} changed twice while being read`);
  }
  return reply.send(opened.body);
}

async function locate(services: Services, request: FastifyRequest): Promise<NodeRecord | undefined> {
  const rawPath = request.url.split('?')[0] ?? '/';
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  const slash = path.indexOf('/', 1);
  const first = slash < 0 ? path.slice(1) : path.slice(1, slash);
  const rest = slash < 0 ? '' : path.slice(slash);
  if (first && (await services.egress.isAccount(first))) {
    const node = await services.egress.findFile(first, rest);
    if (node) return node;
  }
  const hostAccount = (request.hostname ?? '').split('.')[0]?.toLowerCase();
  if (hostAccount && hostAccount !== first && (await services.egress.isAccount(hostAccount))) {
    return services.egress.findFile(hostAccount, path);
  }
  return undefined;
}

function notModified(request: FastifyRequest, node: NodeRecord, etag: string): boolean {
  const inm = request.headers['if-none-match'];
  if (inm !== undefined) {
    return inm.split(',').some((t) => {
      const tag = t.trim().replace(/^W\//, '');
      return tag === '*' || tag === etag;
    });
  }
  const ims = request.headers['if-modified-since'];
  if (ims !== undefined) {
    const since = Date.parse(ims);
    return Number.isFinite(since) && node.mtime * 1000 <= since;
  }
  return false;
}

function notFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).header('Content-Type', 'text/plain; charset=utf-8').send('Not Found\n');
}
