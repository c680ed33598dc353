import { createHmac, timingSafeEqual } from 'node:crypto';

/** The security events Tessera's webhooks tell, as documented in Tessera's docs/webhooks.md. */
export type WebhookEventType =
  | 'factor.added'
  | 'factor.removed'
  | 'mfa.enabled'
  | 'mfa.disabled'
  | 'mfa.reset'
  | 'account.locked'
  | 'sign_in.risky'
  | 'recovery_code.used';

/** One webhook delivery's body: a security event of one person. */
export interface WebhookEvent {
  /** The delivery's id, the same at every retry: keep the ids you handled to ignore a repeat. */
  id: string;
  type: WebhookEventType;
  /** When it happened, ISO 8601 in UTC. */
  occurredAt: string;
  user: { id: string; email: string };
  /** The organization of the subscription, for one that hears an organization's members; null for the whole instance. */
  organizationId: string | null;
  /** What happened: `ip` and `userAgent` of the request, and the fields of the event's type. */
  data: Record<string, unknown>;
}

/** Why a webhook request was refused, as a stable `code`. */
export class WebhookRefused extends Error {
  override name = 'WebhookRefused';
  constructor(
    readonly code: 'missing_header' | 'bad_signature' | 'stale_timestamp' | 'bad_body',
    message: string,
  ) {
    super(message);
  }
}

export interface VerifyWebhookOptions {
  /** The request body exactly as it arrived: parsing JSON and serialising it again changes the bytes that were signed. */
  body: string | Uint8Array;
  /** The request's headers: Node's `IncomingHttpHeaders`, a fetch `Headers`, or a plain record (names in any case). */
  headers: Headers | Record<string, string | string[] | undefined>;
  /** The subscription's signing secret, as Tessera showed it when the webhook was added (`whsec_…`). */
  secret: string;
  /** How far the request's timestamp may be from now, either way, in seconds. Default: 300. */
  toleranceSeconds?: number;
  /** The time to check the timestamp against. Default: now. */
  now?: Date;
}

function header(headers: VerifyWebhookOptions['headers'], name: string): string {
  let value: string | string[] | null | undefined;
  if (headers instanceof Headers) value = headers.get(name);
  else value = Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  if (Array.isArray(value)) value = value[0];
  if (!value) throw new WebhookRefused('missing_header', `The request has no ${name} header.`);
  return value;
}

/**
 * Checks a webhook request from Tessera and returns its event: the `Tessera-Webhook-Signature`
 * (`v1=` and the hex HMAC-SHA256, under `secret`, of `Tessera-Webhook-Timestamp`, a dot and the
 * raw body) compared in constant time, the timestamp within `toleranceSeconds` of now (so a
 * captured request cannot be replayed later), and the `Tessera-Webhook-Id` that of the body.
 * Throws `WebhookRefused` otherwise; answer such a request with 400 and do not act on it.
 */
export function verifyWebhook(options: VerifyWebhookOptions): WebhookEvent {
  const { toleranceSeconds = 300 } = options;
  const id = header(options.headers, 'tessera-webhook-id');
  const timestamp = header(options.headers, 'tessera-webhook-timestamp');
  const signature = header(options.headers, 'tessera-webhook-signature');
  const body = typeof options.body === 'string' ? Buffer.from(options.body, 'utf8') : Buffer.from(options.body);

  const expected = createHmac('sha256', options.secret).update(`${timestamp}.`).update(body).digest();
  const given = /^v1=([0-9a-f]{64})$/.exec(signature)?.[1];
  if (!given || !timingSafeEqual(Buffer.from(given, 'hex'), expected)) {
    throw new WebhookRefused('bad_signature', 'The signature does not match the body and timestamp under this secret.');
  }
  const seconds = Number(timestamp);
  const nowSeconds = (options.now ?? new Date()).getTime() / 1000;
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - seconds) > toleranceSeconds) {
    throw new WebhookRefused('stale_timestamp', `The timestamp is more than ${toleranceSeconds} s away from now.`);
  }
  let event: WebhookEvent;
  try {
    event = JSON.parse(body.toString('utf8')) as WebhookEvent;
  } catch {
    throw new WebhookRefused('bad_body', 'The body is not JSON.');
  }
  if (event?.id !== id) throw new WebhookRefused('bad_body', 'The body is not the delivery the Tessera-Webhook-Id header names.');
  return event;
}
