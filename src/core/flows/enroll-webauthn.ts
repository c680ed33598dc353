import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import { type RegistrationResponseJSON, registrationOptions, verifyRegistration } from '../factors/webauthn.js';
import type { Factor, Session, User } from '../ports.js';
import { addFactor, assertPhoneFirst } from './add-factor.js';
import { assertFreshSecondFactor } from './fresh-second-factor.js';
import { confirmPassword } from './sign-in.js';
import { issueWebAuthnChallenge, takeWebAuthnChallenge } from './webauthn-challenges.js';

export type WebAuthnKind = 'security_key' | 'biometric';

const defaultLabels: Record<WebAuthnKind, string> = { security_key: 'Security key', biometric: 'This device' };
const described: Record<WebAuthnKind, string> = { security_key: 'a security key', biometric: 'a fingerprint or face' };

/**
 * Starts registering a security key (or a phone used as one) or this device's biometric sensor;
 * the password is asked again first. A biometric comes only after another method exists, as a
 * quicker way in rather than the only one. Nothing is stored but the challenge.
 */
export async function startWebAuthnEnrollment(
  deps: CoreDeps,
  input: {
    user: User;
    session: Session;
    kind: WebAuthnKind;
    device: 'key' | 'phone';
    password: string;
    ip: string;
    userAgent?: string;
  },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await deps.store.factors.listForUser(input.user.id);
  if (input.kind === 'biometric' && existing.length === 0) {
    throw new TesseraError(
      'ERR_OTHER_FACTOR_FIRST',
      'Add an authenticator app, a security key or a phone number first; a fingerprint or face can come after that.',
    );
  }
  await assertPhoneFirst(deps, input.user, described[input.kind]);
  await assertFreshSecondFactor(deps, input.user, input.session);
  await confirmPassword(deps, input);
  const challenge = await issueChallenge(deps, input.user, input.kind);
  return registrationOptions(deps.settings, {
    userId: input.user.id,
    email: input.user.email,
    kind: input.kind,
    device: input.device,
    challenge,
    existing,
  });
}

const issueChallenge = (deps: CoreDeps, user: User, kind: WebAuthnKind) =>
  issueWebAuthnChallenge(deps, { purpose: 'register', userId: user.id, pendingSignInId: null, kind });

/**
 * Finishes the registration with the authenticator's answer: its challenge must be this
 * person's, unused and unexpired; presence is always required, verification for a biometric and
 * wherever keys must verify at sign-in (a key that cannot would never pass).
 * The first method comes with a new set of recovery codes, shown once.
 */
export async function confirmWebAuthnEnrollment(
  deps: CoreDeps,
  input: { user: User; response: RegistrationResponseJSON; label?: string; ip: string; userAgent?: string },
): Promise<{ factor: Factor; recoveryCodes: string[] | null }> {
  const taken = await takeWebAuthnChallenge(deps, input.response);
  const kind = taken?.issued.kind;
  if (!taken || taken.issued.purpose !== 'register' || taken.issued.userId !== input.user.id || !kind) {
    throw new TesseraError('ERR_ENROLLMENT_EXPIRED', 'This set-up has expired or was already used. Start again.');
  }
  const registered = await verifyRegistration(deps.settings, {
    response: input.response,
    challenge: taken.challenge,
    requireUserVerification: kind === 'biometric' || deps.settings.webauthn.secondFactorUserVerification === 'required',
  });
  if (!registered) {
    throw new TesseraError(
      'ERR_WEBAUTHN_FAILED',
      kind === 'biometric'
        ? 'Your device did not confirm it was you. Try again, and use your fingerprint, face or device PIN when asked.'
        : 'The security key’s answer could not be verified. Try again, or use another key.',
    );
  }
  return addFactor(deps, {
    user: input.user,
    kind,
    label: input.label?.trim() || defaultLabels[kind],
    secret: registered.publicKey,
    fingerprint: `webauthn:${registered.credential.credentialId}`,
    lastUsedStep: null,
    alreadyEnrolled: 'This security key is already registered.',
    ip: input.ip,
    userAgent: input.userAgent,
    webauthn: registered.credential,
  });
}
