/** X-Agile-Signature (signing_requests.md): what the service needs to verify a signed request. */
import type { FastifyRequest } from 'fastify';
import type { SignedRequest } from '../../service/signing.js';

/** The signed-request view of a request carrying X-Agile-Signature, or undefined without one. */
export function signedRequestOf(request: FastifyRequest): SignedRequest | undefined {
  const raw = request.headers['x-agile-signature'];
  const signature = Array.isArray(raw) ? raw[0] : raw;
  if (signature === undefined) return undefined;
  const agileHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (!name.startsWith('x-agile-') || name === 'x-agile-signature' || value === undefined) continue;
    agileHeaders[name.slice('x-agile-'.length)] = Array.isArray(value) ? value.join(', ') : value;
  }
  const url = request.raw.url ?? request.url;
  const q = url.indexOf('?');
  return { path: q < 0 ? url : url.slice(0, q), signature, agileHeaders };
}
