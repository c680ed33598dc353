import type { FastifyBaseLogger } from 'fastify';
import type { CoreDeps } from './core/deps.js';
import { recordCoverageSnapshot } from './core/flows/coverage.js';
import { deleteDueAccounts } from './core/flows/delete-account.js';
import { pruneExpired } from './core/flows/prune.js';
import { sendSecurityNotices } from './core/flows/security-notices.js';

/** What one sweep did. */
export interface Swept {
  /** Security notice emails sent. */
  notices: number;
  /** Accounts deleted at the end of their grace period. */
  deletedAccounts: number;
  /** Whether the day's coverage snapshot was taken. */
  coverageSnapshot: boolean;
  /** Rows of ended sessions, unapproved step-ups and old notices forgotten. */
  pruned: number;
}

const pruneIntervalMs = 3_600_000;

export interface Sweeper {
  /** Does what is due now, after any sweep already running. */
  sweep(): Promise<Swept>;
  /** Stops the timer and waits for the sweep in progress. */
  stop(): Promise<void>;
}

/**
 * The work that waits for its time: security notices, accounts whose deletion is due, the
 * day's coverage snapshot and forgetting what has expired, every
 * `securityNotices.sweepSeconds` (unless `timer` is off, for tests that decide when time
 * passes). One sweep at a time per process; instances share the work safely because a notice
 * is taken atomically and deleting an account twice deletes it once.
 */
export function startSweeper(deps: CoreDeps, logger: FastifyBaseLogger, timer: boolean): Sweeper {
  let prunedAt = Number.NEGATIVE_INFINITY;
  /** Forgetting what expired scans whole tables, so it runs once an hour, not every sweep. */
  const pruneHourly = async () => {
    if (deps.clock.now() - prunedAt < pruneIntervalMs) return 0;
    prunedAt = deps.clock.now();
    return pruneExpired(deps);
  };
  const once = async (): Promise<Swept> => ({
    notices: deps.settings.securityNotices.enabled ? await sendSecurityNotices(deps) : 0,
    deletedAccounts: await deleteDueAccounts(deps),
    coverageSnapshot: await recordCoverageSnapshot(deps),
    pruned: await pruneHourly(),
  });
  let running: Promise<Swept> = Promise.resolve({ notices: 0, deletedAccounts: 0, coverageSnapshot: false, pruned: 0 });
  const sweep = () => (running = running.then(once, once));
  const sweepLogged = () =>
    sweep().catch((error: unknown) => logger.error({ err: error }, 'background sweep failed; retrying at the next one'));
  const interval = timer ? setInterval(sweepLogged, deps.settings.securityNotices.sweepSeconds * 1000).unref() : undefined;
  return {
    sweep,
    async stop() {
      clearInterval(interval);
      await running.catch(() => undefined);
    },
  };
}
