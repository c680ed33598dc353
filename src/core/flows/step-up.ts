import { createHash } from 'node:crypto';
import type { ProtectedAction } from '../../config.js';
import type { CoreDeps } from '../deps.js';
import { newId } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { Amr, ChallengeBinding, Factor, GrantClaims, RequestOrigin, Session, StepUp, User } from '../ports.js';
import { methodsOf, type SecondFactorMethod } from './after-first-factor.js';
import { amrOfMatch, checkSecondFactor, type SecondFactorProof } from './second-factor-check.js';
import { recordEvent } from './security-events.js';
import { type CodeSent, sendCode } from './send-code.js';
import { codeTargetsOf, type CodeTarget } from './sign-in-codes.js';
import { confirmPassword } from './sign-in.js';
import { secondFactorKeyOptions } from './webauthn-assertion.js';

export type StepUpMethod = SecondFactorMethod | 'password';

export type StepUpOutcome =
  | { status: 'satisfied'; grant: string; expiresAt: number; detailsHash: string | null }
  | {
      status: 'challenge_required';
      stepUp: StepUp;
      label: string;
      methods: StepUpMethod[];
      codeTargets: CodeTarget[];
    };

/** The factors that can approve a step-up: none where two-step verification is switched off, so the password does. */
export async function secondFactorsOf(deps: CoreDeps, user: User): Promise<Factor[]> {
  return deps.settings.mfa.enabled ? deps.store.factors.listForUser(user.id) : [];
}

/** The configured policy of a protected action; an action nobody configured is refused. */
export function actionPolicy(deps: CoreDeps, action: string): ProtectedAction {
  const policy = Object.hasOwn(deps.settings.stepUp.actions, action) ? deps.settings.stepUp.actions[action] : undefined;
  if (!policy) throw new TesseraError('ERR_UNKNOWN_ACTION', `There is no protected action called ${action}.`);
  return policy;
}

/** The details a grant is bound to, as the app can compute them: SHA-256 (hex) of the text, NFC-normalised and trimmed. */
export function hashDetails(details: string): string {
  return createHash('sha256').update(details.normalize('NFC').trim(), 'utf8').digest('hex');
}

/** Whether an earlier approval in this session still covers a request of the action at `now`. */
function covers(approval: StepUp | undefined, policy: ProtectedAction, now: number): approval is StepUp {
  if (!approval || approval.approvedAt === null) return false;
  if (policy.scope === 'session') return true;
  const from = policy.sliding ? (approval.lastUsedAt ?? approval.approvedAt) : approval.approvedAt;
  return now - from < policy.windowSeconds * 1000;
}

/**
 * How a request of the action is already approved, if it is: where the second factor applies
 * only at sign-in and the action is not always on, by the session's own second factor (never a
 * trusted device's); otherwise by an approval in this session whose window still covers it.
 * Returns the methods of that approval, having moved a sliding window.
 */
export async function approvedAlready(
  deps: CoreDeps,
  input: { session: Session; action: string; policy: ProtectedAction },
): Promise<Amr[] | undefined> {
  if (!input.policy.alwaysOn && deps.settings.stepUp.mfaAppliesAt === 'sign_in' && input.session.mfaAt !== null) {
    return input.session.amr;
  }
  const now = deps.clock.now();
  const approval = await deps.store.stepUps.latestApproval(input.session.id, input.action);
  if (!covers(approval, input.policy, now)) return undefined;
  await deps.store.stepUps.touch(approval.id, now);
  return approval.amr;
}

/**
 * "May this person do this now?" Answers with a grant when an approval in this session still
 * covers the action — or, where the second factor applies only at sign-in, when this session
 * passed one and the action is not always on — and otherwise with a step-up to approve, which
 * names the details it is bound to. A trusted device never stands in for a second factor here.
 */
