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

/**
 * The body as UTF-8 text, or undefined when it is too large. Read with
 * events rather than an async iterator: a JSON-RPC call is one small chunk,
 * and the iterator's promises cost more than the chunk.
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
      // Too large: drain the rest unread, answer now.
      stream.off('data', onData);
      chunks.length = 0;
      stream.resume();
      finish(undefined);
    };
    const onEnd = (): void => finish(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    const onError = (err: Error): void => {
      cleanUp();
      reject(err);
    };
    const onClose = (): void => {
      // Closed before its end: the client went away mid-body.
      if (!stream.readableEnded) onError(Object.assign(new Error('the request body was cut short'), { code: 'ECONNRESET' }));
    };
    const cleanUp = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const finish = (text: string | undefined): void => {
      cleanUp();
      resolve(text);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}
