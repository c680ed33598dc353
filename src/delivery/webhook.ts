import { createHmac, randomUUID } from 'node:crypto';
import type { TesseraConfig } from '../config.js';
import { DeliveryError, type DeliveryProvider } from './provider.js';
import { requestFailure } from './request-failure.js';

/**
 * Each message as a JSON POST to your own gateway, signed so it can tell Tessera's requests
 * from anyone else's: `X-Tessera-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>`
 * with the unix time in `X-Tessera-Timestamp`. Any 2xx answer means the gateway took it.
 */
export function webhookProvider(webhook: TesseraConfig['delivery']['webhook']): DeliveryProvider {
  return {
    name: 'webhook',
    async send({ channel, to, purpose, subject, text }) {
      const body = JSON.stringify({ id: randomUUID(), channel, to, purpose, subject, text, sentAt: new Date().toISOString() });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = createHmac('sha256', webhook.secret).update(`${timestamp}.${body}`).digest('hex');
      let response: Response;
      try {
        response = await fetch(webhook.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-tessera-timestamp': timestamp,
            'x-tessera-signature': `v1=${signature}`,
          },
          body,
          // A redirect would carry the code somewhere nobody configured.
          redirect: 'manual',
          signal: AbortSignal.timeout(webhook.timeoutMs),
        });
      } catch (error) {
        throw new DeliveryError(requestFailure(error, webhook.timeoutMs));
      }
      await response.body?.cancel();
      if (!response.ok) throw new DeliveryError(`HTTP ${response.status}`);
    },
  };
}
