import type { Kysely } from 'kysely';
import type { ThrottleRepository } from '../../core/ports.js';
import type { Dialect } from '../open-database.js';
import type { Database } from '../schema.js';
import { inTransaction } from './in-transaction.js';

export function throttleRepository(db: Kysely<Database>, dialect: Dialect): ThrottleRepository {
  return {
    claim(key, now, blockFor) {
      return inTransaction(db, async (trx) => {
        await trx
          .insertInto('attempt_throttles')
          .values({ key, failures: 0, blocked_until: 0, updated_at: now })
          .onConflict((conflict) => conflict.column('key').doNothing())
          .execute();
        const row = await trx
          .selectFrom('attempt_throttles')
          .select(['failures', 'blocked_until'])
          .where('key', '=', key)
          .$if(dialect === 'postgres', (query) => query.forUpdate())
          .executeTakeFirstOrThrow();
        if (row.blocked_until > now) return { allowed: false as const, blockedUntil: row.blocked_until };
        const failures = row.failures + 1;
        await trx
          .updateTable('attempt_throttles')
          .set({ failures, blocked_until: now + blockFor(failures), updated_at: now })
          .where('key', '=', key)
          .execute();
        return { allowed: true as const, failures };
      });
    },
    async clear(key) {
      await db.deleteFrom('attempt_throttles').where('key', '=', key).execute();
    },
  };
}
