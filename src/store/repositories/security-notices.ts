import type { Kysely } from 'kysely';
import type { SecurityNotice, SecurityNoticeRepository } from '../../core/ports.js';
import type { Database } from '../schema.js';
import { eventColumns, eventFromColumns } from './event-rows.js';

export function securityNoticeRepository(db: Kysely<Database>): SecurityNoticeRepository {
  return {
    async enqueue(notice) {
      await db
        .insertInto('security_notices')
        .values({
          id: notice.id,
          recipient: notice.recipient,
          ...eventColumns(notice.event),
          user_id: notice.userId,
          handled_at: null,
          not_before: null,
        })
        .execute();
    },

    async listDue(now, quietSince, limit) {
      const rows = await db
        .selectFrom('security_notices as waiting')
        .select(['waiting.user_id', 'waiting.recipient'])
        .select((eb) => eb.fn.min('waiting.at').as('oldest'))
        .where('waiting.handled_at', 'is', null)
        .where((eb) => eb.or([eb('waiting.not_before', 'is', null), eb('waiting.not_before', '<=', now)]))
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('security_notices as sent')
                .select('sent.id')
                .whereRef('sent.user_id', '=', 'waiting.user_id')
                .whereRef('sent.recipient', '=', 'waiting.recipient')
                .where('sent.handled_at', '>', quietSince),
            ),
          ),
        )
        .groupBy(['waiting.user_id', 'waiting.recipient'])
        .orderBy('oldest')
        .limit(limit)
        .execute();
      return rows.map((row) => ({ userId: row.user_id, recipient: row.recipient }));
    },

    async take(userId, recipient, now) {
      const rows = await db
        .updateTable('security_notices')
        .set({ handled_at: now })
        .where('user_id', '=', userId)
        .where('recipient', '=', recipient)
        .where('handled_at', 'is', null)
        .returningAll()
        .execute();
      return rows
        .sort((a, b) => a.at - b.at)
        .map((row): SecurityNotice => ({
          id: row.id,
          userId: row.user_id,
          recipient: row.recipient,
          event: eventFromColumns(row),
        }));
    },

    async release(ids, retryAt) {
      if (ids.length === 0) return;
      await db.updateTable('security_notices').set({ handled_at: null, not_before: retryAt }).where('id', 'in', ids).execute();
    },
    async pruneHandled(before) {
      const result = await db.deleteFrom('security_notices').where('handled_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
