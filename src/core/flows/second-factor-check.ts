import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import { factorSecretContext } from '../factors/factor-secret.js';
import { takeOobCode } from './take-oob-code.js';
import { matchTotpStep } from '../factors/totp.js';
import { normalizeRecoveryCode } from '../factors/recovery-codes.js';
import type { AuthenticationResponseJSON } from '../factors/webauthn.js';
import type { Amr, ChallengeBinding, Factor, RequestOrigin, Store, User } from '../ports.js';
import { matchKeyAssertion } from './webauthn-assertion.js';
import { takeOperatorCode } from './operator-codes.js';
import { recordEvent } from './security-events.js';

/** What a person offered as their second factor: a code, a recovery code, or a security key's signed answer. */
export type SecondFactorProof = { code: string } | { recoveryCode: string } | { webauthn: AuthenticationResponseJSON };

/** What matched, so the caller can record it. */
export type SecondFactorMatch =
  | { method: 'otp'; factor: Factor; step: number }
  | { method: 'email' | 'sms' | 'tel'; factorId: string | null }
  | { method: 'recovery_code' }
  | { method: 'operator_code' }
  | { method: 'webauthn'; factor: Factor; amr: Amr[] };

/** The method references a match adds to a session. */
export const amrOfMatch = (match: SecondFactorMatch): Amr[] => (match.method === 'webauthn' ? match.amr : [match.method]);

/** One attempt: the proof, where it came from, and the sign-in or step-up it answers, if any. */
export interface SecondFactorAttempt extends RequestOrigin {
  proof: SecondFactorProof;
  /** The pending sign-in or step-up whose sent code or key challenge may be the answer. */
  binding?: ChallengeBinding;
  /** A code an operator issued may be the answer: only at the second step of a sign-in. */
  operatorCode?: boolean;
}

export function lockedError(lockedUntil: number, now: number): TesseraError {
  const minutes = Math.max(1, Math.ceil((lockedUntil - now) / 60_000));
  return new TesseraError(
    'ERR_LOCKED',
    `Too many wrong codes. Your account is locked for ${minutes} minute${minutes === 1 ? '' : 's'}; try again after that.`,
    lockedUntil - now,
  );
}

/**
 * Checks a second-factor proof against one person's factors, then runs `andThen` — the change
 * the proof was for — in the same transaction that resets the failure budget. Every attempt is
 * first counted against the account's one budget, in its own commit, so parallel guesses each
 * count and a failure stays counted; single use of the code is enforced by the store.
 */
export async function checkSecondFactor<T>(
  deps: CoreDeps,
  user: User,
  { proof, binding, operatorCode, ...origin }: SecondFactorAttempt,
  andThen: (store: Store, match: SecondFactorMatch) => Promise<T>,
): Promise<T> {
  const now = deps.clock.now();
  const { maxFailures, durationMinutes } = deps.settings.lockout;
  const claim = await deps.store.lockout.claim(user.id, now, maxFailures, durationMinutes * 60_000);
  if (!claim.allowed) throw lockedError(claim.lockedUntil, now);

  const match =
    'code' in proof
      ? ((await matchAuthenticatorCode(deps, user, proof.code.trim(), origin)) ??
        (binding ? await matchSentCode(deps, user, proof.code.trim(), binding) : undefined) ??
        (operatorCode && (await takeOperatorCode(deps, user, proof.code.trim()))
          ? { method: 'operator_code' as const }
          : undefined))
      : 'webauthn' in proof
        ? await matchKey(deps, user, proof.webauthn, binding, origin)
        : await matchRecoveryCode(deps, user, proof.recoveryCode);
  if (!match) {
    deps.metrics.verification('code' in proof ? 'code' : 'webauthn' in proof ? 'webauthn' : 'recovery_code', 'failure');
    await recordEvent(deps, deps.store, {
      type: 'second_factor_failed',
      userId: user.id,
      ...origin,
      at: now,
      detail: { failures: claim.failures, duringSignIn: binding?.purpose === 'sign_in' },
    });
    if (claim.failures >= maxFailures) {
      deps.metrics.lockout();
      await recordEvent(deps, deps.store, {
        type: 'account_locked',
        userId: user.id,
        ...origin,
        at: now,
        detail: { minutes: durationMinutes },
      });
      throw lockedError(now + durationMinutes * 60_000, now);
    }
    throw new TesseraError(
      'ERR_CODE_INVALID',
      'webauthn' in proof
        ? 'Your security key’s answer was not accepted. Try again, or choose another way.'
        : 'That code is not right. Check it and try again.',
    );
  }
  deps.metrics.verification(match.method, 'success');
  return deps.store.transaction(async (store) => {
    await store.lockout.reset(user.id);
    if (match.method === 'recovery_code') {
      const remaining = await store.recoveryCodes.countUnused(user.id);
      await recordEvent(deps, store, { type: 'recovery_code_used', userId: user.id, ...origin, at: now, detail: { remaining } });
    }
    return andThen(store, match);
  });
}

async function matchAuthenticatorCode(
  deps: CoreDeps,
  user: User,
  code: string,
  origin: RequestOrigin,
): Promise<SecondFactorMatch | undefined> {
  const now = deps.clock.now();
  const factors = (await deps.store.factors.listForUser(user.id)).filter((factor) => factor.kind === 'totp');
  for (const factor of factors) {
    const secret = deps.secretBox.open(factor.secretSealed, factorSecretContext(factor));
    const step = secret === undefined ? undefined : matchTotpStep(secret, code, now, deps.settings.totp);
    if (step === undefined) continue;
    if (await deps.store.factors.acceptTotpStep(factor.id, step, now)) return { method: 'otp', factor, step };
    await recordEvent(deps, deps.store, {
      type: 'totp_replay',
      userId: user.id,
      ...origin,
      at: now,
      detail: { factorId: factor.id, step },
    });
    return undefined;
  }
  return undefined;
}

async function matchSentCode(
  deps: CoreDeps,
  user: User,
  code: string,
  binding: ChallengeBinding,
): Promise<SecondFactorMatch | undefined> {
  const challenge = await deps.store.oobChallenges.find(user.id, binding.purpose, binding.id, deps.clock.now());
  if (!challenge || !(await takeOobCode(deps, challenge, code))) return undefined;
  const method: 'email' | 'sms' | 'tel' = challenge.channel === 'sms' ? 'sms' : challenge.channel === 'voice' ? 'tel' : 'email';
  return { method, factorId: challenge.factorId };
}

async function matchKey(
  deps: CoreDeps,
  user: User,
  response: AuthenticationResponseJSON,
  binding: ChallengeBinding | undefined,
  origin: RequestOrigin,
): Promise<SecondFactorMatch | undefined> {
  const matched = await matchKeyAssertion(deps, user, response, binding, origin);
  return matched && { method: 'webauthn', ...matched };
}

async function matchRecoveryCode(deps: CoreDeps, user: User, input: string): Promise<SecondFactorMatch | undefined> {
  const code = normalizeRecoveryCode(input);
  if (code.length === 0 || code.length > 64) return undefined;
  const used = await deps.store.recoveryCodes.consume(user.id, deps.keyedHash.candidates(`recovery:${code}`), deps.clock.now());
  return used ? { method: 'recovery_code' } : undefined;
}
