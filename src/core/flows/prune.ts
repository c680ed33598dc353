import type { CoreDeps } from '../deps.js';

/** How long sent or dropped security notices are kept: the quiet interval needs only the last one. */
const noticeRetentionMs = 30 * 86_400_000;

/**
 * Forgets what has run its course: sessions past their end or idle limit (and the step-up
 * approvals that belonged to them), step-ups nobody approved in time, old handled notices, and
 * risk assessments older than a device stays known (by then any journey is possible, too; the
 * event log keeps what was decided). Returns how many rows went.
 */
export async function pruneExpired(deps: CoreDeps): Promise<number> {
  const now = deps.clock.now();
  const idleSince = now - deps.settings.sessions.idleTimeoutMinutes * 60_000;
  const counts = [
    await deps.store.sessions.deleteExpired(now, idleSince),
    await deps.store.stepUps.pruneUnapproved(now),
    await deps.store.securityNotices.pruneHandled(now - noticeRetentionMs),
    await deps.store.riskAssessments.pruneBefore(now - (deps.settings.adaptive.newDeviceDays + 1) * 86_400_000),
  ];
  return counts.reduce((sum, count) => sum + count, 0);
}
