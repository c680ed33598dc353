import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { Factor, RequestOrigin, Session, Store, User } from '../ports.js';
import { removeEveryFactor } from './manage-factors.js';
import { authorizeAction } from './protected-action.js';
import type { SecondFactorProof } from './second-factor-check.js';
import { type CodeSent, sendCode } from './send-code.js';
import { confirmPassword } from './sign-in.js';
import { takeOobCode } from './take-oob-code.js';
import { recordEvent } from './security-events.js';

/**
 * Turning two-step verification on later: with the password and a clear yes, the person's next
 * sign-in leads them through setting up a method.
 */
export async function requireMfaAtNextSignIn(
  deps: CoreDeps,
  input: { user: User; password: string; ip: string; userAgent?: string },
): Promise<void> {
  if ((await deps.store.factors.listForUser(input.user.id)).length > 0) {
    throw new TesseraError('ERR_ALREADY_ENROLLED', 'Two-step verification is already on.');
  }
  await confirmPassword(deps, input);
  await deps.store.users.setMfaSetup(input.user.id, { required: true, resetAt: input.user.mfaResetAt });
  await recordEvent(deps, deps.store, {
    type: 'mfa_setup_requested',
    userId: input.user.id,
    ip: input.ip,
    userAgent: input.userAgent,
    at: deps.clock.now(),
  });
}

/**
 * Resets two-step verification after a current second factor: every factor, recovery code,
 * trusted device and session goes, and the next sign-in leads through setup, which first needs
 * the password and a code sent to the verified address.
 */
export async function resetMfa(
  deps: CoreDeps,
  input: { user: User; session: Session; proof?: SecondFactorProof; stepUpId?: string; ip: string; userAgent?: string },
): Promise<void> {
  const factors = await resettableFactors(deps, input.user);
  await authorizeAction(deps, { ...input, action: 'mfa.reset' }, (store) =>
    applyMfaReset(deps, store, input.user, factors, input),
  );
}

/** The factors a reset removes; refused when there are none, or when the address that unlocks setting up again is unconfirmed. */
export async function resettableFactors(deps: CoreDeps, user: User): Promise<Factor[]> {
  const factors = await deps.store.factors.listForUser(user.id);
  if (factors.length === 0) throw new TesseraError('ERR_MFA_NOT_ENABLED', 'Two-step verification is not on.');
  if (user.emailVerifiedAt === null) {
    throw new TesseraError(
      'ERR_EMAIL_UNVERIFIED',
      'Confirm the email address first: setting up again after a reset needs a code sent to it.',
    );
  }
  return factors;
}

/** Removes every factor, recovery code, trusted device and session, and locks setting up again behind the password and an emailed code. */
export async function applyMfaReset(
  deps: CoreDeps,
  store: Store,
  user: User,
  factors: Factor[],
  origin: RequestOrigin,
  by?: string,
): Promise<void> {
  const now = deps.clock.now();
  await removeEveryFactor(store, user, factors);
  await store.sessions.deleteAllForUser(user.id);
  await store.users.setMfaSetup(user.id, { required: true, resetAt: now });
  await recordEvent(deps, store, {
    type: 'mfa_reset',
    userId: user.id,
    ip: origin.ip,
    userAgent: origin.userAgent,
    at: now,
    detail: { factorsRemoved: factors.length, ...(by ? { by } : {}) },
  });
}

const notLocked = () => new TesseraError('ERR_INVALID_INPUT', 'Setting up two-step verification is not locked; go ahead.');

/** Sends the code that, with the password, unlocks setting up a factor after a reset; only to the verified address. */
export function sendSetupUnlockCode(deps: CoreDeps, input: { user: User; ip: string; userAgent?: string }): Promise<CodeSent> {
  if (input.user.mfaResetAt === null) throw notLocked();
  return sendCode(deps, {
    user: input.user,
    address: input.user.email,
    purpose: 'unlock_setup',
    pendingSignInId: null,
    factorId: null,
    ip: input.ip,
    userAgent: input.userAgent,
  });
}

/** Unlocks setting up a factor again after a reset, with the password and the emailed code together. */
export async function unlockSetup(
  deps: CoreDeps,
  input: { user: User; password: string; code: string; ip: string; userAgent?: string },
): Promise<void> {
  if (input.user.mfaResetAt === null) throw notLocked();
  await confirmPassword(deps, input);
  const challenge = await deps.store.oobChallenges.find(input.user.id, 'unlock_setup', null, deps.clock.now());
  if (!challenge || !(await takeOobCode(deps, challenge, input.code.trim()))) {
    throw new TesseraError('ERR_CODE_INVALID', 'That code is not right, or it expired. Ask for a new one.');
  }
  await deps.store.users.setMfaSetup(input.user.id, { required: input.user.mfaSetupRequired, resetAt: null });
  await recordEvent(deps, deps.store, {
    type: 'mfa_setup_unlocked',
    userId: input.user.id,
    ip: input.ip,
    userAgent: input.userAgent,
    at: deps.clock.now(),
  });
}
