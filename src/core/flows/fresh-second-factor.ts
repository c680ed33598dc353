import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { Session, User } from '../ports.js';
import { amrOfMatch, checkSecondFactor, type SecondFactorProof } from './second-factor-check.js';
import { actionPolicy, approvedAlready } from './step-up.js';

/**
 * Whether this session may change how the person signs in without confirming first (the
 * `factor.add` protected action): there is no second factor yet; or one was passed in this
 * session within the action's window, or approved the action; or every factor was set up in
 * this session, within that window (no factor existed to be bypassed).
 */
export async function mayChangeSignInMethods(deps: CoreDeps, user: User, session: Session): Promise<boolean> {
  const factors = await deps.store.factors.listForUser(user.id);
  if (factors.length === 0) return true;
  const now = deps.clock.now();
  const policy = actionPolicy(deps, 'factor.add');
  const window = policy.windowSeconds * 1000;
  if (session.mfaAt !== null && now - session.mfaAt <= window) return true;
  if (await approvedAlready(deps, { session, action: 'factor.add', policy })) return true;
  const firstSetUp = Math.min(...factors.map((factor) => factor.createdAt));
  return firstSetUp >= session.authTime && now - firstSetUp <= window;
}

/**
 * Re-entering setup (adding a method once two-step verification is on) needs a fresh second
 * factor: a signed-in browser left unattended, or a stolen password, is not enough.
 */
export async function assertFreshSecondFactor(deps: CoreDeps, user: User, session: Session): Promise<void> {
  if (await mayChangeSignInMethods(deps, user, session)) return;
  throw new TesseraError('ERR_FRESH_FACTOR_REQUIRED', 'Confirm it is you with one of your sign-in methods first.');
}

/**
 * Confirms the person with a second factor inside a session: the session reaches aal 2, its
 * second factor is fresh again, the method used joins its `amr` (a key's makes it phishing-resistant),
 * and its token is replaced, since its assurance rose.
 */
export async function confirmSecondFactor(
  deps: CoreDeps,
  input: { user: User; session: Session; proof: SecondFactorProof; ip: string; userAgent?: string },
): Promise<{ token: string }> {
  const attempt = { proof: input.proof, ip: input.ip, userAgent: input.userAgent };
  return checkSecondFactor(deps, input.user, attempt, async (store, match) => {
    const token = deps.random.bytes(32).toString('base64url');
    await store.sessions.raiseAssurance(input.session.id, deps.keyedHash.hash(token), deps.clock.now(), amrOfMatch(match));
    return { token };
  });
}
