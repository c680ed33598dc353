import type { Kysely, Selectable } from 'kysely';
import type { ApiScope } from '../../core/api-scopes.js';
import type { ApiKey, ApiKeyRepository } from '../../core/ports.js';
import type { Database } from '../schema.js';

const toApiKey = (row: Selectable<Database['api_keys']>): ApiKey => ({
  id: row.id,
  name: row.name,
  secretHash: row.secret_hash,
  scopes: JSON.parse(row.scopes) as ApiScope[],
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
  createdBy: row.created_by,
});

export function apiKeyRepository(db: Kysely<Database>): ApiKeyRepository {
  const byId = (id: string) => db.selectFrom('api_keys').selectAll().where('id', '=', id);
  return {
    async create(key) {
      await db
        .insertInto('api_keys')
        .values({
          id: key.id,
          name: key.name,
          secret_hash: key.secretHash,
          scopes: JSON.stringify(key.scopes),
          created_at: key.createdAt,
          last_used_at: key.lastUsedAt,
          revoked_at: key.revokedAt,
          created_by: key.createdBy,
        })
        .execute();
    },
    async findById(id) {
      const row = await byId(id).executeTakeFirst();
      return row && toApiKey(row);
    },
    async findActive(id) {
      const row = await byId(id).where('revoked_at', 'is', null).executeTakeFirst();
      return row && toApiKey(row);
    },
    async list() {
      const rows = await db.selectFrom('api_keys').selectAll().orderBy('created_at', 'desc').orderBy('id').execute();
      return rows.map(toApiKey);
    },
    async touch(id, now) {
      await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
    },
    async rehash(id, secretHash) {
      await db.updateTable('api_keys').set({ secret_hash: secretHash }).where('id', '=', id).execute();
    },
    async revoke(id, now) {
      const result = await db
        .updateTable('api_keys')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
