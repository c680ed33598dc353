import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { SecurityEvent, Session, User } from '../ports.js';
import { forgetDevice } from './trusted-devices.js';
import { recordEvent } from './security-events.js';
import { rehashIfOld } from './rehash.js';

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
  await rehashIfOld(deps, token, session, deps.store.sessions);
  if (now - session.lastSeenAt >= touchIntervalMs) {
    await deps.store.sessions.touch(session.id, now);
    session.lastSeenAt = now;
  }
  return { session, user };
}

/**
 * Ends the session. The browser's trusted device is forgotten too when the person asks, or
 * when configuration ends trust at sign-out.
 */
export async function signOut(
  deps: CoreDeps,
  input: { session: Session; user: User; ip: string; userAgent?: string; deviceToken?: string; forgetDevice?: boolean },
): Promise<void> {
  await deps.store.sessions.delete(input.session.id);
  await recordEvent(deps, deps.store, {
    type: 'sign_out',
    userId: input.user.id,
    ip: input.ip,
    userAgent: input.userAgent,
    at: deps.clock.now(),
  });
  if (input.deviceToken && (input.forgetDevice || deps.settings.trustedDevices.endOnSignOut)) {
    await forgetDevice(deps, { user: input.user, token: input.deviceToken, ip: input.ip, userAgent: input.userAgent });
  }
}

/** The person's own recent security events, newest first: what they see as their activity. */
export function recentActivity(deps: CoreDeps, user: User, limit = 20): Promise<SecurityEvent[]> {
  return deps.store.events.listForUser(user.id, limit);
}

/** The person's sessions that are still open, most recently seen first. */
export async function listSessions(deps: CoreDeps, user: User): Promise<Session[]> {
  const now = deps.clock.now();
  const idleLimit = deps.settings.sessions.idleTimeoutMinutes * 60_000;
  return (await deps.store.sessions.listForUser(user.id, now)).filter((session) => now - session.lastSeenAt < idleLimit);
}

/** Signs one other session out, or every other one; the current session stays. */
export async function endOtherSessions(
  deps: CoreDeps,
  input: { user: User; current: Session; sessionId?: string; ip: string; userAgent?: string },
): Promise<number> {
  if (input.sessionId === input.current.id) {
    throw new TesseraError('ERR_INVALID_INPUT', 'That is this session; use Sign out to end it.');
  }
  const ended = input.sessionId
    ? Number(await deps.store.sessions.deleteForUser(input.user.id, input.sessionId))
    : await deps.store.sessions.deleteOthers(input.user.id, input.current.id);
  if (input.sessionId && ended === 0) throw new TesseraError('ERR_NOT_FOUND', 'That session has already ended.');
  await recordEvent(deps, deps.store, {
    type: 'session_revoked',
    userId: input.user.id,
    ip: input.ip,
    userAgent: input.userAgent,
    at: deps.clock.now(),
    detail: input.sessionId ? { sessionId: input.sessionId } : { allOthers: true, ended },
  });
  return ended;
}
