import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import { newRecoveryCodes } from '../factors/recovery-codes.js';
import type { Factor, Session, Store, User } from '../ports.js';
import { assertNotEnforced } from './mfa-policy.js';
import { authorizeAction } from './protected-action.js';
import { checkSecondFactor, type SecondFactorProof } from './second-factor-check.js';
import { usableKeysOf } from './webauthn-assertion.js';
import { recordEvent } from './security-events.js';

export interface SecurityOverview {
  mfaEnabled: boolean;
  factors: Factor[];
  /** A security key or biometric can confirm sensitive changes. */
  hasKey: boolean;
  recoveryCodesRemaining: number;
}

export async function securityOverview(deps: CoreDeps, user: User): Promise<SecurityOverview> {
  const factors = await deps.store.factors.listForUser(user.id);
  return {
    mfaEnabled: factors.length > 0,
    factors,
    hasKey: usableKeysOf(factors).length > 0,
    recoveryCodesRemaining: await deps.store.recoveryCodes.countUnused(user.id),
  };
}

/**
 * Removes a factor after a current second-factor proof. Removing the last one turns two-step
 * verification off (and ends the recovery codes), so it needs an explicit confirmation, asked
 * before any code is spent.
 */
export async function removeFactor(
  deps: CoreDeps,
  input: {
    user: User;
    session: Session;
    factorId: string;
    proof?: SecondFactorProof;
    stepUpId?: string;
    confirmTurningOff: boolean;
    ip: string;
    userAgent?: string;
  },
): Promise<{ mfaEnabled: boolean }> {
  const factors = await deps.store.factors.listForUser(input.user.id);
  const removed = factors.find((factor) => factor.id === input.factorId);
  if (!removed) throw new TesseraError('ERR_NOT_FOUND', 'There is no such sign-in method on your account.');
  await assertNotEnforced(
    deps,
    input.user,
    factors.filter((factor) => factor.id !== input.factorId),
  );
  const isLast = factors.length === 1;
  if (isLast && !input.confirmTurningOff) {
    throw new TesseraError(
      'ERR_CONFIRMATION_REQUIRED',
      'This is your last sign-in method: removing it turns two-step verification off and voids your recovery codes. Confirm to continue.',
    );
  }
  return authorizeAction(deps, { ...input, action: 'factor.remove' }, async (store) => {
    if (!(await store.factors.delete(input.user.id, input.factorId))) {
      throw new TesseraError('ERR_NOT_FOUND', 'There is no such sign-in method on your account.');
    }
    const at = deps.clock.now();
    await recordEvent(deps, store, {
      type: 'factor_removed',
      userId: input.user.id,
      ip: input.ip,
      userAgent: input.userAgent,
      at,
      detail: { kind: removed.kind, label: removed.label, factorId: input.factorId },
    });
    if (isLast)
      await recordEvent(deps, store, {
        type: 'mfa_disabled',
        userId: input.user.id,
        ip: input.ip,
        userAgent: input.userAgent,
        at,
      });
    return { mfaEnabled: !isLast };
  });
}

/**
 * Makes one factor the primary one, which the challenge opens with. Changing how a person signs
 * in is re-entering setup, so it needs a current second-factor proof.
 */
export async function setPrimaryFactor(
  deps: CoreDeps,
  input: { user: User; factorId: string; proof: SecondFactorProof; ip: string; userAgent?: string },
): Promise<void> {
  const factors = await deps.store.factors.listForUser(input.user.id);
  if (!factors.some((factor) => factor.id === input.factorId)) {
    throw new TesseraError('ERR_NOT_FOUND', 'There is no such sign-in method on your account.');
  }
  await checkSecondFactor(deps, input.user, { proof: input.proof, ip: input.ip, userAgent: input.userAgent }, async (store) => {
    await store.factors.setPrimary(input.user.id, input.factorId);
    await recordEvent(deps, store, {
      type: 'primary_factor_changed',
      userId: input.user.id,
      ip: input.ip,
      userAgent: input.userAgent,
      at: deps.clock.now(),
      detail: { factorId: input.factorId },
    });
  });
}

