import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { Factor, OrgPolicy, SignInChallengePolicy, User } from '../ports.js';

/** What applies to one person: the strictest of the instance's policy and every organization's they belong to. */
export interface MfaRequirement {
  /** Two-step verification is switched off on this installation, and hidden. */
  disabled: boolean;
  required: boolean;
  /** The kinds of factor that count; empty: any. */
  allowedMethods: Factor['kind'][];
  /** The shortest grace among the policies that require it, in days and in sign-ins. */
  graceDays: number;
  graceSignIns: number;
  /** Who requires it, as the person reads it: "Acme (staff)", "this service". */
  reasons: string[];
  /** When a person with a second factor is asked for it at sign-in. */
  signInChallenge: SignInChallengePolicy;
}

const challengeStrictness: Record<SignInChallengePolicy, number> = { off: 0, adaptive: 1, always: 2 };

/**
 * The organizations' own sign-in challenge settings, the strictest of them, win for their
 * members; people whose organizations all inherit follow the installation's.
 */
function signInChallengeOf(instance: SignInChallengePolicy, orgs: OrgPolicy[]): SignInChallengePolicy {
  const chosen = orgs
    .map((policy) => policy.signInChallenge)
    .filter((policy): policy is SignInChallengePolicy => policy !== undefined && policy !== 'inherit');
  if (chosen.length === 0) return instance;
  return chosen.reduce((strictest, policy) =>
    challengeStrictness[policy] > challengeStrictness[strictest] ? policy : strictest,
  );
}

const methodWords: Record<Factor['kind'], string> = {
  totp: 'an authenticator app',
  email: 'email codes',
  phone: 'text or call codes',
  security_key: 'a security key',
  biometric: 'a fingerprint, face or PIN',
};

interface Requiring {
  reason: string;
  allowedMethods: Factor['kind'][];
  graceDays: number;
  graceSignIns: number;
}

/** The kinds every requiring policy accepts; where they share none, only phishing-resistant keys, the strictest. */
function strictestMethods(requiring: Requiring[]): Factor['kind'][] {
  const restricted = requiring.map((policy) => policy.allowedMethods).filter((methods) => methods.length > 0);
  if (restricted.length === 0) return [];
  const shared = restricted.reduce((kept, methods) => kept.filter((kind) => methods.includes(kind)));
  return shared.length > 0 ? shared : ['security_key', 'biometric'];
}

export async function mfaRequirementOf(deps: CoreDeps, user: User): Promise<MfaRequirement> {
  const instance = deps.settings.mfa;
  const none = { required: false, allowedMethods: [], graceDays: 0, graceSignIns: 0, reasons: [] };
  if (!instance.enabled) return { disabled: true, ...none, signInChallenge: 'off' };
  const requiring: Requiring[] = [];
  const instanceGrace = { graceDays: instance.graceDays, graceSignIns: instance.graceSignIns };
  if (instance.required) requiring.push({ reason: 'this service', allowedMethods: instance.allowedMethods, ...instanceGrace });
  const memberships = await deps.store.organizations.membershipsOf(user.id);
  const signInChallenge = signInChallengeOf(
    deps.settings.adaptive.policy,
    memberships.map(({ org }) => org.policy),
  );
  for (const { org, role } of memberships) {
    if (instance.requiredRoles.includes(role)) {
      requiring.push({ reason: `${org.name} (${role})`, allowedMethods: instance.allowedMethods, ...instanceGrace });
    }
    const { policy } = org;
    if (policy.mfa === 'required' || (policy.mfa === 'roles' && policy.roles.includes(role))) {
      requiring.push({ reason: policy.mfa === 'required' ? org.name : `${org.name} (${role})`, ...policy });
    }
  }
  if (requiring.length === 0) return { disabled: false, ...none, signInChallenge };
  return {
    disabled: false,
    required: true,
    allowedMethods: strictestMethods(requiring),
    graceDays: Math.min(...requiring.map((policy) => policy.graceDays)),
    graceSignIns: Math.min(...requiring.map((policy) => policy.graceSignIns)),
    reasons: [...new Set(requiring.map((policy) => policy.reason))],
    signInChallenge,
  };
}

/** The person's factors that satisfy the requirement. */
export function countingFactors(factors: Factor[], requirement: MfaRequirement): Factor[] {
  const { allowedMethods } = requirement;
  return factors.filter((factor) => allowedMethods.length === 0 || allowedMethods.includes(factor.kind));
}

/**
 * Where the person stands at sign-in: `none` (nothing required, or already set up), `grace`
 * (required, and setting up can still be postponed), or `enroll` (no session beyond setting up).
 */
export function enforcementAt(
  requirement: MfaRequirement,
  user: User,
  factors: Factor[],
  now: number,
): 'none' | 'grace' | 'enroll' {
  if (!requirement.required || countingFactors(factors, requirement).length > 0) return 'none';
  const since = user.mfaEnforcedAt ?? now;
  const inDays = requirement.graceDays > 0 && now - since < requirement.graceDays * 86_400_000;
  const inSignIns = requirement.graceSignIns > 0 && user.enforcedSignIns < requirement.graceSignIns;
  return inDays || inSignIns ? 'grace' : 'enroll';
}

/** Refuses to set up a kind of factor that the person's requirement does not count, or any while switched off. */
export async function assertMethodAllowed(deps: CoreDeps, user: User, kind: Factor['kind']): Promise<void> {
  const requirement = await mfaRequirementOf(deps, user);
  if (requirement.disabled) {
    throw new TesseraError('ERR_MFA_DISABLED', 'Two-step verification is switched off on this service.');
  }
  if (requirement.required && requirement.allowedMethods.length > 0 && !requirement.allowedMethods.includes(kind)) {
    const accepted = requirement.allowedMethods.map((allowed) => methodWords[allowed]).join(' or ');
    throw new TesseraError('ERR_METHOD_NOT_ALLOWED', `${requirement.reasons.join(' and ')} accepts only ${accepted}.`);
  }
}

/** Refuses to withdraw the last method that satisfies a requirement: the toggle is locked, with the reason. */
export async function assertNotEnforced(deps: CoreDeps, user: User, remaining: Factor[]): Promise<void> {
  const requirement = await mfaRequirementOf(deps, user);
  if (requirement.required && countingFactors(remaining, requirement).length === 0) {
    throw new TesseraError(
      'ERR_MFA_ENFORCED',
      `Two-step verification is required by ${requirement.reasons.join(' and ')}, so your last method cannot be removed or turned off.`,
    );
  }
}
