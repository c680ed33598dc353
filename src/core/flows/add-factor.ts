import type { CoreDeps } from '../deps.js';
import { newId } from '../deps.js';
import { TesseraError } from '../errors.js';
import { factorSecretContext } from '../factors/factor-secret.js';
import { newRecoveryCodes } from '../factors/recovery-codes.js';
import { assertMethodAllowed } from './mfa-policy.js';
import type { Factor, User, WebAuthnCredential } from '../ports.js';
import { recordEvent } from './security-events.js';

/**
 * Stores a factor whose enrollment was just proven, its secret sealed to the user and factor.
 * The first factor comes with a new set of recovery codes, shown once; a factor with the same
 * secret (fingerprint) is refused with `alreadyEnrolled`.
 */
export async function addFactor(
  deps: CoreDeps,
  input: {
    user: User;
    kind: Factor['kind'];
    label: string;
    secret: string;
    fingerprint: string;
    lastUsedStep: number | null;
    alreadyEnrolled: string;
    ip: string;
    userAgent?: string;
    webauthn?: WebAuthnCredential;
  },
): Promise<{ factor: Factor; recoveryCodes: string[] | null }> {
  assertSetupUnlocked(input.user);
  await assertMethodAllowed(deps, input.user, input.kind);
  const now = deps.clock.now();
  const isFirstFactor = (await deps.store.factors.listForUser(input.user.id)).length === 0;
  const id = newId(deps.random);
  const factor: Factor = {
    id,
    userId: input.user.id,
    kind: input.kind,
    label: input.label,
    secretSealed: deps.secretBox.seal(input.secret, factorSecretContext({ userId: input.user.id, id })),
    secretFingerprint: deps.keyedHash.hash(input.fingerprint),
    lastUsedStep: input.lastUsedStep,
    createdAt: now,
    lastUsedAt: now,
    primary: isFirstFactor,
    webauthn: input.webauthn ?? null,
  };
  const { count, length } = deps.settings.recoveryCodes;
  const recoveryCodes = isFirstFactor ? newRecoveryCodes(deps.random, count, length) : null;
  const codeHashes = recoveryCodes && recoveryCodes.map((code) => deps.keyedHash.hash(`recovery:${code}`));
  // One transaction: a crash must not leave a factor that works but whose person was never told
  // of it (the event and its notice), or a session still held to setting up.
  await deps.store.transaction(async (store) => {
    if (!(await store.factors.create(factor, codeHashes))) throw new TesseraError('ERR_ALREADY_ENROLLED', input.alreadyEnrolled);
    if (input.user.mfaSetupRequired) await store.users.setMfaSetup(input.user.id, { required: false, resetAt: null });
    await store.sessions.liftEnrollmentOnly(input.user.id);
    await recordEvent(deps, store, {
      type: 'factor_added',
      userId: input.user.id,
      ip: input.ip,
      userAgent: input.userAgent,
      at: now,
      detail: { kind: input.kind, label: input.label, factorId: id },
    });
    if (isFirstFactor) {
      await recordEvent(deps, store, {
        type: 'mfa_enabled',
        userId: input.user.id,
        ip: input.ip,
        userAgent: input.userAgent,
        at: now,
      });
    }
  });
  return { factor, recoveryCodes };
}

/** After a reset, no factor can be bound until the password and an emailed code unlock setup. */
export function assertSetupUnlocked(user: User): void {
  if (user.mfaResetAt !== null) {
    throw new TesseraError(
      'ERR_SETUP_LOCKED',
      'Your two-step verification was reset. Confirm it is you with your password and the code we email you, then set it up again.',
    );
  }
}

/**
 * Whether a method can be added now: not while a reset locks setup, and with
 * `phone.requiredFirst` every other method waits until a phone number is on the account.
 */
export async function assertPhoneFirst(deps: CoreDeps, user: User, method: string): Promise<void> {
  assertSetupUnlocked(user);
  if (!deps.settings.phone.requiredFirst) return;
  if ((await deps.store.factors.listForUser(user.id)).some((factor) => factor.kind === 'phone')) return;
  throw new TesseraError('ERR_PHONE_REQUIRED_FIRST', `Add a phone number first; you can add ${method} after that.`);
}
