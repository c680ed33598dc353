import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import { assertAcceptablePassword, normalizePassword } from '../passwords.js';
import type { SignInClient } from '../ports.js';
import { afterFirstFactor, type AfterFirstFactor } from './after-first-factor.js';
import { sendLinkIfKnown } from './magic-links.js';
import { takeOobCode } from './take-oob-code.js';
import { recordEvent } from './security-events.js';

const invalid = () => new TesseraError('ERR_LINK_INVALID', 'This reset link has expired or was already used. Ask for a new one.');

/** "Forgot your password?": the same answer for every address; only a confirmed one gets a link. */
export function requestPasswordReset(deps: CoreDeps, input: { email: string; ip: string; userAgent?: string }): Promise<void> {
  return sendLinkIfKnown(deps, { ...input, purpose: 'password_reset' });
}

/**
 * Sets a new password with the emailed link, once. Every session and trusted device of the
 * account ends. The reset is a first factor: a person with two-step verification still passes
 * it (or uses a recovery code) before a session exists, unless `passwordReset.skipsSecondFactor`.
 */
export async function resetPassword(
  deps: CoreDeps,
  input: { challengeId: string; token: string; newPassword: string } & SignInClient,
): Promise<AfterFirstFactor> {
  assertAcceptablePassword(input.newPassword, deps.settings.passwords);
  const now = deps.clock.now();
  const challenge = await deps.store.oobChallenges.findById(input.challengeId, now);
  if (challenge?.purpose !== 'password_reset' || !(await takeOobCode(deps, challenge, input.token))) throw invalid();
  const user = await deps.store.users.findById(challenge.userId);
  if (!user) throw invalid();

  const passwordHash = await deps.passwords.hash(normalizePassword(input.newPassword));
  await deps.store.transaction(async (store) => {
    await store.users.updatePasswordHash(user.id, passwordHash);
    await store.sessions.deleteAllForUser(user.id);
    await store.trustedDevices.deleteAllForUser(user.id);
    await recordEvent(deps, store, {
      type: 'password_changed',
      userId: user.id,
      ip: input.ip,
      userAgent: input.userAgent,
      at: now,
      detail: { reset: true },
    });
  });
  return afterFirstFactor(deps, {
    user: { ...user, passwordHash },
    amr: ['pwd', 'magic_link'],
    ip: input.ip,
    userAgent: input.userAgent,
    // The trusted devices ended with the old password; the device cookie still tells adaptive sign-in who this is.
    browserToken: input.browserToken,
    multiFactor: deps.settings.passwordReset.skipsSecondFactor,
  });
}
