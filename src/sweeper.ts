import type { FastifyBaseLogger } from 'fastify';
import type { CoreDeps } from './core/deps.js';
import { recordCoverageSnapshot } from './core/flows/coverage.js';
import { deleteDueAccounts } from './core/flows/delete-account.js';
import { sendSecurityNotices } from './core/flows/security-notices.js';

/** What one sweep did. */
export interface Swept {
  /** Security notice emails sent. */
  notices: number;
  /** Accounts deleted at the end of their grace period. */
  deletedAccounts: number;
  /** Whether the day's coverage snapshot was taken. */
  coverageSnapshot: boolean;
}

export interface Sweeper {
  /** Does what is due now, after any sweep already running. */
  sweep(): Promise<Swept>;
  /** Stops the timer and waits for the sweep in progress. */
  stop(): Promise<void>;
}

/**
 * The work that waits for its time: security notices, accounts whose deletion is due and the
 * day's coverage snapshot, every
 * `securityNotices.sweepSeconds` (unless `timer` is off, for tests that decide when time
 * passes). One sweep at a time per process; instances share the work safely because a notice
 * is taken atomically and deleting an account twice deletes it once.
 */
export function startSweeper(deps: CoreDeps, logger: FastifyBaseLogger, timer: boolean): Sweeper {
  const once = async (): Promise<Swept> => ({
    notices: deps.settings.securityNotices.enabled ? await sendSecurityNotices(deps) : 0,
    deletedAccounts: await deleteDueAccounts(deps),
    coverageSnapshot: await recordCoverageSnapshot(deps),
  });
  let running: Promise<Swept> = Promise.resolve({ notices: 0, deletedAccounts: 0, coverageSnapshot: false });
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
