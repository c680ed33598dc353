import type { TesseraConfig } from '../config.js';
import type { Delivery, OutboundMessage } from '../core/ports.js';
import type { OpenDatabase } from '../store/open-database.js';
import { outboxRepository } from '../store/repositories/outbox.js';
import { outboxProvider } from './outbox.js';
import { DeliveryError, type DeliveryProvider } from './provider.js';
import { smtpProvider } from './smtp.js';
import { twilioProvider } from './twilio.js';
import { webhookProvider } from './webhook.js';

type Channel = OutboundMessage['channel'];

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

/** Attempts each provider delivered and failed since start, by provider name. */
export type DeliveryStats = Record<string, { delivered: number; failed: number }>;

/** The Delivery port, and how its providers have fared. */
export interface CountingDelivery extends Delivery {
  /** A copy of the counters: every provider a channel may use, from zero at start, kept in memory only. */
  stats(): DeliveryStats;
}

/**
 * The Delivery port on the configured providers, tried for each channel in the configured order
 * (`delivery.emailProviders`, `smsProviders`, `voiceProviders`) until one takes the message;
 * those not configured are skipped. A channel left with none keeps its messages in the outbox
 * in development and reports them as not sent in production. Every attempt is logged with its
 * provider, outcome and latency, the address masked and never the text, which holds the code.
 */
export function createDelivery(
  config: TesseraConfig,
  database: OpenDatabase,
  logger: DeliveryLogger,
  onAttempt: (attempt: { channel: Channel; provider: string; result: 'delivered' | 'failed' }) => void = () => undefined,
): CountingDelivery {
  const { smtp, webhook, twilio } = config.delivery;
  const configured = {
    smtp: smtp.host ? smtpProvider(smtp, config.branding) : undefined,
    webhook: webhook.url ? webhookProvider(webhook) : undefined,
    twilio: twilio.accountSid ? twilioProvider(twilio) : undefined,
  };
  const fallback = config.mode === 'development' ? outboxProvider(outboxRepository(database.db)) : noProvider;
  const orFallback = <C extends Channel>(providers: DeliveryProvider<C>[]) => (providers.length > 0 ? providers : [fallback]);
  const chains: { [C in Channel]: DeliveryProvider<C>[] } = {
    email: orFallback(config.delivery.emailProviders.flatMap((name) => configured[name] ?? [])),
    sms: orFallback(config.delivery.smsProviders.flatMap((name) => configured[name] ?? [])),
    voice: orFallback(config.delivery.voiceProviders.flatMap((name) => configured[name] ?? [])),
  };
  const counts = new Map(Object.values(chains).flatMap((chain) => chain.map(({ name }) => [name, { delivered: 0, failed: 0 }])));

  async function sendThrough<C extends Channel>(message: OutboundMessage & { channel: C }) {
    const chain = chains[message.channel];
    for (const [index, provider] of chain.entries()) {
      const attempt = { provider: provider.name, channel: message.channel, purpose: message.purpose, to: masked(message) };
      const tally = counts.get(provider.name)!;
      const started = performance.now();
      try {
        await provider.send(message);
        tally.delivered++;
        onAttempt({ channel: message.channel, provider: provider.name, result: 'delivered' });
        logger.info({ ...attempt, outcome: 'delivered', latencyMs: since(started) }, 'message delivered');
        return { delivered: true, provider: provider.name };
      } catch (error) {
        tally.failed++;
        onAttempt({ channel: message.channel, provider: provider.name, result: 'failed' });
        const reason = error instanceof DeliveryError ? error.message : `unexpected ${(error as Error).name}`;
        const next = chain[index + 1];
        logger.warn(
          { ...attempt, outcome: 'failed', latencyMs: since(started), reason },
          next ? `message not delivered, trying ${next.name}` : 'message not delivered',
        );
      }
    }
    return { delivered: false, provider: chain[chain.length - 1]!.name };
  }

  return {
    send: sendThrough,
    stats: () => Object.fromEntries([...counts].map(([name, tally]) => [name, { ...tally }])),
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
