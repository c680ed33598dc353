import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrateToLatest, openConfiguredDatabase, pendingMigrations } from '../../src/store/open-database.js';
import { databaseKinds } from '../support/databases.js';
import { freshPostgresSchema, startTestServer, testConfig } from '../support/test-server.js';

describe.each(databaseKinds)('migrations on %s', (database) => {
  it('refuses to start on a schema behind this version when migrating at start is off, and starts once migrated', async () => {
    const postgres = database === 'postgres' ? await freshPostgresSchema() : undefined;
    const base = testConfig({}, database);
    const config = { ...base, database: { ...base.database, migrateOnStart: false } };
    try {
      await expect(startTestServer({ database, config, databaseSchema: postgres?.schema })).rejects.toThrow(
        /001-accounts-and-sessions.* not run\): run tessera migrate first/,
      );
      const opened = await openConfiguredDatabase(config, postgres?.schema);
      expect(await migrateToLatest(opened)).toContain('014-risk-assessments');
      expect(await pendingMigrations(opened)).toEqual([]);
      await opened.close();
      const server = await startTestServer({ database, config, databaseSchema: postgres?.schema });
      expect((await server.app.inject('/readyz')).statusCode).toBe(200);
      await server.close();
    } finally {
      await postgres?.drop();
    }
  });

  it.runIf(database === 'postgres')('opens the PostgreSQL pool with the configured settings', async () => {
    const base = testConfig({}, database);
    const pool = { poolMax: 3, poolIdleTimeoutMs: 1234, poolConnectionTimeoutMs: 2345 };
    const config = { ...base, database: { ...base.database, ...pool } };
    const opened = await openConfiguredDatabase(config);
    expect((opened.driver as pg.Pool).options).toMatchObject({ max: 3, idleTimeoutMillis: 1234, connectionTimeoutMillis: 2345 });
    await opened.close();
  });
});
