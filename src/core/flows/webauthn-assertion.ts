import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import { factorSecretContext } from '../factors/factor-secret.js';
import { type AuthenticationResponseJSON, amrOf, authenticationOptions, verifyAssertion } from '../factors/webauthn.js';
import type { Amr, ChallengeBinding, Factor, RequestOrigin, User } from '../ports.js';
import { issueWebAuthnChallenge, takeWebAuthnChallenge } from './webauthn-challenges.js';
import { recordEvent } from './security-events.js';

/** A person's security keys and biometrics that can still be used: not flagged as cloned, and not the sign-in's first factor. */
export function usableKeysOf(factors: Factor[], firstFactorId: string | null = null): Factor[] {
  return factors.filter((factor) => factor.webauthn && factor.webauthn.flaggedAt === null && factor.id !== firstFactorId);
}

/**
 * Options for proving the second factor with a registered key: the challenge is bound to the
 * pending sign-in or step-up it answers, otherwise (before a sensitive change) to the person.
 */
export async function secondFactorKeyOptions(
  deps: CoreDeps,
  input: { user: User; binding?: ChallengeBinding },
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const keys = usableKeysOf(await deps.store.factors.listForUser(input.user.id), input.binding?.firstFactorId);
  if (keys.length === 0) throw new TesseraError('ERR_NOT_FOUND', 'There is no security key or biometric on this account.');
  const challenge = await issueWebAuthnChallenge(deps, {
    purpose: input.binding?.purpose ?? 'reauthenticate',
    userId: input.user.id,
    pendingSignInId: input.binding?.id ?? null,
    kind: null,
  });
  const configured = deps.settings.webauthn.secondFactorUserVerification;
  const biometric = keys.some((factor) => factor.kind === 'biometric');
  return authenticationOptions(deps.settings, {
    challenge,
    allow: keys,
    userVerification: configured === 'discouraged' && biometric ? 'preferred' : configured,
  });
}

/**
 * Matches an assertion offered as this person's second factor: its challenge must have been
 * issued for this person and this sign-in or step-up (or for neither), and the key must
 * be theirs and usable. Undefined when anything does not hold.
 */
export async function matchKeyAssertion(
  deps: CoreDeps,
  user: User,
  response: AuthenticationResponseJSON,
  binding: ChallengeBinding | undefined,
  origin: RequestOrigin,
): Promise<{ factor: Factor; amr: Amr[] } | undefined> {
  const taken = await takeWebAuthnChallenge(deps, response);
  const { issued } = taken ?? {};
  if (
    !taken ||
    issued?.purpose !== (binding?.purpose ?? 'reauthenticate') ||
    issued.userId !== user.id ||
    issued.pendingSignInId !== (binding?.id ?? null)
  ) {
    return undefined;
  }
  const factor = await deps.store.factors.findByCredentialId(response.id);
  if (!factor || factor.userId !== user.id || usableKeysOf([factor], binding?.firstFactorId).length === 0) return undefined;
  const asserted = await assertKey(deps, {
    factor,
    response,
    challenge: taken.challenge,
    requireUserVerification: deps.settings.webauthn.secondFactorUserVerification === 'required',
    ...origin,
  });
  return asserted && { factor, amr: amrOf(factor.webauthn!, asserted.userVerified) };
}

/**
 * Verifies an assertion by the key's sealed public key, then raises its signature counter in
 * one conditional write. A counter that did not increase means two authenticators share the
 * key: the key is flagged, refused from now on, and a security event records it.
 */
export async function assertKey(
  deps: CoreDeps,
  input: {
    factor: Factor;
    response: AuthenticationResponseJSON;
    challenge: string;
    requireUserVerification: boolean;
    ip: string;
    userAgent?: string;
  },
): Promise<{ userVerified: boolean } | undefined> {
  const { factor } = input;
  const publicKey = deps.secretBox.open(factor.secretSealed, factorSecretContext(factor));
  if (!factor.webauthn || publicKey === undefined) return undefined;
  const verified = await verifyAssertion(deps.settings, {
    response: input.response,
    challenge: input.challenge,
    credential: factor.webauthn,
    publicKey,
    requireUserVerification: input.requireUserVerification,
  });
  if (!verified) return undefined;
  const now = deps.clock.now();
  if (await deps.store.factors.acceptSignCount(factor.id, verified.signCount, verified.backedUp, now)) return verified;
  await deps.store.factors.flagCredential(factor.id, now);
  await recordEvent(deps, deps.store, {
    type: 'webauthn_counter_regressed',
    userId: factor.userId,
    ip: input.ip,
    userAgent: input.userAgent,
    at: now,
    detail: { factorId: factor.id, storedCount: factor.webauthn.signCount, presentedCount: verified.signCount },
  });
  return undefined;
}
