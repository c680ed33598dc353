import type { CoreDeps } from '../deps.js';
import type { Session, User } from '../ports.js';

/** Activity is written at most this often, so reading a page is not a write per request. */
const touchIntervalMs = 60_000;

/**
 * The session behind a bearer token, if it is still within its idle and absolute limits;
 * an expired session is deleted on sight.
 */
export async function resumeSession(deps: CoreDeps, token: string): Promise<{ session: Session; user: User } | undefined> {
  const session = await deps.store.sessions.findByTokenHash(deps.keyedHash.candidates(token));
  if (!session) return undefined;
  const now = deps.clock.now();
  const idleLimit = session.lastSeenAt + deps.settings.sessions.idleTimeoutMinutes * 60_000;
  if (now >= session.expiresAt || now >= idleLimit) {
    await deps.store.sessions.delete(session.id);
    return undefined;
  }
  const user = await deps.store.users.findById(session.userId);
  if (!user) return undefined;
  if (now - session.lastSeenAt >= touchIntervalMs) {
    await deps.store.sessions.touch(session.id, now);
    session.lastSeenAt = now;
  }
  return { session, user };
}

export async function signOut(deps: CoreDeps, session: Session, ip: string): Promise<void> {
  await deps.store.sessions.delete(session.id);
  await deps.store.events.record({ type: 'sign_out', userId: session.userId, ip, at: deps.clock.now() });
}
