import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import { factorSecretContext } from '../factors/factor-secret.js';
import { maskEmail } from '../factors/oob-code.js';
import type { Factor, Session, User } from '../ports.js';
import { addFactor, assertSetupUnlocked } from './add-factor.js';
import { assertFreshSecondFactor } from './fresh-second-factor.js';
import { type CodeSent, sendCode } from './send-code.js';
import { confirmPassword } from './sign-in.js';
import { normalizeEmail } from './sign-up.js';
import { takeOobCode } from './take-oob-code.js';

/** The person's email factors with the address each sends to, oldest first. */
export async function emailFactorsOf(deps: CoreDeps, user: User): Promise<{ factor: Factor; address: string }[]> {
  const factors = (await deps.store.factors.listForUser(user.id)).filter((candidate) => candidate.kind === 'email');
  return factors.flatMap((factor) => {
    const address = deps.secretBox.open(factor.secretSealed, factorSecretContext(factor));
    return address ? [{ factor, address }] : [];
  });
}

/**
 * Starts turning on email codes for an address — the account's own (once confirmed) or another
 * one the person names: the password again, then a code to the address proves it.
 */
export async function startEmailFactor(
  deps: CoreDeps,
  input: { user: User; session: Session; password: string; address?: string; ip: string; userAgent?: string },
): Promise<CodeSent> {
  const address = normalizeEmail(input.address || input.user.email);
  assertSetupUnlocked(input.user);
  await assertFreshSecondFactor(deps, input.user, input.session);
  await confirmPassword(deps, { user: input.user, password: input.password, ip: input.ip, userAgent: input.userAgent });
  if ((await emailFactorsOf(deps, input.user)).some((existing) => existing.address === address)) {
    throw new TesseraError('ERR_ALREADY_ENROLLED', 'Email codes are already on for this address.');
  }
  return sendCode(deps, {
    user: input.user,
    address,
    purpose: 'enroll_email',
    pendingSignInId: null,
    factorId: null,
    payload: address,
    ip: input.ip,
    userAgent: input.userAgent,
  });
}

/**
 * Finishes turning on email codes once the code sent to the address comes back; the first
 * factor comes with recovery codes, shown once.
 */
export async function confirmEmailFactor(
  deps: CoreDeps,
  input: { user: User; code: string; ip: string; userAgent?: string },
): Promise<{ factor: Factor; recoveryCodes: string[] | null }> {
  const now = deps.clock.now();
  const challenge = await deps.store.oobChallenges.find(input.user.id, 'enroll_email', null, now);
  if (!challenge) throw new TesseraError('ERR_ENROLLMENT_EXPIRED', 'This code has expired. Ask for a new one.');
  const matches = await takeOobCode(deps, challenge, input.code.trim());
  if (!matches) throw new TesseraError('ERR_CODE_INVALID', 'That code is not right. Check the email and try again.');
  const address = challenge.payloadSealed && deps.secretBox.open(challenge.payloadSealed, `oob:${challenge.id}`);
  if (!address) throw new TesseraError('ERR_ENROLLMENT_EXPIRED', 'This code has expired. Ask for a new one.');

  return addFactor(deps, {
    user: input.user,
    kind: 'email',
    label: `Email to ${maskEmail(address)}`,
    secret: address,
    fingerprint: `email:${address}`,
    lastUsedStep: null,
    alreadyEnrolled: 'Email codes are already on for this address.',
    ip: input.ip,
    userAgent: input.userAgent,
  });
}
