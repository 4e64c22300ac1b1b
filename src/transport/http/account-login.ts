/** POST /account/login (logging_in_using_http_interface.md). */
import type { FastifyInstance } from 'fastify';
import { OriginError } from '../../domain/errors.js';
import type { Services } from '../../service/index.js';
import { decodePathHeader, header, parseEncoding } from './agile-headers.js';
import { renderFailure, sendEmpty } from './render.js';
import { headerSafe } from './upload-common.js';

export function registerAccountLogin(app: FastifyInstance, services: Services): void {
  app.post('/account/login', async (request, reply) => {
    try {
      const h = request.headers;
      const username = header(h, 'x-agile-username');
      const password = header(h, 'x-agile-password');
      if (username === undefined || password === undefined) throw new OriginError('BadCredentials', { reason: 'X-Agile-Username and X-Agile-Password are required' });
      const encoding = parseEncoding(header(h, 'x-agile-content-encoding') ?? header(h, 'x-agile-encoding'));
      const rawSubdir = header(h, 'x-agile-subdir');
      const subdir = rawSubdir === undefined ? undefined : decodeSubdir(rawSubdir, encoding);
      const { token, user, root } = await services.sessions.login(username, password, {
        expirySeconds: parseExpiry(header(h, 'x-agile-expiry')),
        subdir,
        origin: 'http',
      });
      reply.header('X-Agile-Token', token);
      reply.header('X-Agile-Uid', String(user.uid));
      reply.header('X-Agile-Gid', String(user.gid));
      reply.header('X-Agile-Path', headerSafe(root));
      return sendEmpty(reply, 0, 200);
    } catch (err) {
      const r = renderFailure('/account/login', err, request);
      return sendEmpty(reply, r.code, r.status);
    }
  });
}

function decodeSubdir(raw: string, encoding: 'ascii' | 'utf8'): string {
  try {
    return decodePathHeader(raw, encoding);
  } catch {
    throw new OriginError('InvalidSubdir', { reason: 'the sub-directory is not a valid path' });
  }
}

function parseExpiry(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\s*\d{1,12}\s*$/.test(raw)) throw new OriginError('InvalidExpiry', { reason: 'X-Agile-Expiry must be whole seconds' });
  return Number(raw);
}
