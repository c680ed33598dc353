import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import { completeSignIn, type SignedIn } from './complete-sign-in.js';
import { findPendingSignIn } from './after-first-factor.js';
import { checkSecondFactor, type SecondFactorProof } from './second-factor-check.js';

const expired = () => new TesseraError('ERR_SIGN_IN_EXPIRED', 'Your sign-in has expired. Please sign in again.');

/**
 * The challenge step: the proof is checked against the user of this browser's pending sign-in,
 * never anyone else's, and the pending sign-in is consumed by exactly one success.
 */
export async function completeSecondFactor(
  deps: CoreDeps,
  input: { pendingToken: string; proof: SecondFactorProof; ip: string },
): Promise<SignedIn> {
  const pending = await findPendingSignIn(deps, input.pendingToken);
  if (!pending) throw expired();
  const user = await deps.store.users.findById(pending.userId);
  if (!user) throw expired();

  return checkSecondFactor(
    deps,
    user,
    { proof: input.proof, ip: input.ip, pendingSignInId: pending.id },
    async (store, match) => {
      if (!(await store.pendingSignIns.consume(pending.id, deps.clock.now()))) throw expired();
      return completeSignIn({ ...deps, store }, { user, amr: [...pending.amr, match.method], ip: input.ip, secondFactor: true });
    },
  );
}
