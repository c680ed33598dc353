import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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

describe.each(databaseKinds)('sessions on %s', (database) => {
  it('raise a session’s assurance under a new token, adding each method of the second factor to its amr once', async () => {
    const { store, close } = await openStore(database);
    try {
      await store.users.create({
        id: 'u1',
        email: 'ada@example.com',
        passwordHash: 'hash',
        createdAt: 1_000,
        emailVerifiedAt: null,
        mfaSetupRequired: false,
        mfaResetAt: null,
        deletionDueAt: null,
        mfaEnforcedAt: null,
        enforcedSignIns: 0,
      });
      await store.sessions.create({
        id: 's1',
        userId: 'u1',
        tokenHash: 'k1:old',
        aal: 1,
        amr: ['pwd', 'trusted_device'],
        authTime: 1_000,
        mfaAt: null,
        createdAt: 1_000,
        lastSeenAt: 1_000,
        expiresAt: 90_000_000,
        ip: '192.0.2.1',
        userAgent: 'Mozilla/5.0',
        enrollmentOnly: false,
      });
      await store.sessions.raiseAssurance('s1', 'k1:new', 5_000, ['otp']);
      await store.sessions.raiseAssurance('s1', 'k1:newer', 6_000, ['hwk', 'user', 'otp']);
      expect(await store.sessions.findByTokenHash(['k1:old', 'k1:new'])).toBeUndefined();
      expect(await store.sessions.findByTokenHash(['k1:newer'])).toMatchObject({
        aal: 2,
        mfaAt: 6_000,
        amr: ['pwd', 'trusted_device', 'otp', 'hwk', 'user'],
      });
    } finally {
      await close();
    }
  });
});
