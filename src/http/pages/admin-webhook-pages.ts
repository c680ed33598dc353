import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  addWebhook,
  disableWebhook,
  listWebhooks,
  removeWebhook,
  webhookDeliveryLog,
} from '../../core/flows/webhook-subscriptions.js';
import type { AsAdmin } from './admin-pages.js';
import { deliveryLogView, type WebhooksState, webhooksView } from './admin-webhook-views.js';
import { instanceAdminPage } from './admin-instance-page.js';
import { type PageScope, typedField } from './page-kit.js';

/** A form field that a browser sends once per ticked box: absent, one value or several. */
const ticked = z
  .union([z.string().max(64), z.array(z.string().max(64)).max(50)])
  .default([])
  .transform((value) => (typeof value === 'string' ? [value] : value));

const addForm = z.object({
  url: z.string().max(2000).default(''),
  org: z.string().max(64).default(''),
  events: ticked,
});
const idForm = z.object({ id: z.string().max(64).default('') });

/**
 * The admin console's "Webhooks" page, for instance administrators only: subscriptions added,
 * disabled and removed with the same flow as `tessera webhook`, and each one's delivery log.
 */
export function adminWebhookPages(app: FastifyInstance, { config, deps, render }: PageScope, asAdmin: AsAdmin) {
  const show = async (request: FastifyRequest, reply: FastifyReply, extra: Partial<WebhooksState> = {}, status?: number) => {
    const subscriptions = await listWebhooks(deps);
    const organizations = await deps.store.organizations.list();
    return render(
      request,
      reply,
      'Webhooks',
      (csrfToken) => webhooksView({ csrfToken, subscriptions, organizations, ...extra }),
      status,
    );
  };

  const { change, forInstance } = instanceAdminPage(app, asAdmin, { path: '/admin/webhooks', show });

  app.get(
    '/admin/webhooks/:id',
    asAdmin(
      forInstance(async (request, reply) => {
        const log = await webhookDeliveryLog(deps, (request.params as { id: string }).id);
        const organizations = await deps.store.organizations.list();
        return render(request, reply, 'Webhook deliveries', () => deliveryLogView({ ...log, organizations }));
      }),
    ),
  );

  change(
    '/admin/webhooks',
    async (request) => {
      const form = addForm.parse(request.body ?? {});
      const { subscription, secret } = await addWebhook(deps, {
        url: form.url,
        eventTypes: form.events,
        orgId: form.org === '' ? null : form.org,
        production: config.mode === 'production',
      });
      return { notice: `${subscription.url} was added.`, added: { url: subscription.url, secret } };
    },
    (body) => ({
      url: typedField(body, 'url'),
      org: typedField(body, 'org'),
      events: ticked.catch([]).parse((body as Record<string, unknown> | undefined)?.events),
    }),
  );

  change('/admin/webhooks/disable', async (request) => {
    await disableWebhook(deps, idForm.parse(request.body ?? {}).id);
    return { notice: 'The webhook was disabled: nothing more is sent to it, and its pending deliveries were given up.' };
  });

  change('/admin/webhooks/remove', async (request) => {
    await removeWebhook(deps, idForm.parse(request.body ?? {}).id);
    return { notice: 'The webhook was removed with its delivery log.' };
  });
}
