import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { ChallengeBinding, PendingSignIn } from '../ports.js';
import { completeSignIn, type SignedIn } from './complete-sign-in.js';
import { findPendingSignIn } from './after-first-factor.js';
import { trustDevice } from './trusted-devices.js';
import { secondFactorKeyOptions } from './webauthn-assertion.js';
import { amrOfMatch, checkSecondFactor, type SecondFactorProof } from './second-factor-check.js';

/** Options for answering this browser's pending sign-in with a security key or biometric. */
export async function signInKeyOptions(deps: CoreDeps, pendingToken: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const pending = await findPendingSignIn(deps, pendingToken);
  // A passwordless sign-in has no first factor yet: answering it here would tell an address with an account from one without.
  const user = pending && pending.amr.length > 0 ? await deps.store.users.findById(pending.userId) : undefined;
  if (!pending || !user) throw expired();
  return secondFactorKeyOptions(deps, { user, binding: signInBinding(pending) });
}

const signInBinding = (pending: PendingSignIn): ChallengeBinding => ({
  purpose: 'sign_in',
  id: pending.id,
  firstFactorId: pending.firstFactorId,
});

const expired = () => new TesseraError('ERR_SIGN_IN_EXPIRED', 'Your sign-in has expired. Please sign in again.');

/**
 * The challenge step: the proof is checked against the user of this browser's pending sign-in,
 * never anyone else's, and the pending sign-in is consumed by exactly one success. With
 * `trustDevice`, the browser is trusted for the configured days in the same transaction.
 */
export async function completeSecondFactor(
  deps: CoreDeps,
  input: { pendingToken: string; proof: SecondFactorProof; ip: string; userAgent?: string; trustDevice?: boolean },
): Promise<SignedIn & { trustedDevice?: { token: string; expiresAt: number } }> {
  const pending = await findPendingSignIn(deps, input.pendingToken);
  // A passwordless sign-in has no first factor yet: its code is answered by `completePasswordless`.
  if (!pending || pending.amr.length === 0) throw expired();
  const user = await deps.store.users.findById(pending.userId);
  if (!user) throw expired();

  return checkSecondFactor(
    deps,
    user,
    { proof: input.proof, ip: input.ip, userAgent: input.userAgent, binding: signInBinding(pending), operatorCode: true },
    async (store, match) => {
      if (!(await store.pendingSignIns.consume(pending.id, deps.clock.now()))) throw expired();
      const amr = [...new Set([...pending.amr, ...amrOfMatch(match)])];
      const signedIn = await completeSignIn(
        { ...deps, store },
        { user, amr, ip: input.ip, userAgent: input.userAgent, secondFactor: true, riskAssessmentId: pending.riskAssessmentId },
      );
      if (!input.trustDevice || deps.settings.trustedDevices.days === 0) return signedIn;
      return { ...signedIn, trustedDevice: await trustDevice(deps, store, { user, ip: input.ip, userAgent: input.userAgent }) };
    },
  );
}

/** Every failure of a passwordless code answers alike, so an address without an account looks like a wrong code. */
const wrongCode = () =>
  new TesseraError('ERR_CODE_INVALID', 'That code is not right, or it has expired. Check it and try again.');

/**
 * Finishes signing in without a password: one code — from the app, the emailed one, or a
 * recovery code — is the whole sign-in, so the session is a single factor (aal 1). The pending
 * sign-in is consumed by exactly one success; the account budget counts every wrong code.
 */
export async function completePasswordless(
  deps: CoreDeps,
  input: { pendingToken: string; proof: SecondFactorProof; ip: string; userAgent?: string },
): Promise<SignedIn> {
  // A recovery code stands in for a second factor only: it is never the one factor of a sign-in.
  if ('recoveryCode' in input.proof) throw wrongCode();
  const pending = await findPendingSignIn(deps, input.pendingToken);
  const user = pending && pending.amr.length === 0 ? await deps.store.users.findById(pending.userId) : undefined;
  if (!pending || !user || !deps.settings.signIn.passwordless) throw wrongCode();
  const origin = { ip: input.ip, userAgent: input.userAgent };
  try {
    return await checkSecondFactor(
      deps,
      user,
      { proof: input.proof, ...origin, binding: signInBinding(pending) },
      async (store, match) => {
        if (!(await store.pendingSignIns.consume(pending.id, deps.clock.now()))) throw wrongCode();
        return completeSignIn({ ...deps, store }, { user, amr: amrOfMatch(match), ...origin });
      },
    );
  } catch (error) {
    // An address without an account never locks, so a lock here would say the account exists:
    // it answers as a wrong code, and the person hears of it from the lock's emailed notice.
    if (error instanceof TesseraError && (error.code === 'ERR_CODE_INVALID' || error.code === 'ERR_LOCKED')) throw wrongCode();
    throw error;
  }
}
