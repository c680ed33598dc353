import type { FastifyBaseLogger } from 'fastify';
import type { CoreDeps } from './core/deps.js';
import { sendSecurityNotices } from './core/flows/security-notices.js';

export interface NoticeSweeper {
  /** Sends what is due now, after any sweep already running; resolves with how many emails went out. */
  sweep(): Promise<number>;
  /** Stops the timer and waits for the sweep in progress. */
  stop(): Promise<void>;
}

/**
 * Sweeps waiting security notices every `securityNotices.sweepSeconds` (unless `timer` is
 * off, for tests that decide when time passes). One sweep at a time per process; instances
 * share the work safely because a notice is taken atomically.
 */
export function startNoticeSweeper(deps: CoreDeps, logger: FastifyBaseLogger, timer: boolean): NoticeSweeper {
  let running: Promise<number> = Promise.resolve(0);
  const sweep = () => {
    running = running.then(
      () => sendSecurityNotices(deps),
      () => sendSecurityNotices(deps),
    );
    return running;
  };
  const sweepLogged = () =>
    sweep().catch((error: unknown) =>
      logger.error({ err: error }, 'sending security notices failed; retrying at the next sweep'),
    );
  const { enabled, sweepSeconds } = deps.settings.securityNotices;
  const interval = enabled && timer ? setInterval(sweepLogged, sweepSeconds * 1000).unref() : undefined;
  return {
    sweep,
    async stop() {
      clearInterval(interval);
      await running.catch(() => 0);
    },
  };
}
