import { type Kysely, sql } from 'kysely';
import type { KeyUsageRepository } from '../../core/ports.js';
import type { Database } from '../schema.js';

/** The values kept under a server key, and long enough to matter when a key is retired. */
const keptValues = [
  { name: 'factor secrets', table: 'factors', column: 'secret_sealed' },
  { name: 'signing keys', table: 'signing_keys', column: 'private_sealed' },
  { name: 'webhook secrets', table: 'webhook_subscriptions', column: 'secret_sealed' },
  { name: 'sessions', table: 'sessions', column: 'token_hash' },
  { name: 'trusted devices', table: 'trusted_devices', column: 'token_hash' },
  { name: 'unused recovery codes', table: 'recovery_codes', column: 'code_hash', where: sql<boolean>`used_at is null` },
  { name: 'factor fingerprints', table: 'factors', column: 'secret_fingerprint' },
  { name: 'API keys', table: 'api_keys', column: 'secret_hash', where: sql<boolean>`revoked_at is null` },
] as const;

export function keyUsageRepository(db: Kysely<Database>): KeyUsageRepository {
  return {
    async sealedBatch(kind, afterId, limit) {
      if (kind === 'factor') {
        const rows = await db
          .selectFrom('factors')
          .select(['id', 'user_id', 'secret_sealed'])
          .where('id', '>', afterId)
          .orderBy('id')
          .limit(limit)
          .execute();
        return rows.map((row) => ({ id: row.id, owner: row.user_id, sealed: row.secret_sealed }));
      }
      const rows = await db
        .selectFrom('signing_keys')
        .select(['kid', 'private_sealed'])
        .where('kid', '>', afterId)
        .orderBy('kid')
        .limit(limit)
        .execute();
      return rows.map((row) => ({ id: row.kid, owner: row.kid, sealed: row.private_sealed }));
    },
    async reseal(kind, id, from, to) {
      const result =
        kind === 'factor'
          ? await db
              .updateTable('factors')
              .set({ secret_sealed: to })
              .where('id', '=', id)
              .where('secret_sealed', '=', from)
              .executeTakeFirst()
          : await db
              .updateTable('signing_keys')
              .set({ private_sealed: to })
              .where('kid', '=', id)
              .where('private_sealed', '=', from)
              .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async keyIdsInUse(keyIds) {
      const usage: Record<string, Record<string, number>> = {};
      for (const value of keptValues) {
        const column = sql.ref(value.column);
        const counted = (prefix: string | undefined) => {
          let query = db.selectFrom(value.table).select((eb) => eb.fn.countAll<number | string>().as('rows'));
          if ('where' in value) query = query.where(value.where);
          // Key ids may hold `_`, a LIKE wildcard, so it is escaped.
          if (prefix !== undefined)
            query = query.where(sql<boolean>`${column} like ${`${prefix.replace(/[\\_%]/g, '\\$&')}:%`} escape '\\'`);
          return query.executeTakeFirstOrThrow().then((row) => Number(row.rows));
        };
        const byKey = Object.fromEntries(await Promise.all(keyIds.map(async (id) => [id, await counted(id)] as const)));
        const other = (await counted(undefined)) - Object.values(byKey).reduce((sum, rows) => sum + rows, 0);
        usage[value.name] = other > 0 ? { ...byKey, 'another key': other } : byKey;
      }
      return usage;
    },
  };
}
