/** POST /multipart/create, /multipart/piece and /multipart/complete (working_with_multipart_http.md). */
import type { FastifyInstance } from 'fastify';
import { OriginError } from '../../domain/errors.js';
import type { Services } from '../../service/index.js';
import { decodePathHeader, header, parseChecksum, parseEncoding, parseMtime, quotePath } from './agile-headers.js';
import { lastComponent } from './post-raw.js';
import { authenticate, renderFailure, sendEmpty } from './render.js';
import { headerSafe, requestSignal } from './upload-common.js';
import { admitUpload } from './upload-rate.js';

export function registerMultipart(app: FastifyInstance, services: Services): void {
  app.post('/multipart/create', async (request, reply) => {
    try {
      const caller = await authenticate(services, request);
      const h = request.headers;
      const encoding = parseEncoding(header(h, 'x-agile-encoding'));
      const directory = decodePathHeader(header(h, 'x-agile-directory') ?? '/', encoding);
      const basename = lastComponent(decodePathHeader(header(h, 'x-agile-basename') ?? '', encoding)) || `mpart-${crypto.randomUUID().replaceAll('-', '')}`;
      const contentType = header(h, 'x-agile-content-type');
      const rawMtime = header(h, 'x-agile-mtime');
      let mtime: number | undefined;
      try {
        mtime = parseMtime(rawMtime);
      } catch {
        throw new OriginError('InvalidMtime');
      }
      const upload = await services.multipart.create(caller, {
        path: `${directory.replace(/\/+$/, '')}/${basename}`,
        contentType,
        mtime,
      });
      reply.header('X-Agile-Multipart', upload.mpid);
      reply.header('X-Agile-Path', headerSafe(encoding === 'utf8' ? quotePath(upload.path) : upload.path));
      // "The fields echo the values you passed ... If you did not pass values, content_type is None and mtime is 0."
      reply.header('X-Agile-Meta', headerSafe(`content_type=${contentType || 'None'} mtime=${mtime ?? 0}`));
      return sendEmpty(reply, 0, 200);
    } catch (err) {
      const r = renderFailure('/multipart/create', err, request);
      return sendEmpty(reply, r.code, r.status);
    }
  });

  app.post('/multipart/piece', async (request, reply) => {
    try {
      const caller = await authenticate(services, request);
      admitUpload(services, caller, reply);
      const h = request.headers;
      const mpid = (header(h, 'x-agile-multipart') ?? '').trim();
      const partHeader = (header(h, 'x-agile-part') ?? '').trim();
      const number = /^\d{1,9}$/.test(partHeader) ? Number(partHeader) : Number.NaN;
      const lengthHeader = header(h, 'content-length');
      const declaredBytes = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
      let expectedSha256: string | undefined;
      try {
        expectedSha256 = parseChecksum(header(h, 'x-agile-checksum'));
      } catch {
        throw new OriginError('ChecksumMismatch');
      }
      const piece = await services.multipart.addPiece(caller, {
        mpid, number, source: request.raw, declaredBytes, expectedSha256, signal: requestSignal(request),
      });
      reply.header('X-Agile-Checksum', piece.sha256);
      reply.header('X-Agile-Size', String(piece.sizeBytes));
      return sendEmpty(reply, 0, 200);
    } catch (err) {
      const r = renderFailure('/multipart/piece', err, request);
      if (!request.raw.readableEnded) reply.header('Connection', 'close');
      return sendEmpty(reply, r.code, r.status);
    }
  });

  app.post('/multipart/complete', async (request, reply) => {
    try {
      const caller = await authenticate(services, request);
      const mpid = (header(request.headers, 'x-agile-multipart') ?? '').trim();
      const parts = await services.multipart.complete(caller, mpid);
      reply.header('X-Agile-Parts', String(parts));
      reply.header('X-Agile-Multipart', mpid);
      return sendEmpty(reply, 0, 200);
    } catch (err) {
      const r = renderFailure('/multipart/complete', err, request);
      return sendEmpty(reply, r.code, r.status);
    }
  });
}

