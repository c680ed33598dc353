import type { Amr, Factor, RiskAssessment, RiskSignal, SecurityEvent } from './ports.js';

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
  sso: 'single sign-on',
  operator_code: 'code from support',
  host: 'the app’s own sign-in',
};

const factorWords: Record<Factor['kind'], string> = {
  totp: 'Authenticator app',
  email: 'Email codes',
  phone: 'Phone number',
  security_key: 'Security key',
  biometric: 'Fingerprint, face or PIN',
};

const methodsOf = (event: SecurityEvent) =>
  ((event.detail?.amr as Amr[] | undefined) ?? []).map((amr) => methodWords[amr] ?? amr).join(', ');

/** "Security key “Blue YubiKey”", or "Sign-in method" for events recorded before kinds were. */
function factorOf(event: SecurityEvent): string {
  const kind = factorWords[event.detail?.kind as Factor['kind']] ?? 'Sign-in method';
  const label = typeof event.detail?.label === 'string' ? event.detail.label : undefined;
  return label && label !== kind ? `${kind} “${label}”` : kind;
}

const decisionWords: Record<RiskAssessment['decision'], string> = {
  challenged: 'asked for the second step',
  not_challenged: 'not asked for the second step',
  trusted_device: 'a trusted device, not asked for the second step',
  multi_factor: 'a passkey that counts as two steps',
  no_second_factor: 'no second step to ask for',
};

/** "New sign-in from Sydney, Australia on Chrome 156 on Windows: <evidence>; asked for the second step". */
function assessmentOf(event: SecurityEvent): string {
  const detail = event.detail ?? {};
  const evidence = ((detail.signals as RiskSignal[] | undefined) ?? []).map((signal) => signal.evidence).join('; ');
  const decision = decisionWords[detail.decision as RiskAssessment['decision']] ?? String(detail.decision);
  const where = `from ${String(detail.place)} on ${String(detail.browser)}`;
  if (detail.newAccount) return `Account created ${where}; its device and place are remembered`;
  if (detail.confidence === 'low') return `New sign-in ${where}: ${evidence}; ${decision}`;
  return `Sign-in ${where} at ${String(detail.confidence)} confidence${evidence ? ` (${evidence})` : ''}; ${decision}`;
}

/** What each security event means to the person, in their words. */
const descriptions: Record<SecurityEvent['type'], (event: SecurityEvent) => string> = {
  sign_up: () => 'Account created',
  sign_in: (event) => `Signed in with ${methodsOf(event)}`,
  sign_in_failed: () => 'Sign-in refused: wrong password or passkey',
  sign_out: () => 'Signed out',
  password_changed: (event) => (event.detail?.reset ? 'Password reset through an emailed link' : 'Password changed'),
  second_factor_failed: (event) =>
    event.detail?.duringSignIn === false
      ? 'A wrong code was entered to confirm a change'
      : 'Password accepted, but the second step failed',
  totp_replay: () => 'An authenticator code was used a second time and refused',
  account_locked: (event) => `Locked for ${String(event.detail?.minutes ?? 'some')} minutes after too many wrong codes`,
  factor_added: (event) => `${factorOf(event)} added`,
  factor_removed: (event) => `${factorOf(event)} removed`,
  factor_renamed: () => 'Sign-in method renamed',
  primary_factor_changed: () => 'Primary sign-in method changed',
  mfa_enabled: () => 'Two-step verification turned on',
  mfa_disabled: () => 'Two-step verification turned off',
  mfa_reset: (event) =>
    typeof event.detail?.by === 'string' ? `Two-step verification reset by ${event.detail.by}` : 'Two-step verification reset',
  mfa_setup_requested: () => 'Two-step verification requested for the next sign-in',
  mfa_setup_unlocked: () => 'Setting up again confirmed with the password and an emailed code',
  recovery_code_used: (event) => `Recovery code used (${String(event.detail?.remaining ?? '?')} left)`,
  recovery_codes_regenerated: () => 'New recovery codes made; the old ones no longer work',
  email_verified: () => 'Email address confirmed',
  email_changed: (event) =>
    typeof event.detail?.to === 'string' ? `Email address changed to ${event.detail.to}` : 'Email address changed',
  send_refused: () => 'A code was not sent: sending limits reached',
  device_trusted: () => 'Device trusted: it skips the second step for a while',
  device_revoked: () => 'Trusted device revoked',
  session_revoked: () => 'Another session signed out',
  webauthn_counter_regressed: () => 'A security key answered like a copy and was blocked',
  step_up_approved: (event) => `Approved: ${String(event.detail?.label ?? event.detail?.action ?? 'a protected action')}`,
  account_deleted: () => 'Account deleted',
  account_deletion_scheduled: () => 'Account deletion scheduled',
  account_deletion_cancelled: () => 'Account deletion cancelled by signing in',
  org_policy_changed: (event) => `Changed the two-step verification policy of ${String(event.detail?.org ?? 'an organization')}`,
  org_member_changed: (event) =>
    event.detail?.role
      ? `Made ${String(event.detail.member)} ${String(event.detail.role)} of ${String(event.detail.org)}`
      : `Removed ${String(event.detail?.member)} from ${String(event.detail?.org)}`,
  account_unlocked: (event) => `Unlocked by ${String(event.detail?.by ?? 'an administrator')}`,
  sign_in_assessed: assessmentOf,
  operator_code_issued: (event) => `Support issued a one-time sign-in code (${String(event.detail?.operator ?? 'an operator')})`,
  api_key_created: (event) =>
    `API key “${String(event.detail?.name)}” created with the scopes ${((event.detail?.scopes as string[] | undefined) ?? []).join(', ')}`,
  api_key_revoked: (event) => `API key “${String(event.detail?.name)}” revoked`,
};

export function describeEvent(event: SecurityEvent): string {
  return descriptions[event.type](event);
}