export async function requestStepUp(
  deps: CoreDeps,
  input: { user: User; session: Session; action: string; details?: string },
): Promise<StepUpOutcome> {
  const policy = actionPolicy(deps, input.action);
  const details = input.details?.normalize('NFC').trim() || null;
  const detailsHash = details === null ? null : hashDetails(details);
  const factors = await secondFactorsOf(deps, input.user);
  if (factors.length === 0 && policy.requirement === 'mfa') {
    throw new TesseraError('ERR_MFA_REQUIRED', `Set up two-step verification to ${policy.label.toLowerCase()}.`);
  }
  const approvedWith =
    factors.length > 0 && (await approvedAlready(deps, { session: input.session, action: input.action, policy }));
  if (approvedWith) return issueGrant(deps, { ...input, policy, detailsHash, amr: approvedWith });
  const now = deps.clock.now();
  const stepUp: StepUp = {
    id: newId(deps.random),
    userId: input.user.id,
    sessionId: input.session.id,
    action: input.action,
    details,
    detailsHash,
    createdAt: now,
    expiresAt: now + deps.settings.stepUp.challengeMinutes * 60_000,
    approvedAt: null,
    amr: [],
    lastUsedAt: null,
  };
  await deps.store.stepUps.create(stepUp);
  return challengeOf(deps, input.user, stepUp);
}

type StepUpChallenge = Extract<StepUpOutcome, { status: 'challenge_required' }>;

/** How a step-up can be approved: the person's methods (or the password, without any) and where codes can go. */
async function challengeOf(deps: CoreDeps, user: User, stepUp: StepUp): Promise<StepUpChallenge> {
  const factors = await secondFactorsOf(deps, user);
  return {
    status: 'challenge_required',
    stepUp,
    label: actionPolicy(deps, stepUp.action).label,
    methods: factors.length > 0 ? methodsOf(factors, null) : ['password'],
    codeTargets: (await codeTargetsOf(deps, user)).map(({ factorId, channel, sentTo }) => ({ factorId, channel, sentTo })),
  };
}

/** A step-up of this session still waiting, with how it can be approved: for the page that shows it again. */
export async function describeStepUp(
  deps: CoreDeps,
  input: { user: User; session: Session; stepUpId: string },
): Promise<StepUpChallenge> {
  return challengeOf(deps, input.user, await pendingStepUp(deps, input.session, input.stepUpId));
}

/** The step-up of this session still waiting for approval; another session's is never found. */
export async function pendingStepUp(deps: CoreDeps, session: Session, stepUpId: string): Promise<StepUp> {
  const stepUp = await deps.store.stepUps.findPending(stepUpId, session.id, deps.clock.now());
  if (!stepUp) throw new TesseraError('ERR_STEP_UP_EXPIRED', 'This approval has expired or was already given. Start again.');
  return stepUp;
}

export const bindingOf = (stepUp: StepUp): ChallengeBinding => ({ purpose: 'step_up', id: stepUp.id, firstFactorId: null });

/** What the step-up approves, in the words its messages use. */
export const approvingText = (deps: CoreDeps, stepUp: StepUp) => stepUp.details ?? actionPolicy(deps, stepUp.action).label;

/** Sends a code for one step-up; the message names what it approves, and the code answers nothing else. */
export async function sendStepUpCode(
  deps: CoreDeps,
  input: { user: User; session: Session; stepUpId: string; factorId?: string; channel?: CodeTarget['channel'] } & RequestOrigin,
): Promise<CodeSent> {
  const stepUp = await pendingStepUp(deps, input.session, input.stepUpId);
  const target = (await codeTargetsOf(deps, input.user)).find(
    (candidate) =>
      (input.factorId === undefined || candidate.factorId === input.factorId) &&
      candidate.channel === (input.channel ?? candidate.channel),
  );
  if (!target) throw new TesseraError('ERR_NOT_FOUND', 'Codes cannot be sent there for this account.');
  return sendCode(deps, {
    user: input.user,
    address: target.address,
    purpose: 'step_up',
    pendingSignInId: stepUp.id,
    factorId: target.factorId,
    channel: target.channel,
    ...(target.country ? { country: target.country } : {}),
    approving: approvingText(deps, stepUp),
    ip: input.ip,
    userAgent: input.userAgent,
  });
}

/** Options for approving one step-up with a security key or biometric; the challenge answers only it. */
export async function stepUpKeyOptions(deps: CoreDeps, input: { user: User; session: Session; stepUpId: string }) {
  const stepUp = await pendingStepUp(deps, input.session, input.stepUpId);
  return secondFactorKeyOptions(deps, { user: input.user, binding: bindingOf(stepUp) });
}

