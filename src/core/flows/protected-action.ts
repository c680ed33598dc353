import type { CoreDeps } from '../deps.js';
import { newId } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { RequestOrigin, Session, Store, User } from '../ports.js';
import { amrOfMatch, checkSecondFactor, type SecondFactorProof } from './second-factor-check.js';
import type { CodeTarget } from './sign-in-codes.js';
import {
  actionPolicy,
  approvedAlready,
  bindingOf,
  pendingStepUp,
  requestStepUp,
  secondFactorsOf,
  sendStepUpCode,
} from './step-up.js';

/**
 * Runs a protected change inside its action's policy. For a person with a second factor, an
 * approval in this session that still covers the action lets it through; otherwise the proof
 * given with the request approves it, in the same transaction as the change, and is recorded
 * as the session's approval of the action for its window. People without a second factor pass
 * where the action allows the password: the flow's own password check is that fallback.
 */
export async function authorizeAction<T>(
  deps: CoreDeps,
  input: {
    user: User;
    session: Session;
    action: string;
    proof?: SecondFactorProof;
    /** The step-up a code was sent for (`sendActionCode`), which the proof then answers. */
    stepUpId?: string;
  } & RequestOrigin,
  change: (store: Store) => Promise<T>,
): Promise<T> {
  const policy = actionPolicy(deps, input.action);
  if ((await secondFactorsOf(deps, input.user)).length === 0) {
    if (policy.requirement === 'mfa') {
      throw new TesseraError('ERR_MFA_REQUIRED', `Set up two-step verification to ${policy.label.toLowerCase()}.`);
    }
    return deps.store.transaction(change);
  }
  if (await approvedAlready(deps, { session: input.session, action: input.action, policy })) {
    return deps.store.transaction(change);
  }
  if (!input.proof) {
    throw new TesseraError(
      'ERR_STEP_UP_REQUIRED',
      `Confirm it is you to ${policy.label.toLowerCase()}: enter a code from one of your sign-in methods, or a recovery code.`,
    );
  }
  const origin = { ip: input.ip, userAgent: input.userAgent };
  const sentFor = input.stepUpId === undefined ? undefined : await pendingStepUp(deps, input.session, input.stepUpId);
  if (sentFor && sentFor.action !== input.action) {
    throw new TesseraError('ERR_STEP_UP_EXPIRED', 'That code was sent for something else. Ask for a new one.');
  }
  const binding = sentFor && bindingOf(sentFor);
  return checkSecondFactor(deps, input.user, { proof: input.proof, binding, ...origin }, async (store, match) => {
    const now = deps.clock.now();
    const amr = amrOfMatch(match);
    if (sentFor) {
      if (!(await store.stepUps.approve(sentFor.id, amr, now))) {
        throw new TesseraError('ERR_STEP_UP_EXPIRED', 'That code was already used. Ask for a new one.');
      }
    } else {
      await store.stepUps.create({
        id: newId(deps.random),
        userId: input.user.id,
        sessionId: input.session.id,
        action: input.action,
        details: null,
        detailsHash: null,
        createdAt: now,
        expiresAt: now,
        approvedAt: now,
        amr,
        lastUsedAt: now,
      });
    }
    return change(store);
  });
}

/**
 * "Email me a code" (or text, or call) beside a protected change, for people whose second
 * factor is a code Tessera sends: a step-up for the action, and a code bound to it. Nothing is
 * sent when an approval in the session already covers the action.
 */
export async function sendActionCode(
  deps: CoreDeps,
  input: { user: User; session: Session; action: string; factorId?: string; channel?: CodeTarget['channel'] } & RequestOrigin,
): Promise<{ stepUpId: string; sentTo: string } | { covered: true }> {
  const outcome = await requestStepUp(deps, { user: input.user, session: input.session, action: input.action });
  if (outcome.status === 'satisfied') return { covered: true };
  const sent = await sendStepUpCode(deps, { ...input, stepUpId: outcome.stepUp.id });
  return { stepUpId: outcome.stepUp.id, sentTo: sent.sentTo };
}
