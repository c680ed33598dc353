import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { TesseraConfig } from '../config.js';
import { constantTimeEqual } from '../core/constant-time.js';
import type { ServerMetrics } from '../metrics.js';

/**
 * What operators and orchestrators ask of a running instance: `/healthz` (the process answers),
 * `/readyz` (the database, and Redis when configured, answer too) and `/metrics` for
 * Prometheus. Every answered request is counted, timed and logged by its route pattern — never
 * its URL, whose query can hold a sign-in link's token.
 */
export const operations = fp(
  async (
    app: FastifyInstance,
    options: { config: TesseraConfig; metrics: ServerMetrics; readiness: () => Promise<Record<string, boolean>> },
  ) => {
    const { metrics } = options;
    // Fastify keeps idle connections open for 72 s, which would hold up a shutdown that long:
    // once closing, every answer ends its connection.
    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });
    app.addHook('onSend', async (_request, reply) => {
      if (closing) reply.header('connection', 'close');
    });
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.request(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
      request.log.info(
        { method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime), ip: request.ip },
        'request completed',
      );
    });

    app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
    app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
      const checks = await options.readiness();
      const ready = Object.values(checks).every(Boolean);
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
    });

    const { enabled, token } = options.config.metrics;
    if (!enabled) return;
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      if (token && !constantTimeEqual(request.headers.authorization ?? '', `Bearer ${token}`)) {
        return reply
          .status(401)
          .header('www-authenticate', 'Bearer')
          .send({ error: { code: 'ERR_UNAUTHENTICATED', message: 'A metrics token is required.' } });
      }
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  },
);
