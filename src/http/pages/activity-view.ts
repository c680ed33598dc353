import type { Amr, SecurityEvent } from '../../core/ports.js';
import { formatTime } from './format.js';
import { html, type SafeHtml } from './html.js';

const methodWords: Record<Amr, string> = {
  pwd: 'password',
  otp: 'authenticator app',
  sms: 'texted code',
  tel: 'called code',
  email: 'emailed code',
  hwk: 'security key',
  swk: 'passkey',
  user: 'fingerprint, face or PIN',
  mfa: 'two factors',
  recovery_code: 'recovery code',
  trusted_device: 'trusted device',
  magic_link: 'emailed sign-in link',
};

const methodsOf = (event: SecurityEvent) =>
  ((event.detail?.amr as Amr[] | undefined) ?? []).map((amr) => methodWords[amr] ?? amr).join(', ');

/** What each security event means to the person, in their words. */
const descriptions: Record<SecurityEvent['type'], (event: SecurityEvent) => string> = {
  sign_up: () => 'Account created',
  sign_in: (event) => `Signed in with ${methodsOf(event)}`,
  sign_in_failed: () => 'Sign-in refused: wrong password or passkey',
  sign_out: () => 'Signed out',
  password_changed: () => 'Password changed',
  second_factor_failed: () => 'Password accepted, but the second step failed',
  totp_replay: () => 'An authenticator code was used a second time and refused',
  account_locked: () => 'Locked after too many wrong codes',
  factor_added: () => 'Sign-in method added',
  factor_removed: () => 'Sign-in method removed',
  factor_renamed: () => 'Sign-in method renamed',
  primary_factor_changed: () => 'Primary sign-in method changed',
  mfa_disabled: () => 'Two-step verification turned off',
  mfa_reset: () => 'Two-step verification reset',
  mfa_setup_requested: () => 'Two-step verification requested for the next sign-in',
  mfa_setup_unlocked: () => 'Setting up again confirmed with the password and an emailed code',
  recovery_code_used: (event) => `Recovery code used (${String(event.detail?.remaining ?? '?')} left)`,
  recovery_codes_regenerated: () => 'New recovery codes made',
  email_verified: () => 'Email address confirmed',
  email_changed: () => 'Email address changed',
  send_refused: () => 'A code was not sent: sending limits reached',
  device_trusted: () => 'Device trusted',
  device_revoked: () => 'Trusted device revoked',
  session_revoked: () => 'Another session signed out',
  webauthn_counter_regressed: () => 'A security key answered like a copy and was blocked',
};

/** Events that mean something went wrong, or someone tried. */
const warnings = new Set<SecurityEvent['type']>([
  'sign_in_failed',
  'second_factor_failed',
  'totp_replay',
  'account_locked',
  'send_refused',
  'webauthn_counter_regressed',
]);

/** The person's recent security activity, newest first: what, when and from which IP. */
export function activitySection(events: SecurityEvent[]): SafeHtml {
  if (events.length === 0) return html``;
  return html`<h3 id="activity-title">Recent activity</h3>
    <p>If you do not recognise something here, change your password and review your sign-in methods.</p>
    <ul class="activity" aria-labelledby="activity-title">
      ${events.map(
        (event) => html`<li class="${warnings.has(event.type) ? 'activity-warning' : ''}">
          <span>${descriptions[event.type](event)}</span>
          <span class="hint">${formatTime(event.at)} · ${event.ip}</span>
        </li>`,
      )}
    </ul>`;
}
