/** POST /jsonrpc and /jsonrpc2: both answer every method; only /jsonrpc2 takes batches. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { finished, type Readable } from 'node:stream';
import { RPC_ERRORS } from '../../domain/result-codes.js';
import type { Services } from '../../service/index.js';
import { answer } from './envelope.js';

const MAX_BODY_BYTES = 1 << 20;

export function registerJsonRpc(app: FastifyInstance, services: Services): void {
  for (const url of ['/jsonrpc', '/jsonrpc2']) {
    app.post(url, async (request, reply) => {
      reply.header('Content-Type', 'application/json;charset=utf-8');
      const body = await readBody(request.raw);
      if (body === undefined) {
        reply.header('Connection', 'close');
        return JSON.stringify({ jsonrpc: '2.0', id: null, error: { ...RPC_ERRORS.InvalidRequest, message: `Invalid Request: the body is larger than ${MAX_BODY_BYTES} bytes` } });
      }
      const methods: string[] = [];
      (request as FastifyRequest & { rpcMethods?: string[] }).rpcMethods = methods;
      const token = request.headers['x-agile-authorization'];
      const out = await answer(body, {
        services,
        batchAllowed: url === '/jsonrpc2',
        headerToken: typeof token === 'string' && token !== '' ? token.trim() : undefined,
        methods,
        onInternalError: (err, method) => request.log.error({ err, rpcMethod: method }, 'JSON-RPC method failed unexpectedly'),
      });
      return out === undefined ? '' : JSON.stringify(out);
    });
  }
}

/**
 * The body as UTF-8 text, or undefined when it is too large. Read with
 * events rather than an async iterator: a JSON-RPC call is one small chunk,
 * and the iterator's promises cost more than the chunk. A body cut short
 * rejects (premature close), as the iterator did.
 */
function readBody(stream: Readable): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      // Too large: the rest drains unread, and the answer goes now (a later end or error changes nothing).
      stream.off('data', onData);
      stream.resume();
      resolve(undefined);
    };
    stream.on('data', onData);
    finished(stream, (err) => (err ? reject(err) : resolve(Buffer.concat(chunks).toString('utf8'))));
  });
}
