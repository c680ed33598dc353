import { inCi, postgresReachable } from './services.js';
import type { DatabaseKind } from './test-server.js';

/** The databases this machine can test against: SQLite always, PostgreSQL when reachable (always under CI). */
export const databaseKinds: DatabaseKind[] = inCi || (await postgresReachable()) ? ['sqlite', 'postgres'] : ['sqlite'];
