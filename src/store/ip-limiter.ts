import { RateLimiterPostgres, RateLimiterRes, RateLimiterSQLite } from 'rate-limiter-flexible';
import type { RateLimiter } from '../core/ports.js';
import type { OpenDatabase } from './open-database.js';

/**
 * A per-key budget of `points` per `windowSeconds`, kept in the same database as everything
 * else so it holds across restarts and instances.
 */
export async function createStoreRateLimiter(
  database: OpenDatabase,
  budget: { points: number; windowSeconds: number },
): Promise<RateLimiter> {
  const common = { tableName: 'rate_limits', points: budget.points, duration: budget.windowSeconds, keyPrefix: 'ip' };
  const limiter = await new Promise<RateLimiterSQLite | RateLimiterPostgres>((resolve, reject) => {
    const ready = (error?: unknown) => (error ? reject(error) : resolve(limiter));
    const limiter =
      database.dialect === 'sqlite'
        ? new RateLimiterSQLite({ ...common, storeClient: database.driver, storeType: 'better-sqlite3' }, ready)
        : new RateLimiterPostgres({ ...common, storeClient: database.driver, schemaName: database.schema }, ready);
  });
  return {
    async consume(key) {
      try {
        await limiter.consume(key);
        return { allowed: true };
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) return { allowed: false, retryAfterMs: rejection.msBeforeNext };
        throw rejection;
      }
    },
  };
}
