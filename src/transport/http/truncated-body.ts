/**
 * A body that ends before its Content-Length (the client closed its side of
 * the connection early). Node does not hand this to the route: its parser
 * reports an HTTP client error on the socket, and the default answer is a
 * bare 400. For an endpoint that documents an answer for it
 * (working_with_multipart_http.md, "Create a Multipart Piece": "-49: Size of
 * file does not match the Content-Length header value that your client
 * sent", HTTP 500) that answer is sent instead, with the headers every
 * answer carries. Nothing of the body is kept: the route sees its stream
 * fail and drops what it had received.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ENDPOINT_CODES } from '../../domain/result-codes.js';
import { corsHeaderLines } from '../cors.js';

/** The endpoint of the request each socket is carrying now, for endpoints that document LengthMismatch. */
const endpointOfSocket = new WeakMap<Socket, string>();

export function registerTruncatedBody(app: FastifyInstance): void {
  // Callback hooks: they run on every request, where a promise per hook is measurable.
  app.addHook('onRequest', (request, _reply, done) => {
    const path = (request.raw.url ?? '').split('?')[0] ?? '';
    if (ENDPOINT_CODES[path]?.LengthMismatch) endpointOfSocket.set(request.raw.socket, path);
    else endpointOfSocket.delete(request.raw.socket);
    done();
  });
  // Once answered, the body was whole: a short next request on the same connection is not this one.
  app.addHook('onResponse', (request, _reply, done) => {
    endpointOfSocket.delete(request.raw.socket);
    done();
  });
}

/** Fastify's clientErrorHandler: the documented answer for a short body, Fastify's usual answers otherwise. */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const endpoint = endpointOfSocket.get(socket);
  const documented = endpoint === undefined ? undefined : ENDPOINT_CODES[endpoint]?.LengthMismatch;
  let head: string;
  let body = '';
  if (err.code === 'HPE_INVALID_EOF_STATE' && documented) {
    head = [`HTTP/1.1 ${documented.status} ${STATUS_CODES[documented.status]}`, `X-Agile-Status: ${documented.code}`, ...corsHeaderLines(), 'Content-Type: text/json;charset=utf-8'].join('\r\n');
  } else {
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const message = status === 408 ? 'Client Timeout' : status === 431 ? 'Exceeded maximum allowed HTTP header size' : 'Client Error';
    body = JSON.stringify({ error: STATUS_CODES[status], message, statusCode: status });
    head = [`HTTP/1.1 ${status} ${STATUS_CODES[status]}`, 'Content-Type: application/json'].join('\r\n');
  }
  if (socket.writable) socket.write(`${head}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  socket.destroy();
}
