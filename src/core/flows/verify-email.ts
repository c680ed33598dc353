import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { User } from '../ports.js';
import { type CodeSent, sendCode } from './send-code.js';
import { takeOobCode } from './take-oob-code.js';
import { maskEmail } from '../factors/oob-code.js';

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
export async function verifyEmail(deps: CoreDeps, input: { challengeId: string; token: string; ip: string }): Promise<User> {
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
    await deps.store.events.record({ type: 'email_verified', userId: user.id, ip: input.ip, at: now });
    return { ...user, emailVerifiedAt: user.emailVerifiedAt ?? now };
  }
  const newEmail = challenge.payloadSealed && deps.secretBox.open(challenge.payloadSealed, `oob:${challenge.id}`);
  if (!newEmail)
    throw new TesseraError('ERR_LINK_INVALID', 'This link has expired or was already used. Sign in and ask for a new one.');
  if (!(await deps.store.users.changeEmail(user.id, newEmail, now))) {
    throw new TesseraError('ERR_EMAIL_TAKEN', 'Another account started using this address in the meantime.');
  }
  await deps.store.events.record({ type: 'email_changed', userId: user.id, ip: input.ip, at: now });
  if (user.emailVerifiedAt !== null) await tellOldAddress(deps, user.email, newEmail);
  return { ...user, email: newEmail, emailVerifiedAt: now };
}

/** The old address hears of the change, so a takeover through it does not go unnoticed. */
async function tellOldAddress(deps: CoreDeps, oldEmail: string, newEmail: string): Promise<void> {
  const product = deps.settings.branding.productName;
  await deps.delivery.send({
    channel: 'email',
    to: oldEmail,
    purpose: 'email_changed',
    subject: `Your ${product} email address was changed`,
    text: `The email address of your ${product} account was changed to ${maskEmail(newEmail)}.\n\nIf you did not do this, contact support at once: someone else may control your account.\n`,
  });
}
