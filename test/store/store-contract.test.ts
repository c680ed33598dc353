import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKyselyStore } from '../../src/store/kysely-store.js';
import { migrateToLatest, openDatabase } from '../../src/store/open-database.js';
import { describeStoreContract, type StoreUnderTest } from '../../src/store/store-contract.js';
import { databaseKinds } from '../support/databases.js';
import { postgresUrl } from '../support/services.js';
import { type DatabaseKind, freshPostgresSchema } from '../support/test-server.js';

/** A reference implementation, empty: Kysely on a fresh SQLite file, or on a fresh PostgreSQL schema. */
async function openStore(database: DatabaseKind): Promise<StoreUnderTest> {
  const postgres = database === 'postgres' ? await freshPostgresSchema() : undefined;
  const url = postgres ? postgresUrl : `sqlite:${join(mkdtempSync(join(tmpdir(), 'tessera-contract-')), 'tessera.db')}`;
  const opened = await openDatabase(url, { schema: postgres?.schema });
  await migrateToLatest(opened);
  return {
    store: createKyselyStore(opened),
    async close() {
      await opened.close();
      await postgres?.drop();
    },
  };
}

for (const database of databaseKinds) {
  describeStoreContract(`store contract on ${database}`, () => openStore(database));
}
