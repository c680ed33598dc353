import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { User } from '../ports.js';
import { type CodeSent, sendCode } from './email-codes.js';
import { takeOobCode } from './take-oob-code.js';

/** Sends a link that confirms the account's address; refused once it is confirmed. */
export async function sendVerificationEmail(deps: CoreDeps, user: User): Promise<CodeSent> {
  if (user.emailVerifiedAt !== null) throw new TesseraError('ERR_INVALID_INPUT', 'Your email address is already confirmed.');
  return sendCode(deps, { user, address: user.email, purpose: 'verify_email', pendingSignInId: null, factorId: null });
}

/**
 * After sign-up: the account exists whether or not the link could be sent, and the account
 * page offers to send it again.
 */
export async function sendVerificationEmailIfPossible(deps: CoreDeps, user: User): Promise<void> {
  try {
    await sendVerificationEmail(deps, user);
  } catch (error) {
    if (!(error instanceof TesseraError)) throw error;
  }
}

/** Confirms the address a verification link was sent to; each link works once. */
export async function verifyEmail(deps: CoreDeps, input: { challengeId: string; token: string; ip: string }): Promise<User> {
  const now = deps.clock.now();
  const challenge = await deps.store.oobChallenges.findById(input.challengeId, now);
  const valid = challenge?.purpose === 'verify_email' && (await takeOobCode(deps, challenge, input.token));
  const user = valid ? await deps.store.users.findById(challenge.userId) : undefined;
  if (!challenge || !user) {
    throw new TesseraError('ERR_LINK_INVALID', 'This link has expired or was already used. Sign in and ask for a new one.');
  }
  await deps.store.users.markEmailVerified(user.id, now);
  await deps.store.events.record({ type: 'email_verified', userId: user.id, ip: input.ip, at: now });
  return { ...user, emailVerifiedAt: user.emailVerifiedAt ?? now };
}
