import type { FastifyInstance } from 'fastify';
import { outboxView } from './outbox-views.js';
import type { PageScope } from './page-kit.js';

/** The development outbox; production has no such page, so it answers like any unknown one. */
export function outboxPages(app: FastifyInstance, { config, deps, render }: PageScope) {
  if (config.mode === 'production') return;
  app.get('/dev/outbox', async (request, reply) => {
    const messages = await deps.store.outbox.latest(50);
    return render(request, reply, 'Development outbox', () => outboxView(messages));
  });
}
