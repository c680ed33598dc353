import type { PostWebhook } from '../core/flows/webhook-deliveries.js';
import { requestFailure } from '../delivery/request-failure.js';

/**
 * POSTs one webhook with fetch. A redirect is not followed — it is an answer other than 2xx,
 * so the attempt failed and the event never goes somewhere nobody subscribed — and the answer's
 * body is discarded.
 */
export const postWebhook: PostWebhook = async ({ url, headers, body, timeoutMs }) => {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return { status: response.status };
  } catch (error) {
    return { error: requestFailure(error, timeoutMs) };
  }
};
