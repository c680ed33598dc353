import type { CoreDeps } from '../deps.js';
import type { User } from '../ports.js';
import { applyMfaReset, resettableFactors } from './mfa-setup.js';
import { recordEvent } from './security-events.js';

/** Who acted, for the event: an administrator's or operator's name, and where from. */
export interface Operator {
  name: string;
  ip: string;
}

/**
 * An administrator resets a person's two-step verification, for someone who lost every
 * method: everything goes, and the next sign-in leads through setting up again after the
 * password and a code to the confirmed address.
 */
export async function adminResetMfa(deps: CoreDeps, user: User, operator: Operator): Promise<void> {
  const factors = await resettableFactors(deps, user);
  await deps.store.transaction((store) => applyMfaReset(deps, store, user, factors, { ip: operator.ip }, operator.name));
}

/** Ends a lock after too many wrong codes, before it runs out. */
export async function adminUnlock(deps: CoreDeps, user: User, operator: Operator): Promise<void> {
  await deps.store.lockout.reset(user.id);
  await recordEvent(deps, deps.store, {
    type: 'account_unlocked',
    userId: user.id,
    ip: operator.ip,
    at: deps.clock.now(),
    detail: { by: operator.name },
  });
}

/** Signs the person out everywhere and forgets every trusted device. */
export async function adminRevokeSessions(
  deps: CoreDeps,
  user: User,
  operator: Operator,
): Promise<{ sessions: number; devices: number }> {
  return deps.store.transaction(async (store) => {
    const sessions = await store.sessions.deleteAllForUser(user.id);
    const devices = await store.trustedDevices.deleteAllForUser(user.id);
    await recordEvent(deps, store, {
      type: 'session_revoked',
      userId: user.id,
      ip: operator.ip,
      at: deps.clock.now(),
      detail: { by: operator.name, allSessions: sessions, devices },
    });
    return { sessions, devices };
  });
}
