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
  const user = pending && (await deps.store.users.findById(pending.userId));
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
  if (!pending) throw expired();
  const user = await deps.store.users.findById(pending.userId);
  if (!user) throw expired();

  return checkSecondFactor(
    deps,
    user,
    { proof: input.proof, ip: input.ip, userAgent: input.userAgent, binding: signInBinding(pending) },
    async (store, match) => {
      if (!(await store.pendingSignIns.consume(pending.id, deps.clock.now()))) throw expired();
      const amr = [...new Set([...pending.amr, ...amrOfMatch(match)])];
      const signedIn = await completeSignIn(
        { ...deps, store },
        { user, amr, ip: input.ip, userAgent: input.userAgent, secondFactor: true },
      );
      if (!input.trustDevice || deps.settings.trustedDevices.days === 0) return signedIn;
      return { ...signedIn, trustedDevice: await trustDevice(deps, store, { user, ip: input.ip, userAgent: input.userAgent }) };
    },
  );
}
