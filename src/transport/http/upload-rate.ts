/**
 * best_practices.md, "Observe Upload Limits": upload requests beyond the
 * account's rate get 429. Checked right after the token, before any byte of
 * the body is read, so a refused upload costs nothing and stores nothing.
 */
import type { FastifyReply } from 'fastify';
import { OriginError } from '../../domain/errors.js';
import type { Caller } from '../../domain/model.js';
import type { Services } from '../../service/index.js';

export function admitUpload(services: Services, caller: Caller, reply: FastifyReply): void {
  const decision = services.uploadRate.take(caller.user.account);
  if (decision.allowed) return;
  reply.header('Retry-After', String(decision.retryAfterSeconds));
  throw new OriginError('RateLimited', { reason: `more than the account's upload requests per second` });
}
