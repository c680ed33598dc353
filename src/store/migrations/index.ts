import type { Migration, MigrationProvider } from 'kysely';
import * as accountsAndSessions from './001-accounts-and-sessions.js';

/** Migrations in order; a new one is appended here and never edited once released. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async (): Promise<Record<string, Migration>> => ({
    '001-accounts-and-sessions': accountsAndSessions,
  }),
};
