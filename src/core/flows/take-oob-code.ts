import { constantTimeEqual } from '../constant-time.js';
import type { CoreDeps } from '../deps.js';
import type { OobChallenge } from '../ports.js';

/**
 * Spends one attempt on a challenge and, if the code is its code, consumes it: true for
 * exactly one right answer, whatever runs in parallel.
 */
export async function takeOobCode(deps: CoreDeps, challenge: OobChallenge, code: string): Promise<boolean> {
  if (!(await deps.store.oobChallenges.claimAttempt(challenge.id, deps.settings.emailCodes.maxAttempts, deps.clock.now())))
    return false;
  const candidates = deps.keyedHash.candidates(`oob:${challenge.id}:${code}`);
  if (!candidates.some((candidate) => constantTimeEqual(candidate, challenge.codeHash))) return false;
  return deps.store.oobChallenges.consume(challenge.id);
}
