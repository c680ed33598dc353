import { type Kysely, sql } from 'kysely';
import type { LockoutRepository } from '../../core/ports.js';
import type { Database } from '../schema.js';

export function lockoutRepository(db: Kysely<Database>): LockoutRepository {
  return {
    async claim(userId, now, maxFailures, lockMs) {
      // One conditional UPDATE: parallel attempts each add exactly one, and none gets past a lock.
      // Parameters are cast so PostgreSQL does not infer 32-bit integers for epoch milliseconds.
      const nowParam = sql<number>`cast(${now} as bigint)`;
      const failures = sql<number>`case when mfa_locked_until > 0 and mfa_locked_until <= ${nowParam} then 1 else mfa_failures + 1 end`;
      const row = await db
        .updateTable('users')
        .set({
          mfa_failures: failures,
          mfa_locked_until: sql<number>`case when ${failures} >= ${maxFailures} then cast(${now + lockMs} as bigint) else 0 end`,
        })
        .where('id', '=', userId)
        .where('mfa_locked_until', '<=', now)
        .returning(['mfa_failures'])
        .executeTakeFirst();
      if (row) return { allowed: true, failures: row.mfa_failures };
      return { allowed: false, lockedUntil: await this.lockedUntil(userId) };
    },

    async reset(userId) {
      await db.updateTable('users').set({ mfa_failures: 0, mfa_locked_until: 0 }).where('id', '=', userId).execute();
    },

    async lockedUntil(userId) {
      const row = await db.selectFrom('users').select('mfa_locked_until').where('id', '=', userId).executeTakeFirst();
      return row?.mfa_locked_until ?? 0;
    },
  };
}
