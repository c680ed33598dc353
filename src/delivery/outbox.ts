import type { OutboxRepository } from '../core/ports.js';
import type { DeliveryProvider } from './provider.js';

/** Development only: keeps each message in the database, to read at /dev/outbox, instead of sending it. */
export function outboxProvider(outbox: OutboxRepository): DeliveryProvider {
  return { name: 'outbox', send: (message) => outbox.record(message, Date.now()) };
}
