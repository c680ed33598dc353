import type { CoreDeps } from '../deps.js';
import { newId } from '../deps.js';
import type { Amr, Factor, PendingSignIn, RequestOrigin, RiskAssessment, SignInClient, User } from '../ports.js';
import { assessSignIn, recordAssessment } from '../risk/assess-sign-in.js';
import { confidenceChallenges } from '../risk/confidence.js';
import { maskEmail } from '../factors/oob-code.js';
import { addFactor } from './add-factor.js';
import { completeSignIn, type SignedIn } from './complete-sign-in.js';
import { countingFactors, type MfaRequirement, mfaRequirementOf } from './mfa-policy.js';
import { lockedError } from './second-factor-check.js';
import { recognizeDevice } from './trusted-devices.js';
import { usableKeysOf } from './webauthn-assertion.js';

export type SecondFactorMethod = 'webauthn' | 'totp' | 'email' | 'phone' | 'recovery_code';

export type AfterFirstFactor = (
  | ({ kind: 'signed_in' } & SignedIn)
  | {
      kind: 'second_factor_required';
      pending: PendingSignIn;
      /** The bearer token for the browser's pending cookie; only its keyed hash is stored. */
      pendingToken: string;
      methods: SecondFactorMethod[];
    }
) & {
  /** A device cookie for a browser that came without one, so adaptive sign-in knows it next time. */
  browserToken?: string;
};

/**
 * The one policy decision every first factor goes through: a person with a second factor gets
 * a short-lived pending sign-in, bound to their browser by its own cookie and reaching nothing
 * but the challenge; everyone else gets a session from `completeSignIn`. A first factor that is
 * multi-factor by itself (a passkey that verified the person) needs no second step, and
 * where `stepUp.mfaAppliesAt` is `actions` the second factor waits for a protected action.
 * Under the `adaptive` sign-in challenge the sign-in is assessed first: the second step is
 * asked only at a confidence at or below `adaptive.challengeAt`, and a low confidence also
 * overrides a trusted device; `off` asks for it only at protected actions. Neither changes
 * what setting up requires, which `completeSignIn` enforces.
 */
export async function afterFirstFactor(
  deps: CoreDeps,
  input: {
    user: User;
    amr: Amr[];
    /** The first factor proved possession and verified the person, as a passkey with user verification does. */
    multiFactor?: boolean;
    /** The factor that was the first factor (a passkey); it cannot also be the second. */
    firstFactorId?: string;
    /** The account was created just now. */
    newAccount?: boolean;
    /** An upstream provider's MFA applies instead of Tessera's: no second factor, no enrollment. */
    mfaExempt?: boolean;
    /** The second factor is asked next, bound to the action it approves (an MFA-only prompt's action), not here. */
    secondFactorAtAction?: boolean;
  } & SignInClient,
): Promise<AfterFirstFactor> {
  const requirement = await mfaRequirementOf(deps, input.user);
  const factors = await autoSetUp(deps, input.user, requirement, { ip: input.ip, userAgent: input.userAgent });
  // Where the second factor guards only protected actions, or is switched off, the first factor signs in.
  const secondStep =
    !input.mfaExempt &&
    !input.secondFactorAtAction &&
    factors.length > 0 &&
    !requirement.disabled &&
    deps.settings.stepUp.mfaAppliesAt !== 'actions';
  const now = deps.clock.now();
  if (secondStep) {
    const lockedUntil = await deps.store.lockout.lockedUntil(input.user.id);
    if (lockedUntil > now) throw lockedError(lockedUntil, now);
  }
  const risk = requirement.signInChallenge === 'adaptive' ? await assessSignIn(deps, input) : undefined;
  const browserToken = risk?.newBrowserToken;
  const signIn = async (
    decision: RiskAssessment['decision'],
    assurance: { amr?: Amr[]; secondFactor?: boolean; trustedDevice?: boolean },
  ): Promise<AfterFirstFactor> => {
    if (risk) await recordAssessment(deps, risk.assessment, decision, input);
    const signedIn = await completeSignIn(deps, { ...input, ...assurance, riskAssessmentId: risk?.assessment.id });
    return { kind: 'signed_in', ...signedIn, browserToken };
  };

  if (!secondStep) return signIn('no_second_factor', { secondFactor: input.mfaExempt && input.multiFactor });
  if (input.multiFactor) return signIn('multi_factor', { secondFactor: true });
  if (
    input.deviceToken &&
    risk?.assessment.confidence !== 'low' &&
    (await recognizeDevice(deps, { user: input.user, token: input.deviceToken, ip: input.ip, userAgent: input.userAgent }))
  ) {
    return signIn('trusted_device', { amr: [...input.amr, 'trusted_device'], trustedDevice: true });
  }
  if (
    requirement.signInChallenge === 'off' ||
    (risk && !confidenceChallenges(risk.assessment.confidence, deps.settings.adaptive.challengeAt))
  ) {
    return signIn('not_challenged', {});
  }

  if (risk) await recordAssessment(deps, risk.assessment, 'challenged', input);
  const pendingToken = deps.random.bytes(32).toString('base64url');
  const pending: PendingSignIn = {
    id: newId(deps.random),
    tokenHash: deps.keyedHash.hash(`pending:${pendingToken}`),
    userId: input.user.id,
    amr: input.amr,
    firstFactorId: input.firstFactorId ?? null,
    riskAssessmentId: risk?.assessment.id ?? null,
    createdAt: now,
    expiresAt: now + deps.settings.signIn.pendingMinutes * 60_000,
  };
  await deps.store.pendingSignIns.create(pending);
  return {
    kind: 'second_factor_required',
    pending,
    pendingToken,
    methods: methodsOf(factors, pending.firstFactorId),
    browserToken,
  };
}

