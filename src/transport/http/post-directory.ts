/** POST /post/directory (working_with_directories_http.md): a JSON {message, code} body and X-Agile-Status. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Services } from '../../service/index.js';
import { decodePathHeader, header, parseEncoding, parseFlag } from './agile-headers.js';
import { authenticate, renderFailure, setStatus } from './render.js';

export function registerPostDirectory(app: FastifyInstance, services: Services): void {
  app.post('/post/directory', async (request, reply) => {
    try {
      const caller = await authenticate(services, request);
      const h = request.headers;
      const encoding = parseEncoding(header(h, 'x-agile-encoding'));
      const directory = decodePathHeader(header(h, 'x-agile-directory') ?? '', encoding);
      // Unlike the uploads, X-Agile-Recursive defaults to true here.
      const recursive = parseFlag(header(h, 'x-agile-recursive'), true, 'InvalidRecursive');
      await services.namespace.makeDir(caller, directory, recursive);
      return answer(reply, 0, 200, 'success');
    } catch (err) {
      const r = renderFailure('/post/directory', err, request);
      return answer(reply, r.code, r.status, r.message);
    }
  });
}

function answer(reply: FastifyReply, code: number, status: number, message: string): FastifyReply {
  setStatus(reply, code, status);
  reply.header('Content-Type', 'text/json;charset=utf-8');
  // The documented answer carries the message as the reason phrase too ("400 parent directory does not exist").
  if (status !== 200) reply.raw.statusMessage = message.replace(/[^\x20-\x7e]/g, '?');
  return reply.send(JSON.stringify({ message, code }));
}
