import type { TesseraConfig } from '../../config.js';
import type { CoreDeps } from '../deps.js';
import type { Random, WebhookAttemptOutcome, WebhookDelivery, WebhookSubscription } from '../ports.js';
import { webhookSignature } from '../webhooks/signature.js';
import { webhookSecretContext } from './webhook-subscriptions.js';

export type WebhookSettings = TesseraConfig['webhooks'];

/** What one POST came to: the status the receiver answered, or why there was no answer. */
export type WebhookPostResult = { status: number } | { error: string };

/** Sends one webhook request; injected, so the core makes no HTTP request itself and tests can answer. */
export type PostWebhook = (request: {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}) => Promise<WebhookPostResult>;

/** What one pass did with the deliveries it leased. */
export interface WebhooksDelivered {
  delivered: number;
  /** Failed attempts that will be tried again. */
  retrying: number;
  /** Deliveries given up on after their last attempt. */
  failed: number;
}

/** Deliveries leased at a time; they are sent in parallel, each within the request timeout. */
const batchSize = 20;

/**
 * How long after the `attempts`-th failed attempt the next one waits: `retryBaseSeconds`,
 * doubled for each further attempt, ±25 % at random (so a receiver that comes back is not hit by
 * every retry at once), at most `retryMaxSeconds`.
 */
export function retryDelayMs(attempts: number, settings: WebhookSettings, random: Random): number {
  const jitter = 0.75 + (random.bytes(4).readUInt32BE() / 2 ** 32) * 0.5;
  const delay = settings.retryBaseSeconds * 1000 * 2 ** (attempts - 1) * jitter;
  return Math.round(Math.min(settings.retryMaxSeconds * 1000, delay));
}

/**
 * Sends the deliveries that are due, `batchSize` at a time until none is left. Each is leased
 * first, for longer than a request may take, so no other instance sends the same attempt; a
 * crash mid-attempt leaves the lease to run out and the delivery is tried again. A 2xx answer
 * delivers it; anything else is retried after `retryDelayMs`, until `maxAttempts`.
 */
export async function deliverDueWebhooks(
  deps: CoreDeps,
  settings: WebhookSettings,
  post: PostWebhook,
): Promise<WebhooksDelivered> {
  const totals: WebhooksDelivered = { delivered: 0, retrying: 0, failed: 0 };
  const timeoutMs = settings.timeoutSeconds * 1000;
  const subscriptions = new Map<string, Promise<WebhookSubscription | undefined>>();
  const subscriptionOf = (id: string) => {
    if (!subscriptions.has(id)) subscriptions.set(id, deps.store.webhookSubscriptions.findById(id));
    return subscriptions.get(id)!;
  };
  for (;;) {
    const now = deps.clock.now();
    const leaseUntil = now + timeoutMs + 60_000;
    const leased = await deps.store.webhookDeliveries.claimDue(now, leaseUntil, batchSize);
    const outcomes = await Promise.all(
      leased.map(async (delivery) => {
        const outcome = await attempt(deps, settings, post, delivery, await subscriptionOf(delivery.subscriptionId));
        await deps.store.webhookDeliveries.settle(delivery.id, leaseUntil, outcome);
        return outcome;
      }),
    );
    for (const outcome of outcomes) {
      if (outcome.status === 'delivered') totals.delivered += 1;
      else if (outcome.status === 'failed') totals.failed += 1;
      else totals.retrying += 1;
    }
    if (leased.length < batchSize) return totals;
  }
}

/** One attempt of a leased delivery, signed at the moment it is sent. */
async function attempt(
  deps: CoreDeps,
  settings: WebhookSettings,
  post: PostWebhook,
  delivery: WebhookDelivery,
  subscription: WebhookSubscription | undefined,
): Promise<WebhookAttemptOutcome> {
  if (!subscription || subscription.disabledAt !== null) {
    return {
      status: 'failed',
      nextAttemptAt: delivery.nextAttemptAt,
      lastStatusCode: null,
      lastError: 'webhook disabled',
      deliveredAt: null,
    };
  }
  const secret = deps.secretBox.open(subscription.secretSealed, webhookSecretContext(subscription.id));
  let result: WebhookPostResult;
  if (secret === undefined) {
    // Its server key left secrets.keys too early: retried, in case the key comes back.
    result = { error: 'no configured server key opens the signing secret' };
  } else {
    const timestamp = Math.floor(deps.clock.now() / 1000);
    result = await post({
      url: subscription.url,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Tessera-Webhooks/1',
        'tessera-webhook-id': delivery.id,
        'tessera-webhook-timestamp': String(timestamp),
        'tessera-webhook-signature': webhookSignature(secret, timestamp, delivery.payload),
      },
      body: delivery.payload,
      timeoutMs: settings.timeoutSeconds * 1000,
    });
  }
  const now = deps.clock.now();
  const statusCode = 'status' in result ? result.status : null;
  if (statusCode !== null && statusCode >= 200 && statusCode < 300) {
    return { status: 'delivered', nextAttemptAt: now, lastStatusCode: statusCode, lastError: null, deliveredAt: now };
  }
  const lastError = 'error' in result ? result.error : null;
  return delivery.attempts >= settings.maxAttempts
    ? { status: 'failed', nextAttemptAt: now, lastStatusCode: statusCode, lastError, deliveredAt: null }
    : {
        status: 'pending',
        nextAttemptAt: now + retryDelayMs(delivery.attempts, settings, deps.random),
        lastStatusCode: statusCode,
        lastError,
        deliveredAt: null,
      };
}

/** Forgets delivered and failed deliveries older than `retentionDays`; returns how many. */
export function pruneWebhookDeliveries(deps: CoreDeps, settings: WebhookSettings): Promise<number> {
  return deps.store.webhookDeliveries.pruneSettled(deps.clock.now() - settings.retentionDays * 86_400_000);
}
