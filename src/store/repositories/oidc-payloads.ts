import type { Kysely } from 'kysely';
import type { OidcPayloadRepository } from '../../core/ports.js';
import type { Database } from '../schema.js';

export function oidcPayloadRepository(db: Kysely<Database>): OidcPayloadRepository {
  const live = (model: string, now: number) =>
    db
      .selectFrom('oidc_payloads')
      .select(['payload', 'consumed_at'])
      .where('model', '=', model)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
  const toRecord = (row: { payload: string; consumed_at: number | null } | undefined) =>
    row && { payload: row.payload, consumedAt: row.consumed_at };
  return {
    async upsert(model, id, record) {
      const values = {
        payload: record.payload,
        grant_id: record.grantId ?? null,
        user_code: record.userCode ?? null,
        uid: record.uid ?? null,
        expires_at: record.expiresAt,
      };
      await db
        .insertInto('oidc_payloads')
        .values({ model, id, ...values, consumed_at: null })
        .onConflict((conflict) => conflict.columns(['model', 'id']).doUpdateSet(values))
        .execute();
    },
    async find(model, id, now) {
      return toRecord(await live(model, now).where('id', '=', id).executeTakeFirst());
    },
    async findBy(model, field, value, now) {
      return toRecord(
        await live(model, now)
          .where(field === 'uid' ? 'uid' : 'user_code', '=', value)
          .executeTakeFirst(),
      );
    },
    async consume(model, id, at) {
      await db.updateTable('oidc_payloads').set({ consumed_at: at }).where('model', '=', model).where('id', '=', id).execute();
    },
    async destroy(model, id) {
      await db.deleteFrom('oidc_payloads').where('model', '=', model).where('id', '=', id).execute();
    },
    async list(model, now) {
      return db
        .selectFrom('oidc_payloads')
        .select(['id', 'payload'])
        .where('model', '=', model)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .orderBy('id')
        .execute();
    },
    async revokeByGrantId(grantId) {
      await db.deleteFrom('oidc_payloads').where('grant_id', '=', grantId).execute();
    },
  };
}
