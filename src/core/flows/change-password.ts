import type { CoreDeps } from '../deps.js';
import { assertAcceptablePassword, normalizePassword } from '../passwords.js';
import type { Session, User } from '../ports.js';
import { authorizeAction } from './protected-action.js';
import type { SecondFactorProof } from './second-factor-check.js';
import { confirmPassword } from './sign-in.js';
import { recordEvent } from './security-events.js';

/**
 * Replaces the password after the current one is given again and, with two-step verification
 * on, a second factor (the `password.change` protected action); by default every other session
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
    proof?: SecondFactorProof;
    stepUpId?: string;
    ip: string;
    userAgent?: string;
  },
): Promise<{ endedSessions: number }> {
  const origin = { ip: input.ip, userAgent: input.userAgent };
  await confirmPassword(
    deps,
    { user: input.user, password: input.currentPassword, ...origin },
    'The current password is not right.',
  );
  assertAcceptablePassword(input.newPassword, deps.settings.passwords);
  const passwordHash = await deps.passwords.hash(normalizePassword(input.newPassword));
  const action = {
    user: input.user,
    session: input.session,
    action: 'password.change',
    proof: input.proof,
    stepUpId: input.stepUpId,
    ...origin,
  };
  return authorizeAction(deps, action, async (store) => {
    await store.users.updatePasswordHash(input.user.id, passwordHash);
    const endedSessions = input.endOtherSessions ? await store.sessions.deleteOthers(input.user.id, input.session.id) : 0;
    await store.trustedDevices.deleteAllForUser(input.user.id);
    await recordEvent(deps, store, {
      type: 'password_changed',
      userId: input.user.id,
      ...origin,
      at: deps.clock.now(),
      detail: { endedSessions },
    });
    return { endedSessions };
  });
}
