import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { User } from '../ports.js';
import { type CodeSent, sendCode } from './send-code.js';
import { takeOobCode } from './take-oob-code.js';
import { maskEmail } from '../factors/oob-code.js';
import { recordEvent } from './security-events.js';

/** Sends a link that confirms the account's address; refused once it is confirmed. */
export async function sendVerificationEmail(deps: CoreDeps, user: User, ip: string): Promise<CodeSent> {
  if (user.emailVerifiedAt !== null) throw new TesseraError('ERR_INVALID_INPUT', 'Your email address is already confirmed.');
  return sendCode(deps, { user, address: user.email, purpose: 'verify_email', pendingSignInId: null, factorId: null, ip });
}

/**
 * After sign-up: the account exists whether or not the link could be sent, and the account
 * page offers to send it again.
 */
export async function sendVerificationEmailIfPossible(deps: CoreDeps, user: User, ip: string): Promise<void> {
  try {
    await sendVerificationEmail(deps, user, ip);
  } catch (error) {
    if (!(error instanceof TesseraError)) throw error;
  }
}

/**
 * Confirms the address a link was sent to — the account's own, or the new one of an email
 * change — each link once. A change moves the account and tells the old, confirmed address.
 */
export async function verifyEmail(
  deps: CoreDeps,
  input: { challengeId: string; token: string; ip: string; userAgent?: string },
): Promise<User> {
  const now = deps.clock.now();
  const challenge = await deps.store.oobChallenges.findById(input.challengeId, now);
  const isLink = challenge?.purpose === 'verify_email' || challenge?.purpose === 'change_email';
  const valid = isLink && (await takeOobCode(deps, challenge, input.token));
  const user = valid ? await deps.store.users.findById(challenge.userId) : undefined;
  if (!challenge || !user) {
    throw new TesseraError('ERR_LINK_INVALID', 'This link has expired or was already used. Sign in and ask for a new one.');
  }
  if (challenge.purpose === 'verify_email') {
    await deps.store.users.markEmailVerified(user.id, now);
    await recordEvent(deps, deps.store, {
      type: 'email_verified',
      userId: user.id,
      ip: input.ip,
      userAgent: input.userAgent,
      at: now,
    });
    return { ...user, emailVerifiedAt: user.emailVerifiedAt ?? now };
  }
  const newEmail = challenge.payloadSealed && deps.secretBox.open(challenge.payloadSealed, `oob:${challenge.id}`);
  if (!newEmail)
    throw new TesseraError('ERR_LINK_INVALID', 'This link has expired or was already used. Sign in and ask for a new one.');
  await deps.store.transaction(async (store) => {
    if (!(await store.users.changeEmail(user.id, newEmail, now))) {
      throw new TesseraError('ERR_EMAIL_TAKEN', 'Another account started using this address in the meantime.');
    }
    const event = { type: 'email_changed', userId: user.id, ip: input.ip, userAgent: input.userAgent, at: now } as const;
    // The old address hears of it too, so a takeover that moves the account does not go unnoticed.
    const oldAddress = user.emailVerifiedAt === null ? undefined : user.email;
    await recordEvent(deps, store, { ...event, detail: { to: maskEmail(newEmail) } }, oldAddress);
  });
  return { ...user, email: newEmail, emailVerifiedAt: now };
}