/**
 * Approves a step-up: with a second factor (a code, a recovery code or a key, each spent
 * once), or — only for people without one, where the action allows it — the password. The
 * step-up is approved by exactly one success; the grant names its details.
 */
export async function approveStepUp(
  deps: CoreDeps,
  input: { user: User; session: Session; stepUpId: string; proof?: SecondFactorProof; password?: string } & RequestOrigin,
): Promise<Extract<StepUpOutcome, { status: 'satisfied' }>> {
  const stepUp = await pendingStepUp(deps, input.session, input.stepUpId);
  const policy = actionPolicy(deps, stepUp.action);
  const origin = { ip: input.ip, userAgent: input.userAgent };
  const approve = async (store: typeof deps.store, amr: Amr[]) => {
    if (!(await store.stepUps.approve(stepUp.id, amr, deps.clock.now()))) {
      throw new TesseraError('ERR_STEP_UP_EXPIRED', 'This approval has expired or was already given. Start again.');
    }
    await recordEvent(deps, store, {
      type: 'step_up_approved',
      userId: input.user.id,
      ...origin,
      at: deps.clock.now(),
      detail: {
        action: stepUp.action,
        label: policy.label,
        amr,
        ...(stepUp.detailsHash ? { detailsHash: stepUp.detailsHash } : {}),
      },
    });
    return amr;
  };
  const hasFactors = (await secondFactorsOf(deps, input.user)).length > 0;
  let amr: Amr[];
  if (hasFactors) {
    if (!input.proof) throw new TesseraError('ERR_INVALID_INPUT', 'Enter a code, use your security key, or a recovery code.');
    amr = await checkSecondFactor(
      deps,
      input.user,
      { proof: input.proof, binding: bindingOf(stepUp), ...origin },
      (store, match) => approve(store, amrOfMatch(match)),
    );
  } else {
    if (policy.requirement === 'mfa')
      throw new TesseraError('ERR_MFA_REQUIRED', `Set up two-step verification to ${policy.label.toLowerCase()}.`);
    if (!input.password) throw new TesseraError('ERR_INVALID_INPUT', 'Enter your password.');
    await confirmPassword(deps, { user: input.user, password: input.password, ...origin });
    amr = await approve(deps.store, ['pwd']);
  }
  return issueGrant(deps, {
    user: input.user,
    session: input.session,
    action: stepUp.action,
    policy,
    detailsHash: stepUp.detailsHash,
    amr,
  });
}

async function issueGrant(
  deps: CoreDeps,
  input: { user: User; session: Session; action: string; policy: ProtectedAction; detailsHash: string | null; amr: Amr[] },
): Promise<Extract<StepUpOutcome, { status: 'satisfied' }>> {
  const iat = Math.floor(deps.clock.now() / 1000);
  const exp = iat + deps.settings.stepUp.grantLifetimeSeconds;
  const claims: GrantClaims = {
    sub: input.user.id,
    sid: input.session.id,
    act: input.action,
    dh: input.detailsHash,
    amr: input.amr,
    su: input.policy.singleUse,
    jti: newId(deps.random),
    iat,
    exp,
  };
  return { status: 'satisfied', grant: await deps.grants.sign(claims), expiresAt: exp * 1000, detailsHash: input.detailsHash };
}

/**
 * Checks a grant for the app: signed here, unexpired, its session still open; a single-use
 * grant is spent by exactly one call, across instances.
 */
export async function consumeGrant(deps: CoreDeps, token: string): Promise<GrantClaims> {
  const now = deps.clock.now();
  const claims = await deps.grants.verify(token, now);
  const sessions = claims ? await deps.store.sessions.listForUser(claims.sub, now) : [];
  if (!claims || !sessions.some((session) => session.id === claims.sid)) {
    throw new TesseraError('ERR_GRANT_INVALID', 'This grant is not valid: it was altered, has expired, or its session ended.');
  }
  if (claims.su && !(await deps.store.grants.consume(claims.jti, now, claims.exp * 1000))) {
    throw new TesseraError('ERR_GRANT_USED', 'This grant was already used.');
  }
  return claims;
}
