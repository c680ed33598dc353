import type { CoreDeps } from '../deps.js';
import { newId } from '../deps.js';
import type { Amr, Session, User } from '../ports.js';
import { cancelScheduledDeletion } from './delete-account.js';
import { enforcementAt, mfaRequirementOf } from './mfa-policy.js';
import { recordEvent } from './security-events.js';

export interface SignedIn {
  user: User;
  session: Session;
  /** The bearer token for the cookie; only its keyed hash is stored. */
  token: string;
}

/**
 * The one place a session is created. Every sign-in ends here after `afterFirstFactor` (and,
 * when required, `completeSecondFactor`), so a new token is issued at each sign-in and no path
 * can mint a session on its own. A sign-in on a trusted device reaches aal 2 without a second
 * factor in this session, so `mfaAt` stays empty and protected actions still ask for one.
 * Signing in while the account waits to be deleted keeps it. Where a policy requires two-step
 * verification of someone who has not set it up, the session reaches only setting it up.
 */
export async function completeSignIn(
  deps: CoreDeps,
  input: {
    user: User;
    amr: Amr[];
    ip: string;
    userAgent?: string;
    secondFactor?: boolean;
    trustedDevice?: boolean;
    /** The account was created just now: its session is not a sign-in the grace counts. */
    newAccount?: boolean;
    /** An upstream provider's MFA applies: Tessera's requirement is not enforced on this session. */
    mfaExempt?: boolean;
    /** The risk assessment of this sign-in, which becomes evidence of the person's devices and places. */
    riskAssessmentId?: string | null;
  },
): Promise<SignedIn> {
  const now = deps.clock.now();
  const enrollmentOnly = !input.mfaExempt && (await enforceAtSignIn(deps, input.user, now, input.newAccount ?? false));
  const token = deps.random.bytes(32).toString('base64url');
  const session: Session = {
    id: newId(deps.random),
    userId: input.user.id,
    tokenHash: deps.keyedHash.hash(token),
    aal: input.secondFactor || input.trustedDevice ? 2 : 1,
    amr: input.amr,
    authTime: now,
    mfaAt: input.secondFactor ? now : null,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + deps.settings.sessions.absoluteTimeoutHours * 3_600_000,
    ip: input.ip,
    userAgent: input.userAgent?.slice(0, 512) ?? null,
    enrollmentOnly,
  };
  // One transaction (joining the caller's, as at the second step), begun by a write so that on
  // SQLite it never has to upgrade a read: a crash leaves the session whole, with its sign-in
  // event, or no session at all.
  await deps.store.transaction(async (store) => {
    await store.sessions.create(session);
    if (input.riskAssessmentId) await store.riskAssessments.markCompleted(input.riskAssessmentId, now);
    await recordEvent(deps, store, {
      type: 'sign_in',
      userId: input.user.id,
      ip: input.ip,
      userAgent: input.userAgent,
      at: now,
      detail: { amr: input.amr },
    });
    await cancelScheduledDeletion({ ...deps, store }, input.user, input);
  });
  return { user: { ...input.user, deletionDueAt: null }, session, token };
}

/**
 * Applies the person's two-step verification requirement as the session is made: inside the
 * grace period the sign-in is counted; after it, the session reaches only setting up, and when
 * an existing account has no method at all, binding one needs the password and a code to the
 * confirmed address first, so a stolen password cannot enroll the thief's phone. An account
 * made just now has nothing to steal: its maker sets up at once.
 */
async function enforceAtSignIn(deps: CoreDeps, user: User, now: number, newAccount: boolean): Promise<boolean> {
  const requirement = await mfaRequirementOf(deps, user);
  const factors = await deps.store.factors.listForUser(user.id);
  const stance = enforcementAt(requirement, user, factors, now);
  if (stance === 'grace' && !newAccount) await deps.store.users.countGraceSignIn(user.id, now);
  if (stance === 'enroll' && !newAccount && factors.length === 0 && user.mfaResetAt === null) {
    await deps.store.users.setMfaSetup(user.id, { required: true, resetAt: now });
  }
  return stance === 'enroll';
}
