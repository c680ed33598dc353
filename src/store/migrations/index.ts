import type { Migration, MigrationProvider } from 'kysely';
import * as accountsAndSessions from './001-accounts-and-sessions.js';
import * as secondFactors from './002-second-factors.js';

/** Migrations in order; a new one is appended here and never edited once released. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async (): Promise<Record<string, Migration>> => ({
    '001-accounts-and-sessions': accountsAndSessions,
    '002-second-factors': secondFactors,
  }),
};
