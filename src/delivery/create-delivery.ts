import type { TesseraConfig } from '../config.js';
import type { Delivery, OutboundMessage } from '../core/ports.js';
import type { OpenDatabase } from '../store/open-database.js';
import { outboxRepository } from '../store/repositories/outbox.js';
import { outboxProvider } from './outbox.js';
import { DeliveryError, type DeliveryProvider } from './provider.js';
import { smtpProvider } from './smtp.js';
import { webhookProvider } from './webhook.js';

/** The two pino methods delivery logs with. */
export interface DeliveryLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** Production without a provider for a channel: the message is not sent, and the log says why. */
const noProvider: DeliveryProvider = {
  name: 'none',
  send: async (message) => {
    throw new DeliveryError(`no provider is configured for ${message.channel}`);
  },
};

/**
 * The Delivery port on the configured providers: email through SMTP, else the webhook; SMS and
 * voice through the webhook. Without one, development keeps the message in the outbox and
 * production reports it as not sent. Every attempt is logged with its provider, outcome and
 * latency, the address masked and never the text, which holds the code.
 */
export function createDelivery(config: TesseraConfig, database: OpenDatabase, logger: DeliveryLogger): Delivery {
  const { smtp, webhook } = config.delivery;
  const fallback = config.mode === 'development' ? outboxProvider(outboxRepository(database.db)) : noProvider;
  const gateway = webhook.url ? webhookProvider(webhook) : fallback;
  const providers: Record<OutboundMessage['channel'], DeliveryProvider> = {
    email: smtp.host ? smtpProvider(smtp, config.branding) : gateway,
    sms: gateway,
    voice: gateway,
  };

  return {
    async send(message) {
      const provider = providers[message.channel];
      const attempt = { provider: provider.name, channel: message.channel, purpose: message.purpose, to: masked(message) };
      const started = performance.now();
      try {
        await provider.send(message);
        logger.info({ ...attempt, outcome: 'delivered', latencyMs: since(started) }, 'message delivered');
        return { delivered: true, provider: provider.name };
      } catch (error) {
        const reason = error instanceof DeliveryError ? error.message : `unexpected ${(error as Error).name}`;
        logger.warn({ ...attempt, outcome: 'failed', latencyMs: since(started), reason }, 'message not delivered');
        return { delivered: false, provider: provider.name };
      }
    },
  };
}

/** `a***@example.com` or `***67`: enough to tell attempts apart in the log, not enough to reach anyone. */
function masked({ channel, to }: OutboundMessage): string {
  if (channel !== 'email') return `***${to.slice(-2)}`;
  const at = to.lastIndexOf('@');
  return at > 0 ? `${to[0]}***${to.slice(at)}` : '***';
}

function since(started: number): number {
  return Math.round(performance.now() - started);
}