/** Renames one of the person's factors, e.g. "Blue YubiKey"; names are for recognising them, so no proof is asked. */
export async function renameFactor(
  deps: CoreDeps,
  input: { user: User; factorId: string; label: string; ip: string; userAgent?: string },
): Promise<Factor> {
  const label = input.label.trim();
  if (label.length === 0 || label.length > 60)
    throw new TesseraError('ERR_INVALID_INPUT', 'Give it a name of 1 to 60 characters.');
  const renamed =
    (await deps.store.factors.rename(input.user.id, input.factorId, label)) &&
    (await deps.store.factors.listForUser(input.user.id)).find((candidate) => candidate.id === input.factorId);
  if (!renamed) throw new TesseraError('ERR_NOT_FOUND', 'There is no such sign-in method on your account.');
  await recordEvent(deps, deps.store, {
    type: 'factor_renamed',
    userId: input.user.id,
    ip: input.ip,
    userAgent: input.userAgent,
    at: deps.clock.now(),
    detail: { factorId: input.factorId },
  });
  return renamed;
}

/**
 * Turns two-step verification off: every factor and recovery code goes, and no device stays
 * trusted. Withdrawing that protection needs a current second-factor proof, so a stolen
 * password alone cannot do it.
 */
export async function turnOffMfa(
  deps: CoreDeps,
  input: { user: User; session: Session; proof?: SecondFactorProof; stepUpId?: string; ip: string; userAgent?: string },
): Promise<void> {
  const factors = await deps.store.factors.listForUser(input.user.id);
  if (factors.length === 0) throw new TesseraError('ERR_MFA_NOT_ENABLED', 'Two-step verification is already off.');
  await assertNotEnforced(deps, input.user, []);
  await authorizeAction(deps, { ...input, action: 'mfa.disable' }, async (store) => {
    const devicesRevoked = await removeEveryFactor(store, input.user, factors);
    await recordEvent(deps, store, {
      type: 'mfa_disabled',
      userId: input.user.id,
      ip: input.ip,
      userAgent: input.userAgent,
      at: deps.clock.now(),
      detail: { factorsRemoved: factors.length, devicesRevoked },
    });
  });
}

/**
 * Removes the given factors of the person (and with the last, the recovery codes) and every
 * trusted device, inside the caller's transaction; returns how many devices were revoked.
 */
export async function removeEveryFactor(store: Store, user: User, factors: Factor[]): Promise<number> {
  for (const factor of factors) await store.factors.delete(user.id, factor.id);
  return store.trustedDevices.deleteAllForUser(user.id);
}

/** Replaces every recovery code with a new set, shown once; a protected action (`recovery_codes.regenerate`). */
export async function regenerateRecoveryCodes(
  deps: CoreDeps,
  input: { user: User; session: Session; proof?: SecondFactorProof; stepUpId?: string; ip: string; userAgent?: string },
): Promise<string[]> {
  if ((await deps.store.factors.listForUser(input.user.id)).length === 0) {
    throw new TesseraError('ERR_MFA_NOT_ENABLED', 'Turn on two-step verification first; recovery codes come with it.');
  }
  const codes = newRecoveryCodes(deps.random, deps.settings.recoveryCodes.count, deps.settings.recoveryCodes.length);
  return authorizeAction(deps, { ...input, action: 'recovery_codes.regenerate' }, async (store) => {
    const now = deps.clock.now();
    const hashes = codes.map((code) => deps.keyedHash.hash(`recovery:${code}`));
    await store.recoveryCodes.replace(input.user.id, hashes, now);
    await recordEvent(deps, store, {
      type: 'recovery_codes_regenerated',
      userId: input.user.id,
      ip: input.ip,
      userAgent: input.userAgent,
      at: now,
    });
    return codes;
  });
}
