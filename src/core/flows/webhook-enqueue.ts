import type { CoreDeps } from '../deps.js';
import { newId } from '../deps.js';
import type { SecurityEvent, Store, WebhookDelivery } from '../ports.js';
import { webhookEventOf } from '../webhooks/event-types.js';

/**
 * Queues a delivery of the event to each live subscription that hears it — the instance's, and
 * those of the person's organizations — in the store (and transaction) that recorded the event.
 * The payload is fixed here, so every attempt sends the same body. Queueing is kept apart from
 * the event: when it fails, it is logged and undone alone, and the event and the person's
 * request stand.
 */
export async function enqueueWebhooks(deps: CoreDeps, store: Store, event: SecurityEvent): Promise<void> {
  const webhook = webhookEventOf(event);
  const userId = event.userId;
  if (!webhook || userId === null) return;
  try {
    await store.webhookDeliveries.isolated(async () => {
      const listeners = (await store.webhookSubscriptions.listeningTo(userId)).filter((subscription) =>
        subscription.eventTypes.includes(webhook.type),
      );
      if (listeners.length === 0) return;
      const user = await store.users.findById(userId);
      if (!user) return;
      const now = deps.clock.now();
      const deliveries = listeners.map((subscription): WebhookDelivery => {
        const id = newId(deps.random);
        const payload = {
          id,
          type: webhook.type,
          occurredAt: new Date(event.at).toISOString(),
          user: { id: user.id, email: user.email },
          organizationId: subscription.orgId,
          data: webhook.data,
        };
        return {
          id,
          subscriptionId: subscription.id,
          eventType: webhook.type,
          payload: JSON.stringify(payload),
          attempts: 0,
          nextAttemptAt: now,
          status: 'pending',
          lastStatusCode: null,
          lastError: null,
          deliveredAt: null,
          createdAt: now,
        };
      });
      await store.webhookDeliveries.enqueue(deliveries);
    });
  } catch (error) {
    deps.log.error({ err: error, event: event.type, userId }, 'webhook deliveries could not be queued; the event is recorded');
  }
}
