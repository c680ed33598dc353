import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiter } from '../core/ports.js';
import type { OpenDatabase } from './open-database.js';

type LimiterClass = new (options: Record<string, unknown>, ready: (error?: unknown) => void) => RateLimiterAbstract;

/**
 * The store class for the database in use, loaded on its own: the package's index loads every
 * store it supports (Redis, Mongo, Prisma, …), about 8 MB of memory Tessera does not need.
 */
async function limiterClass(dialect: OpenDatabase['dialect']): Promise<LimiterClass> {
  const module = (await import(
    dialect === 'sqlite' ? 'rate-limiter-flexible/lib/RateLimiterSQLite.js' : 'rate-limiter-flexible/lib/RateLimiterPostgres.js'
  )) as { default: LimiterClass };
  return module.default;
}

/**
 * A per-key budget of `points` per `windowSeconds`, kept in the same database as everything
 * else so it holds across restarts and instances.
 */
export async function createStoreRateLimiter(
  database: OpenDatabase,
  budget: { points: number; windowSeconds: number },
): Promise<RateLimiter> {
  const Limiter = await limiterClass(database.dialect);
  const options = {
    tableName: 'rate_limits',
    points: budget.points,
    duration: budget.windowSeconds,
    keyPrefix: 'ip',
    storeClient: database.driver,
    ...(database.dialect === 'sqlite' ? { storeType: 'better-sqlite3' } : { schemaName: database.schema }),
  };
  const limiter = await new Promise<RateLimiterAbstract>((resolve, reject) => {
    const created: RateLimiterAbstract = new Limiter(options, (error) => (error ? reject(error) : resolve(created)));
  });
  return {
    async consume(key) {
      try {
        await limiter.consume(key);
        return { allowed: true };
      } catch (rejection) {
        if (isRateLimiterRes(rejection)) return { allowed: false, retryAfterMs: rejection.msBeforeNext };
        throw rejection;
      }
    },
  };
}

/** A refusal from the limiter, as opposed to a database error. */
function isRateLimiterRes(value: unknown): value is RateLimiterRes {
  return typeof value === 'object' && value !== null && 'msBeforeNext' in value && 'remainingPoints' in value;
}
