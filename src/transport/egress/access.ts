/**
 * Who may read a file through egress: a public account's files are open; a
 * URL carrying h= must be a valid MediaVault URL (whatever the account); a
 * private account serves only MediaVault URLs and signed requests
 * (X-Agile-Signature from one of its users, for a file inside that user's
 * home directory).
 */
import type { FastifyRequest } from 'fastify';
import { isOriginError } from '../../domain/errors.js';
import type { NodeRecord } from '../../domain/model.js';
import { isWithin } from '../../domain/paths.js';
import type { EgressAccess } from '../../service/mediavault.js';
import type { Services } from '../../service/index.js';
import { signedRequestOf } from '../http/signed.js';

export async function egressAccess(services: Services, request: FastifyRequest, node: NodeRecord): Promise<EgressAccess> {
  const account = node.path.split('/')[1] ?? '';
  const signed = signedRequestOf(request);
  if (signed !== undefined) {
    try {
      const caller = await services.signing.verify(signed);
      if (caller.user.account !== account) return { allowed: false, reason: 'signed by another account' };
      // A user restricted to a home directory signs for nothing outside it.
      if (!isWithin(caller.session.root, node.path)) return { allowed: false, reason: "outside the signer's home directory" };
      return { allowed: true };
    } catch (err) {
      if (isOriginError(err) && err.kind === 'BadSignature') return { allowed: false, reason: err.message };
      throw err;
    }
  }
  const referer = request.headers.referer;
  return services.mediavault.checkEgress(account, {
    url: request.raw.url ?? request.url,
    host: request.headers.host,
    clientIp: request.ip,
    referrer: Array.isArray(referer) ? referer[0] : referer,
  });
}
