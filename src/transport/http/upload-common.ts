/** Pieces every upload endpoint shares. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Published, ReceivedBlob } from '../../service/ingest.js';

/** Aborted when the client goes away before the upload is complete. */
export function requestSignal(request: FastifyRequest): AbortSignal {
  const controller = new AbortController();
  request.raw.once('close', () => {
    if (!request.raw.complete) controller.abort(new Error('the client closed the connection mid-upload'));
  });
  return controller.signal;
}

export function uploadAnswerHeaders(reply: FastifyReply, published: Published, agilePath: string): void {
  reply.header('X-Agile-Path', headerSafe(agilePath));
  reply.header('X-Agile-Size', String(published.sizeBytes));
  reply.header('X-Agile-Checksum', published.sha256);
}

/**
 * A failure after the whole body arrived (a checksum that does not match,
 * say) still tells the client what the server received, so that it can see
 * why; nothing was stored, so there is no X-Agile-Path.
 */
export function receivedAnswerHeaders(reply: FastifyReply, blob: ReceivedBlob): void {
  reply.header('X-Agile-Size', String(blob.sizeBytes));
  reply.header('X-Agile-Checksum', blob.sha256);
}

/** Header values travel as bytes; a UTF-8 path goes out as its UTF-8 bytes (Node writes header strings as latin1). */
export function headerSafe(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : Buffer.from(value, 'utf8').toString('latin1');
}
