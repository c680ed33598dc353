import type { OutboundMessage } from '../core/ports.js';

/** One way out for messages: `send` resolves once the provider took the message and throws otherwise. */
export interface DeliveryProvider {
  readonly name: string;
  send(message: OutboundMessage): Promise<void>;
}

/**
 * Why a provider did not take a message, in words fit for the log: never the message text and
 * never the address, which providers' own errors often quote.
 */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
}
