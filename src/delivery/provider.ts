import type { OutboundMessage } from '../core/ports.js';

/**
 * One way out for messages of the channels `C`: `send` resolves once the provider took the
 * message and throws otherwise.
 */
export interface DeliveryProvider<C extends OutboundMessage['channel'] = OutboundMessage['channel']> {
  readonly name: string;
  // A property rather than a method, so TypeScript refuses an SMS-only provider where email can come.
  readonly send: (message: OutboundMessage & { channel: C }) => Promise<void>;
}

/**
 * Why a provider did not take a message, in words fit for the log: never the message text and
 * never the address, which providers' own errors often quote.
 */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
}
