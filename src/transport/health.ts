/** GET /healthz: 200 when the metadata store answers, 503 otherwise. */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../service/index.js';

export function registerHealth(app: FastifyInstance, services: Services): void {
  app.get('/healthz', async (request, reply) => {
    try {
      await services.egress.isAccount('healthz-probe');
      return reply.send({ status: 'ok' });
    } catch (err) {
      request.log.warn({ err }, 'health check failed');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}
