import type { CoreDeps } from '../deps.js';
import { newId } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { WebhookDelivery, WebhookSubscription } from '../ports.js';
import { isWebhookEventType, webhookEventTypes } from '../webhooks/event-types.js';

/** What the associated data of a subscription's sealed secret is, so it cannot pass for another subscription's. */
export const webhookSecretContext = (subscriptionId: string) => `webhook:${subscriptionId}`;

const noSuchSubscription = () => new TesseraError('ERR_NOT_FOUND', 'There is no such webhook.');

function assertUrl(value: string, production: boolean): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TesseraError('ERR_INVALID_INPUT', `${value} is not a URL.`);
  }
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback && !production)) {
    throw new TesseraError(
      'ERR_INVALID_INPUT',
      `${value}: a webhook URL must be https (http only for loopback, outside production).`,
    );
  }
  if (value.length > 2000) throw new TesseraError('ERR_INVALID_INPUT', 'A webhook URL is at most 2000 characters.');
  if (url.username || url.password || url.hash) {
    throw new TesseraError('ERR_INVALID_INPUT', `${value}: a webhook URL cannot hold a user name, a password or a fragment.`);
  }
}

/**
 * Subscribes `url` to security events of `eventTypes`: everyone's, or with `orgId` only the
 * organization's members'. The signing secret (256 random bits) is returned this once and kept
 * sealed under the server keys.
 */
export async function addWebhook(
  deps: CoreDeps,
  input: { url: string; eventTypes: string[]; orgId: string | null; production: boolean },
): Promise<{ subscription: WebhookSubscription; secret: string }> {
  const url = input.url.trim();
  assertUrl(url, input.production);
  const unknown = input.eventTypes.filter((type) => !isWebhookEventType(type));
  if (unknown.length > 0) {
    throw new TesseraError(
      'ERR_INVALID_INPUT',
      `Unknown event ${unknown.join(', ')}: events are among ${webhookEventTypes.join(', ')}.`,
    );
  }
  if (input.eventTypes.length === 0) throw new TesseraError('ERR_INVALID_INPUT', 'Choose at least one event.');
  if (input.orgId !== null && !(await deps.store.organizations.findById(input.orgId))) {
    throw new TesseraError('ERR_NOT_FOUND', 'There is no such organization.');
  }
  const id = newId(deps.random);
  const secret = `whsec_${deps.random.bytes(32).toString('base64url')}`;
  const subscription: WebhookSubscription = {
    id,
    url,
    orgId: input.orgId,
    eventTypes: webhookEventTypes.filter((type) => input.eventTypes.includes(type)),
    secretSealed: deps.secretBox.seal(secret, webhookSecretContext(id)),
    createdAt: deps.clock.now(),
    disabledAt: null,
  };
  await deps.store.webhookSubscriptions.create(subscription);
  return { subscription, secret };
}

/** Every subscription, disabled ones too, oldest first. */
export function listWebhooks(deps: CoreDeps): Promise<WebhookSubscription[]> {
  return deps.store.webhookSubscriptions.list();
}

/** Stops sending to the subscription; its pending deliveries are given up. */
export async function disableWebhook(deps: CoreDeps, id: string): Promise<void> {
  if (!(await deps.store.webhookSubscriptions.disable(id, deps.clock.now()))) {
    throw new TesseraError('ERR_NOT_FOUND', 'There is no such webhook, or it is disabled already.');
  }
}

/** Forgets the subscription and its delivery log. */
export async function removeWebhook(deps: CoreDeps, id: string): Promise<void> {
  if (!(await deps.store.webhookSubscriptions.delete(id))) throw noSuchSubscription();
}

/** The subscription and its newest `limit` deliveries, newest first. */
export async function webhookDeliveryLog(
  deps: CoreDeps,
  id: string,
  limit = 100,
): Promise<{ subscription: WebhookSubscription; deliveries: WebhookDelivery[] }> {
  const subscription = await deps.store.webhookSubscriptions.findById(id);
  if (!subscription) throw noSuchSubscription();
  return { subscription, deliveries: await deps.store.webhookDeliveries.listForSubscription(id, limit) };
}
