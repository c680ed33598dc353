import type { CoreDeps } from '../deps.js';
import { assertAcceptablePassword, normalizePassword } from '../passwords.js';
import type { Session, User } from '../ports.js';
import { confirmPassword } from './sign-in.js';
import { recordEvent } from './security-events.js';

/**
 * Replaces the password after the current one is given again; by default every other session
 * of the account ends, so a thief holding one is signed out, and no device stays trusted.
 */
export async function changePassword(
  deps: CoreDeps,
  input: {
    user: User;
    session: Session;
    currentPassword: string;
    newPassword: string;
    endOtherSessions: boolean;
    ip: string;
    userAgent?: string;
  },
): Promise<{ endedSessions: number }> {
  await confirmPassword(
    deps,
    { user: input.user, password: input.currentPassword, ip: input.ip, userAgent: input.userAgent },
    'The current password is not right.',
  );
  assertAcceptablePassword(input.newPassword, deps.settings.passwords);

  await deps.store.users.updatePasswordHash(input.user.id, await deps.passwords.hash(normalizePassword(input.newPassword)));
  const endedSessions = input.endOtherSessions ? await deps.store.sessions.deleteOthers(input.user.id, input.session.id) : 0;
  await deps.store.trustedDevices.deleteAllForUser(input.user.id);
  await recordEvent(deps, deps.store, {
    type: 'password_changed',
    userId: input.user.id,
    ip: input.ip,
    userAgent: input.userAgent,
    at: deps.clock.now(),
    detail: { endedSessions },
  });
  return { endedSessions };
}
