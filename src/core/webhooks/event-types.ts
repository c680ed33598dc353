import type { SecurityEvent, WebhookEventType } from '../ports.js';

interface Source {
  /** The security event it is drawn from. */
  from: SecurityEvent['type'];
  /** Which of those events count, when not all of them do. */
  when?: (detail: Record<string, unknown>) => boolean;
  /** The fields of the event's detail that the webhook carries in `data`, besides `ip` and `userAgent`. */
  data: string[];
}

/**
 * A sign-in is risky when the assessment left low confidence, or asked for the second factor
 * because of what it found (at `adaptive.challengeAt: medium`). A sign-in that made the account
 * finds everything new, so it is not.
 */
const risky = (detail: Record<string, unknown>) =>
  (detail.confidence === 'low' || detail.decision === 'challenged') && detail.newAccount !== true;

/** Each webhook event type and the security events it is made of: the closed list of docs/webhooks.md. */
const sources: Record<WebhookEventType, Source> = {
  'factor.added': { from: 'factor_added', data: ['factorId', 'kind', 'label'] },
  'factor.removed': { from: 'factor_removed', data: ['factorId', 'kind', 'label'] },
  'mfa.enabled': { from: 'mfa_enabled', data: [] },
  'mfa.disabled': { from: 'mfa_disabled', data: ['factorsRemoved', 'devicesRevoked'] },
  'mfa.reset': { from: 'mfa_reset', data: ['factorsRemoved', 'by'] },
  'account.locked': { from: 'account_locked', data: ['minutes'] },
  'sign_in.risky': {
    from: 'sign_in_assessed',
    when: risky,
    data: ['confidence', 'score', 'decision', 'place', 'browser', 'signals'],
  },
  'recovery_code.used': { from: 'recovery_code_used', data: ['remaining'] },
};

/** Every webhook event type, in the documented order. */
export const webhookEventTypes = Object.keys(sources) as WebhookEventType[];

export const isWebhookEventType = (type: string): type is WebhookEventType => Object.hasOwn(sources, type);

/** The webhook event a security event makes, with the data it carries; undefined for the events webhooks do not tell. */
export function webhookEventOf(event: SecurityEvent): { type: WebhookEventType; data: Record<string, unknown> } | undefined {
  const detail = event.detail ?? {};
  const type = webhookEventTypes.find((candidate) => {
    const source = sources[candidate];
    return source.from === event.type && (source.when?.(detail) ?? true);
  });
  if (!type) return undefined;
  const data: Record<string, unknown> = { ip: event.ip, userAgent: event.userAgent ?? null };
  for (const field of sources[type].data) if (detail[field] !== undefined) data[field] = detail[field];
  return { type, data };
}
