import type { Kysely } from 'kysely';
import type { GrantRepository, SigningKey, SigningKeyRepository } from '../../core/ports.js';
import type { Database } from '../schema.js';

export function signingKeyRepository(db: Kysely<Database>): SigningKeyRepository {
  return {
    async list(purpose) {
      const rows = await db
        .selectFrom('signing_keys')
        .selectAll()
        .where('purpose', '=', purpose)
        .orderBy('created_at', 'desc')
        .execute();
      return rows.map((row) => ({
        kid: row.kid,
        publicJwk: row.public_jwk,
        privateSealed: row.private_sealed,
        createdAt: row.created_at,
        purpose: row.purpose as SigningKey['purpose'],
      }));
    },

    async create(key) {
      await db
        .insertInto('signing_keys')
        .values({
          kid: key.kid,
          public_jwk: key.publicJwk,
          private_sealed: key.privateSealed,
          created_at: key.createdAt,
          purpose: key.purpose,
        })
        .execute();
    },
  };
}

export function grantRepository(db: Kysely<Database>): GrantRepository {
  return {
    async consume(jti, now, expiresAt) {
      await db.deleteFrom('consumed_grants').where('expires_at', '<', now).execute();
      const result = await db
        .insertInto('consumed_grants')
        .values({ jti, consumed_at: now, expires_at: expiresAt })
        .onConflict((conflict) => conflict.column('jti').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
  };
}
