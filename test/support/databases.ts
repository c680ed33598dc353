import { inCi, postgresReachable, redisReachable } from './services.js';
import type { DatabaseKind } from './test-server.js';

/** The databases this machine can test against: SQLite always, PostgreSQL when reachable (always under CI). */
export const databaseKinds: DatabaseKind[] = inCi || (await postgresReachable()) ? ['sqlite', 'postgres'] : ['sqlite'];

/** Where rate limits can be kept on this machine: the database always, Redis when reachable (always under CI). */
export const rateLimitStores: ('database' | 'redis')[] = inCi || (await redisReachable()) ? ['database', 'redis'] : ['database'];
