import { createHmac } from 'node:crypto';

/**
 * The `Tessera-Webhook-Signature` of a body sent at `timestamp` (unix seconds): `v1=` and the
 * hex HMAC-SHA256, keyed with the subscription's secret as shown (its UTF-8 bytes), of the
 * timestamp, a dot and the body.
 */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
