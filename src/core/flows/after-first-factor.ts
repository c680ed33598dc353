import type { CoreDeps } from '../deps.js';
import { newId } from '../deps.js';
import type { Amr, Factor, PendingSignIn, User } from '../ports.js';
import { completeSignIn, type SignedIn } from './complete-sign-in.js';
import { lockedError } from './second-factor-check.js';

export type SecondFactorMethod = 'totp' | 'email' | 'phone' | 'recovery_code';

export type AfterFirstFactor =
  | ({ kind: 'signed_in' } & SignedIn)
  | {
      kind: 'second_factor_required';
      pending: PendingSignIn;
      /** The bearer token for the browser's pending cookie; only its keyed hash is stored. */
      pendingToken: string;
      methods: SecondFactorMethod[];
    };

/**
 * The one policy decision every first factor goes through: a person with a second factor gets
 * a short-lived pending sign-in, bound to their browser by its own cookie and reaching nothing
 * but the challenge; everyone else gets a session from `completeSignIn`.
 */
export async function afterFirstFactor(deps: CoreDeps, input: { user: User; amr: Amr[]; ip: string }): Promise<AfterFirstFactor> {
  const factors = await deps.store.factors.listForUser(input.user.id);
  if (factors.length === 0) return { kind: 'signed_in', ...(await completeSignIn(deps, input)) };

  const now = deps.clock.now();
  const lockedUntil = await deps.store.lockout.lockedUntil(input.user.id);
  if (lockedUntil > now) throw lockedError(lockedUntil, now);

  const pendingToken = deps.random.bytes(32).toString('base64url');
  const pending: PendingSignIn = {
    id: newId(deps.random),
    tokenHash: deps.keyedHash.hash(`pending:${pendingToken}`),
    userId: input.user.id,
    amr: input.amr,
    createdAt: now,
    expiresAt: now + deps.settings.signIn.pendingMinutes * 60_000,
  };
  await deps.store.pendingSignIns.create(pending);
  return { kind: 'second_factor_required', pending, pendingToken, methods: methodsOf(factors) };
}

/** The ways a person can answer the challenge, in the order they are offered. */
export function methodsOf(factors: Factor[]): SecondFactorMethod[] {
  const kinds = new Set(factors.map((factor) => factor.kind));
  return [...(['totp', 'email', 'phone'] as const).filter((kind) => kinds.has(kind)), 'recovery_code'];
}

/** The pending sign-in behind a browser's pending cookie, if it has not expired or been used. */
export function findPendingSignIn(deps: CoreDeps, pendingToken: string): Promise<PendingSignIn | undefined> {
  return deps.store.pendingSignIns.findByTokenHash(deps.keyedHash.candidates(`pending:${pendingToken}`), deps.clock.now());
}