/**
 * The ways a person can answer the challenge, in the order they are offered: the primary
 * factor's way first, then phishing-resistant keys and the rest. A key flagged as cloned, or the
 * passkey that was the first factor, is not offered.
 */
export function methodsOf(factors: Factor[], firstFactorId: string | null): SecondFactorMethod[] {
  const kinds = new Set(factors.map((factor) => factor.kind));
  const keys = usableKeysOf(factors, firstFactorId).length > 0 ? (['webauthn'] as const) : [];
  const offered: SecondFactorMethod[] = [...keys, ...(['totp', 'email', 'phone'] as const).filter((kind) => kinds.has(kind))];
  const primary = factors.find((factor) => factor.primary && factor.id !== firstFactorId);
  const first = primary && methodOfKind[primary.kind];
  const ordered = first && offered.includes(first) ? [first, ...offered.filter((method) => method !== first)] : offered;
  return [...ordered, 'recovery_code'];
}

const methodOfKind: Record<Factor['kind'], SecondFactorMethod> = {
  security_key: 'webauthn',
  biometric: 'webauthn',
  totp: 'totp',
  email: 'email',
  phone: 'phone',
};

/** The pending sign-in behind a browser's pending cookie, if it has not expired or been used. */
export function findPendingSignIn(deps: CoreDeps, pendingToken: string): Promise<PendingSignIn | undefined> {
  return deps.store.pendingSignIns.findByTokenHash(deps.keyedHash.candidates(`pending:${pendingToken}`), deps.clock.now());
}

/**
 * With `mfa.autoSetupEmail`, a person whom a policy requires to use two-step verification and
 * who has no method gets their confirmed address as one now (again, if they removed it), and
 * is challenged with it at once. Returns the person's factors.
 */
export async function autoSetUp(
  deps: CoreDeps,
  user: User,
  requirement: MfaRequirement,
  origin: RequestOrigin,
): Promise<Factor[]> {
  const factors = await deps.store.factors.listForUser(user.id);
  const emailCounts = requirement.allowedMethods.length === 0 || requirement.allowedMethods.includes('email');
  if (
    !deps.settings.mfa.autoSetupEmail ||
    !requirement.required ||
    !emailCounts ||
    user.emailVerifiedAt === null ||
    countingFactors(factors, requirement).length > 0
  ) {
    return factors;
  }
  await addFactor(deps, {
    user: { ...user, mfaResetAt: null },
    kind: 'email',
    label: `Email to ${maskEmail(user.email)}`,
    secret: user.email,
    fingerprint: `email:${user.email}`,
    lastUsedStep: null,
    alreadyEnrolled: 'Email codes are already on for this address.',
    ...origin,
  });
  return deps.store.factors.listForUser(user.id);
}
