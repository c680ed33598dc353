import type { FastifyBaseLogger } from 'fastify';
import type { CoreDeps } from '../core/deps.js';
import {
  deliverDueWebhooks,
  type PostWebhook,
  pruneWebhookDeliveries,
  type WebhookSettings,
  type WebhooksDelivered,
} from '../core/flows/webhook-deliveries.js';
import { postWebhook } from './post.js';

const pruneIntervalMs = 3_600_000;

export interface WebhookWorker {
  /** Sends the deliveries that are due now, after any run already in progress. */
  run(): Promise<WebhooksDelivered>;
  /** Stops the timer and waits for the run in progress. */
  stop(): Promise<void>;
}

/**
 * Sends due webhook deliveries every `webhooks.intervalSeconds` (unless `timer` is off, for
 * tests that decide when time passes), and once an hour forgets old settled ones. One run at a
 * time per process; instances share the work safely because each attempt is leased atomically.
 */
export function startWebhookWorker(
  deps: CoreDeps,
  settings: WebhookSettings,
  logger: FastifyBaseLogger,
  timer: boolean,
  post: PostWebhook = postWebhook,
): WebhookWorker {
  let prunedAt = Number.NEGATIVE_INFINITY;
  const once = async () => {
    const delivered = await deliverDueWebhooks(deps, settings, post);
    if (deps.clock.now() - prunedAt >= pruneIntervalMs) {
      prunedAt = deps.clock.now();
      await pruneWebhookDeliveries(deps, settings);
    }
    return delivered;
  };
  let running: Promise<WebhooksDelivered> = Promise.resolve({ delivered: 0, retrying: 0, failed: 0 });
  const run = () => (running = running.then(once, once));
  let busy = false;
  // A tick while a run is still sending (receivers may take the whole timeout) is skipped, not queued.
  const tick = async () => {
    if (busy) return;
    busy = true;
    await run()
      .catch((error: unknown) => logger.error({ err: error }, 'webhook delivery failed; retrying at the next run'))
      .finally(() => (busy = false));
  };
  const interval = timer ? setInterval(tick, settings.intervalSeconds * 1000).unref() : undefined;
  return {
    run,
    async stop() {
      clearInterval(interval);
      await running.catch(() => undefined);
    },
  };
}
