/** POST /jsonrpc and /jsonrpc2: both answer every method; only /jsonrpc2 takes batches. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
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

/** The body as UTF-8 text, or undefined when it is too large. */
async function readBody(stream: Readable): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      stream.resume();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
