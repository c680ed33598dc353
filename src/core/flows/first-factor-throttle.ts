import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';

/**
 * Growing delays per account instead of a hard lock: a lock would let anyone lock anyone out
 * and would tell them which accounts exist. Unknown emails are throttled the same way.
 */
export async function claimPasswordAttempt(deps: CoreDeps, email: string, ip: string): Promise<string> {
  const ipBudget = await deps.ipLimiter.consume(`ip:${ip}`);
  if (!ipBudget.allowed) throw throttled(ipBudget.retryAfterMs);

  const key = deps.keyedHash.hash(`password:${email}`);
  const { freePasswordFailures, baseDelaySeconds, maxDelaySeconds } = deps.settings.throttling;
  const now = deps.clock.now();
  const claim = await deps.store.throttles.claim(key, now, (failures) =>
    failures < freePasswordFailures
      ? 0
      : Math.min(baseDelaySeconds * 2 ** (failures - freePasswordFailures), maxDelaySeconds) * 1000,
  );
  if (!claim.allowed) throw throttled(claim.blockedUntil - now);
  return key;
}

export function throttled(retryAfterMs: number): TesseraError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new TesseraError(
    'ERR_THROTTLED',
    `Too many attempts. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
    seconds * 1000,
  );
}
