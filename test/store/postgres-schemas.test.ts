import { describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase } from '../../src/store/open-database.js';
import { databaseKinds } from '../support/databases.js';
import { postgresUrl } from '../support/services.js';
import { freshPostgresSchema } from '../support/test-server.js';

describe.skipIf(!databaseKinds.includes('postgres'))('PostgreSQL schemas', () => {
  it('migrates a fresh schema while another schema already holds Tessera’s tables', async () => {
    const first = await freshPostgresSchema();
    const second = await freshPostgresSchema();
    const a = await openDatabase(postgresUrl, { schema: first.schema });
    const b = await openDatabase(postgresUrl, { schema: second.schema });
    try {
      expect(await migrateToLatest(a)).toContain('001-accounts-and-sessions');
      expect(await migrateToLatest(b)).toContain('001-accounts-and-sessions');
      expect(await migrateToLatest(b)).toEqual([]);
    } finally {
      await a.close();
      await b.close();
      await first.drop();
      await second.drop();
    }
  });
});
