/**
 * POST /post/file (uploading_files_nonmultipart.md, "Web Browser Upload"):
 * multipart/form-data parsed as a stream. The uploadFile part is streamed
 * into a blob as it arrives; the other fields may come before or after it,
 * so the file is published only once the whole form has been read.
 */
import { Busboy, type BusboyInstance } from '@fastify/busboy';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { canonicalContentType } from '../../domain/content-types.js';
import { OriginError } from '../../domain/errors.js';
import type { Caller } from '../../domain/model.js';
import type { Services } from '../../service/index.js';
import type { ReceivedBlob, UploadTarget } from '../../service/ingest.js';
import { checkExposeEgress, contentChoiceFromHeaders, header, parseChecksum, parseFlag, parseMtime } from './agile-headers.js';
import { lastComponent } from './post-raw.js';
import { authenticate, renderFailure, sendEmpty } from './render.js';
import { receivedAnswerHeaders, uploadAnswerHeaders } from './upload-common.js';
import { admitUpload } from './upload-rate.js';

interface ParsedForm {
  readonly fields: Map<string, string>;
  readonly file?: { blob: ReceivedBlob; filename: string; mimeType: string } | undefined;
  readonly extraFiles: number;
}

const FORM_LIMITS = { fieldNameSize: 200, fieldSize: 64 * 1024, fields: 64, parts: 128, headerPairs: 64 };

export function registerPostFile(app: FastifyInstance, services: Services, contentTypeOf: (r: FastifyRequest) => string | undefined): void {
  app.post('/post/file', async (request, reply) => {
    let form: ParsedForm | undefined;
    try {
      const caller = await authenticate(services, request);
      admitUpload(services, caller, reply);
      const contentType = contentTypeOf(request);
      if (!contentType || !/^multipart\/form-data/i.test(contentType)) {
        throw new OriginError('NoUploadFile', { reason: 'the body must be multipart/form-data with an uploadFile part' });
      }
      form = await parseForm(services, request.raw, contentType);
      const published = await publish(services, caller, request, form);
      uploadAnswerHeaders(reply, published, published.path);
      return redirectOrEmpty(request, reply, form.fields);
    } catch (err) {
      if (form?.file) await services.ingest.discard(form.file.blob);
      const r = renderFailure('/post/file', err, request);
      if (form?.file) receivedAnswerHeaders(reply, form.file.blob);
      if (!request.raw.readableEnded) reply.header('Connection', 'close');
      return sendEmpty(reply, r.code, r.status);
    }
  });
}

async function publish(services: Services, caller: Caller, request: FastifyRequest, form: ParsedForm) {
  const { fields, file } = form;
  if (form.extraFiles > 0) throw new OriginError('TooManyFiles');
  if (!file) throw new OriginError('NoUploadFile');
  // A browser form submitted without choosing a file sends an empty part with no file name.
  if (file.filename === '' && file.blob.sizeBytes === 0) throw new OriginError('EmptyFile');
  checkExposeEgress(fields.get('expose_egress'));
  const recursiveHeader = header(request.headers, 'x-agile-recursive');
  const target: UploadTarget = {
    directory: fields.get('directory') ?? '/',
    basename: lastComponent(fields.get('basename') ?? '') || lastComponent(file.filename.replaceAll('\\', '/')) || `post-${crypto.randomUUID().replaceAll('-', '')}`,
    createParents: recursiveHeader !== undefined
      ? parseFlag(recursiveHeader, false, 'InvalidRecursive')
      : parseFlag(fields.get('recursive'), false, 'InvalidRecursive'),
    mtime: parseMtime(fields.get('mtime')),
    contentType: attachmentChoice(file.mimeType, request),
    expectedSha256: parseChecksum(header(request.headers, 'x-agile-checksum')),
  };
  // The same name rule as /post/raw's: "The file name must not include two consecutive periods."
  if (target.basename.includes('..')) {
    throw new OriginError('InvalidPath', { reason: 'the file name must not include two consecutive periods' });
  }
  return services.ingest.publish(caller, file.blob, target);
}

/**
 * "The content type specified by the Content-Type field of the attachment
 * takes precedence if set." The form parser reports text/plain for a part
 * that has no Content-Type, so text/plain is read as "not set".
 */
function attachmentChoice(partType: string, request: FastifyRequest) {
  const fromHeaders = contentChoiceFromHeaders(request.headers, { invalidTypeFallsBack: true });
  const attached = canonicalContentType(partType);
  if (attached && attached !== 'text/plain' && attached !== 'application/octet-stream') return { explicit: attached };
  return fromHeaders;
}

function parseForm(services: Services, body: Readable, contentType: string): Promise<ParsedForm> {
  return new Promise((resolve, reject) => {
    const fields = new Map<string, string>();
    let receiving: Promise<ReceivedBlob> | undefined;
    let filename = '';
    let mimeType = '';
    let extraFiles = 0;
    let failed = false;
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      body.unpipe();
      body.resume();
      const pending = receiving;
      if (pending) pending.then((b) => services.ingest.discard(b), () => undefined);
      reject(err);
    };
    let parser: BusboyInstance;
    try {
      parser = new Busboy({ headers: { 'content-type': contentType }, limits: FORM_LIMITS });
    } catch {
      reject(new OriginError('NoUploadFile', { reason: 'the multipart/form-data boundary is missing' }));
      return;
    }
    parser.on('field', (name, value) => {
      if (!fields.has(name)) fields.set(name, value);
    });
    parser.on('file', (name, stream, fileName, _encoding, mime) => {
      if (name !== 'uploadFile' || receiving) {
        if (name === 'uploadFile' || fileName) extraFiles++;
        stream.resume();
        return;
      }
      filename = fileName ?? '';
      mimeType = mime;
      receiving = services.ingest.receive(stream);
      receiving.catch(fail);
    });
    parser.on('error', (err: unknown) => fail(new OriginError('NoUploadFile', { reason: `malformed form data: ${String((err as Error)?.message ?? err)}` })));
    parser.on('finish', () => {
      if (failed) return;
      if (!receiving) {
        resolve({ fields, extraFiles });
        return;
      }
      receiving.then((blob) => {
        if (!failed) resolve({ fields, file: { blob, filename, mimeType }, extraFiles });
        else void services.ingest.discard(blob);
      }, fail);
    });
    body.on('error', fail);
    body.pipe(parser);
  });
}

function redirectOrEmpty(request: FastifyRequest, reply: FastifyReply, fields: Map<string, string>): FastifyReply {
  const returnUrl = fields.get('return_url');
  const referer = header(request.headers, 'referer');
  const toReferer = parseFlagLoose(fields.get('return_referer')) && referer;
  const location = returnUrl || (toReferer ? referer : undefined);
  if (location && /^https?:\/\//i.test(location)) {
    reply.header('Location', location);
    return sendEmpty(reply, 0, 302);
  }
  return sendEmpty(reply, 0, 200);
}

function parseFlagLoose(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes'].includes(value.trim().toLowerCase());
}
