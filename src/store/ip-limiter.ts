import type { RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisClientType } from 'redis';
import type { RateLimiter } from '../core/ports.js';
import type { OpenDatabase } from './open-database.js';

type LimiterClass = new (options: Record<string, unknown>, ready?: (error?: unknown) => void) => RateLimiterAbstract;

/** A budget of `points` per key every `windowSeconds`. */
export interface Budget {
  points: number;
  windowSeconds: number;
}

/**
 * One store class of rate-limiter-flexible, loaded on its own: the package's index loads every
 * store it supports (Redis, Mongo, Prisma, …), about 8 MB of memory Tessera does not need.
 */
async function limiterClass(store: 'SQLite' | 'Postgres' | 'Redis'): Promise<LimiterClass> {
  const module = (await import(`rate-limiter-flexible/lib/RateLimiter${store}.js`)) as { default: LimiterClass };
  return module.default;
}

/**
 * A per-key budget kept in the same database as everything else, so it holds across restarts
 * and instances.
 */
export async function createStoreRateLimiter(database: OpenDatabase, budget: Budget): Promise<RateLimiter> {
  const Limiter = await limiterClass(database.dialect === 'sqlite' ? 'SQLite' : 'Postgres');
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
  return asRateLimiter(limiter);
}

/**
 * The same budget in Redis, shared by every instance at the cost of one round trip. While
 * Redis cannot be reached, requests that need the budget fail rather than pass unlimited.
 */
export async function createRedisRateLimiter(
  client: RedisClientType,
  budget: Budget,
  keyPrefix = 'tessera:ip',
): Promise<RateLimiter> {
  const Limiter = await limiterClass('Redis');
  return asRateLimiter(
    new Limiter({
      storeClient: client,
      useRedisPackage: true,
      rejectIfRedisNotReady: true,
      points: budget.points,
      duration: budget.windowSeconds,
      keyPrefix,
    }),
  );
}

function asRateLimiter(limiter: RateLimiterAbstract): RateLimiter {
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
