import type { CoreDeps } from '../deps.js';
import { newId } from '../deps.js';
import type { SecurityEvent, Store } from '../ports.js';
import { enqueueWebhooks } from './webhook-enqueue.js';

/** Events that mean something went wrong, or someone tried. */
const failures = new Set<SecurityEvent['type']>([
  'sign_in_failed',
  'second_factor_failed',
  'totp_replay',
  'account_locked',
  'send_refused',
  'webauthn_counter_regressed',
]);

/** Changes to how the account is protected, and signs that someone holds the password. */
const noticed = new Set<SecurityEvent['type']>([
  'password_changed',
  'factor_added',
  'factor_removed',
  'mfa_enabled',
  'mfa_disabled',
  'mfa_reset',
  'mfa_setup_requested',
  'recovery_codes_regenerated',
  'recovery_code_used',
  'device_trusted',
  'second_factor_failed',
  'account_locked',
  'email_changed',
  'webauthn_counter_regressed',
  'account_deletion_scheduled',
  'account_deletion_cancelled',
  'operator_code_issued',
]);

/**
 * A wrong code while confirming a change comes from the person's own session, so it is only
 * logged; of assessed sign-ins, only the risky ones are told.
 */
const isNoticed = (event: SecurityEvent) =>
  (noticed.has(event.type) && !(event.type === 'second_factor_failed' && event.detail?.duringSignIn === false)) ||
  (event.type === 'sign_in_assessed' && event.detail?.confidence === 'low' && !event.detail.newAccount);

/**
 * Records a security event — the only way one is written — and, when it changes how the
 * account is protected, queues an email to the person in the same transaction: the notice is
 * there exactly when the change is. `alsoTell` is a further address to write to (the old one
 * after an email change). Webhook deliveries of the event are queued too (see `enqueueWebhooks`).
 */
export async function recordEvent(
  deps: CoreDeps,
  store: Store,
  event: Omit<SecurityEvent, 'outcome'>,
  alsoTell?: string,
): Promise<void> {
  const recorded: SecurityEvent = { ...event, outcome: failures.has(event.type) ? 'failure' : 'success' };
  await store.events.record(recorded);
  await enqueueWebhooks(deps, store, recorded);
  if (!deps.settings.securityNotices.enabled || recorded.userId === null || !isNoticed(recorded)) return;
  for (const recipient of alsoTell === undefined ? [''] : ['', alsoTell]) {
    await store.securityNotices.enqueue({ id: newId(deps.random), userId: recorded.userId, recipient, event: recorded });
  }
}
