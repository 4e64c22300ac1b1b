/** POST /post/raw: the body is the file (uploading_files_nonmultipart.md, "File Raw Post"). */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../service/index.js';
import type { ReceivedBlob, UploadTarget } from '../../service/ingest.js';
import { OriginError } from '../../domain/errors.js';
import {
  checkExposeEgress, contentChoiceFromHeaders, decodePathHeader, header, parseChecksum, parseEncoding, parseFlag,
  parseMtime, quotePath,
} from './agile-headers.js';
import { authenticate, renderFailure, sendEmpty } from './render.js';
import { receivedAnswerHeaders, requestSignal, uploadAnswerHeaders } from './upload-common.js';
import { admitUpload } from './upload-rate.js';

export function registerPostRaw(app: FastifyInstance, services: Services): void {
  app.post('/post/raw', async (request, reply) => {
    let encoding: 'ascii' | 'utf8' = 'ascii';
    let blob: ReceivedBlob | undefined;
    try {
      const caller = await authenticate(services, request);
      admitUpload(services, caller, reply);
      const h = request.headers;
      encoding = parseEncoding(header(h, 'x-agile-encoding'));
      const target: UploadTarget = {
        directory: decodePathHeader(header(h, 'x-agile-directory') ?? '/', encoding),
        basename: lastComponent(decodePathHeader(header(h, 'x-agile-basename') ?? '', encoding)) || `post-${randomHex()}`,
        createParents: parseFlag(header(h, 'x-agile-recursive'), false, 'InvalidRecursive'),
        mtime: parseMtime(header(h, 'x-agile-mtime')),
        contentType: contentChoiceFromHeaders(h),
        expectedSha256: parseChecksum(header(h, 'x-agile-checksum')),
      };
      checkExposeEgress(header(h, 'x-agile-expose-egress'));
      if (target.basename.includes('..')) {
        throw new OriginError('InvalidPath', { reason: 'the file name must not include two consecutive periods' });
      }
      await services.ingest.plan(caller, target);
      if (h['content-length'] === undefined && h['transfer-encoding'] === undefined) {
        throw new OriginError('NoUploadFile', { reason: 'the request has no body' });
      }
      blob = await services.ingest.receive(request.raw, requestSignal(request));
      const published = await services.ingest.publish(caller, blob, target);
      uploadAnswerHeaders(reply, published, encoding === 'utf8' ? quotePath(published.path) : published.path);
      return sendEmpty(reply, 0, 200);
    } catch (err) {
      const r = renderFailure('/post/raw', err, request);
      if (blob) receivedAnswerHeaders(reply, blob);
      if (!request.raw.readableEnded) reply.header('Connection', 'close');
      return sendEmpty(reply, r.code, r.status);
    }
  });
}

/** X-Agile-Basename is a name, but the vendor's own example sends '/test.mp3': keep the last component. */
export function lastComponent(name: string): string {
  const parts = name.split('/').filter((p) => p.length > 0);
  return parts[parts.length - 1] ?? '';
}

function randomHex(): string {
  return crypto.randomUUID().replaceAll('-', '');
}
