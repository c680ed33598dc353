import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { RecoveryCodeRepository } from '../../core/ports.js';
import type { Database } from '../schema.js';
import { inTransaction } from './in-transaction.js';

export function recoveryCodeRepository(db: Kysely<Database>): RecoveryCodeRepository {
  return {
    async replace(userId, codeHashes, now) {
      await inTransaction(db, async (trx) => {
        await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
        await trx
          .insertInto('recovery_codes')
          .values(
            codeHashes.map((codeHash) => ({
              id: randomUUID(),
              user_id: userId,
              code_hash: codeHash,
              created_at: now,
              used_at: null,
            })),
          )
          .execute();
      });
    },

    async consume(userId, candidates, now) {
      const result = await db
        .updateTable('recovery_codes')
        .set({ used_at: now })
        .where('user_id', '=', userId)
        .where('code_hash', 'in', candidates)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async countUnused(userId) {
      const row = await db
        .selectFrom('recovery_codes')
        .select((select) => select.fn.countAll<number>().as('count'))
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },
  };
}
