import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import { matchTotpStep, newTotpSecret, otpauthUri } from '../factors/totp.js';
import type { Factor, Session, User } from '../ports.js';
import { addFactor, assertPhoneFirst } from './add-factor.js';
import { assertFreshSecondFactor } from './fresh-second-factor.js';
import { confirmPassword } from './sign-in.js';

/** How long a person has to scan the QR code and type the first code. */
const enrollmentLifetimeMs = 15 * 60_000;

const enrollmentContext = (user: User, session: Session) => `totp-enrollment:${user.id}:${session.id}`;

export interface TotpEnrollment {
  /** Base32 secret for manual entry. */
  secret: string;
  otpauthUri: string;
  /**
   * The pending enrollment, sealed and bound to this user and session. Nothing is stored until
   * the first code proves the app has the secret, so an abandoned set-up leaves no trace.
   */
  enrollmentToken: string;
  expiresAt: number;
}

/** Starts adding an authenticator app; the password is asked again first, and a fresh second factor once one exists. */
export async function startTotpEnrollment(
  deps: CoreDeps,
  input: { user: User; session: Session; password: string; ip: string; userAgent?: string },
): Promise<TotpEnrollment> {
  await assertPhoneFirst(deps, input.user, 'an authenticator app');
  await assertFreshSecondFactor(deps, input.user, input.session);
  await confirmPassword(deps, { user: input.user, password: input.password, ip: input.ip, userAgent: input.userAgent });
  return newEnrollment(deps, input.user, input.session);
}

/**
 * Starts the first authenticator app of a person an app signed in to an MFA-only prompt moments
 * ago: the app's own login stands in for the password, which such a person does not have. Once
 * the person has any method, adding another goes through the security page's usual checks.
 */
export async function startFirstTotpEnrollmentInPrompt(
  deps: CoreDeps,
  input: { user: User; session: Session },
): Promise<TotpEnrollment> {
  if (!input.session.amr.includes('host') || (await deps.store.factors.listForUser(input.user.id)).length > 0) {
    throw new TesseraError('ERR_FRESH_FACTOR_REQUIRED', 'Add more sign-in methods on your Account security page.');
  }
  return newEnrollment(deps, input.user, input.session);
}

function newEnrollment(deps: CoreDeps, user: User, session: Session): TotpEnrollment {
  const secret = newTotpSecret(deps.random);
  const expiresAt = deps.clock.now() + enrollmentLifetimeMs;
  return {
    secret,
    otpauthUri: otpauthUri(secret, deps.settings.branding.productName, user.email, deps.settings.totp),
    enrollmentToken: deps.secretBox.seal(JSON.stringify({ secret, expiresAt }), enrollmentContext(user, session)),
    expiresAt,
  };
}

/** The enrollment behind a token, to show the QR code again after a wrong code; undefined once expired. */
export function describeTotpEnrollment(
  deps: CoreDeps,
  input: { user: User; session: Session; enrollmentToken: string },
): TotpEnrollment | undefined {
  const enrollment = openEnrollment(deps, input);
  if (!enrollment) return undefined;
  return {
    secret: enrollment.secret,
    otpauthUri: otpauthUri(enrollment.secret, deps.settings.branding.productName, input.user.email, deps.settings.totp),
    enrollmentToken: input.enrollmentToken,
    expiresAt: enrollment.expiresAt,
  };
}

function openEnrollment(
  deps: CoreDeps,
  input: { user: User; session: Session; enrollmentToken: string },
): { secret: string; expiresAt: number } | undefined {
  const opened = deps.secretBox.open(input.enrollmentToken, enrollmentContext(input.user, input.session));
  const enrollment = opened === undefined ? undefined : (JSON.parse(opened) as { secret: string; expiresAt: number });
  return enrollment && enrollment.expiresAt > deps.clock.now() ? enrollment : undefined;
}

/**
 * Finishes adding an authenticator app once a code from it is right (recovery codes are not
 * accepted here). The first factor comes with a new set of recovery codes, shown once.
 */
export async function confirmTotpEnrollment(
  deps: CoreDeps,
  input: { user: User; session: Session; enrollmentToken: string; code: string; label?: string; ip: string; userAgent?: string },
): Promise<{ factor: Factor; recoveryCodes: string[] | null }> {
  const now = deps.clock.now();
  const enrollment = openEnrollment(deps, input);
  if (!enrollment) {
    throw new TesseraError('ERR_ENROLLMENT_EXPIRED', 'This set-up has expired. Start again to get a new QR code.');
  }
  const step = matchTotpStep(enrollment.secret, input.code.trim(), now, deps.settings.totp);
  if (step === undefined) {
    throw new TesseraError('ERR_CODE_INVALID', 'That code is not right. Check the time on your phone and enter the newest code.');
  }

  return addFactor(deps, {
    user: input.user,
    kind: 'totp',
    label: input.label?.trim() || 'Authenticator app',
    secret: enrollment.secret,
    fingerprint: `totp-secret:${enrollment.secret}`,
    lastUsedStep: step,
    alreadyEnrolled: 'This authenticator app is already set up.',
    ip: input.ip,
    userAgent: input.userAgent,
  });
}

/**
 * Finishes the first authenticator app set up in an MFA-only prompt. Its first code was a second
 * factor passed just now, so the prompt's session rises to it (under a new token), as
 * "Confirm it's you" would raise it: the app learns the sign-in used two factors.
 */
export async function confirmFirstTotpInPrompt(
  deps: CoreDeps,
  input: Parameters<typeof confirmTotpEnrollment>[1],
): Promise<{ recoveryCodes: string[] | null; token: string }> {
  const { recoveryCodes } = await confirmTotpEnrollment(deps, input);
  const token = deps.random.bytes(32).toString('base64url');
  await deps.store.sessions.raiseAssurance(input.session.id, deps.keyedHash.hash(token), deps.clock.now(), ['otp']);
  return { recoveryCodes, token };
}
