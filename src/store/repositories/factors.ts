import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Factor, FactorRepository } from '../../core/ports.js';
import type { Database } from '../schema.js';
import { inTransaction } from './in-transaction.js';

const toFactor = (row: Selectable<Database['factors']>): Factor => ({
  id: row.id,
  userId: row.user_id,
  kind: row.kind as Factor['kind'],
  label: row.label,
  secretSealed: row.secret_sealed,
  secretFingerprint: row.secret_fingerprint,
  lastUsedStep: row.last_used_step,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
});

export function factorRepository(db: Kysely<Database>): FactorRepository {
  return {
    async listForUser(userId) {
      const rows = await db.selectFrom('factors').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
      return rows.map(toFactor);
    },

    create(factor, recoveryCodeHashes) {
      return inTransaction(db, async (trx) => {
        const inserted = await trx
          .insertInto('factors')
          .values({
            id: factor.id,
            user_id: factor.userId,
            kind: factor.kind,
            label: factor.label,
            secret_sealed: factor.secretSealed,
            secret_fingerprint: factor.secretFingerprint,
            last_used_step: factor.lastUsedStep,
            created_at: factor.createdAt,
            last_used_at: factor.lastUsedAt,
          })
          .onConflict((conflict) => conflict.columns(['user_id', 'secret_fingerprint']).doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
        if (recoveryCodeHashes) {
          await trx.deleteFrom('recovery_codes').where('user_id', '=', factor.userId).execute();
          await trx
            .insertInto('recovery_codes')
            .values(
              recoveryCodeHashes.map((codeHash) => ({
                id: randomUUID(),
                user_id: factor.userId,
                code_hash: codeHash,
                created_at: factor.createdAt,
                used_at: null,
              })),
            )
            .execute();
        }
        return true;
      });
    },

    async acceptTotpStep(factorId, step, now) {
      const result = await db
        .updateTable('factors')
        .set({ last_used_step: step, last_used_at: now })
        .where('id', '=', factorId)
        .where((where) => where.or([where('last_used_step', 'is', null), where('last_used_step', '<', step)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    delete(userId, factorId) {
      return inTransaction(db, async (trx) => {
        const result = await trx
          .deleteFrom('factors')
          .where('id', '=', factorId)
          .where('user_id', '=', userId)
          .executeTakeFirst();
        if (Number(result.numDeletedRows) !== 1) return false;
        const remaining = await trx
          .selectFrom('factors')
          .select((select) => select.fn.countAll<number>().as('count'))
          .where('user_id', '=', userId)
          .executeTakeFirstOrThrow();
        if (Number(remaining.count) === 0) await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
        return true;
      });
    },
  };
}
