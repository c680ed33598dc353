import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { EventRepository } from '../../core/ports.js';
import type { Database } from '../schema.js';
import { eventColumns, eventFromColumns } from './event-rows.js';

export function eventRepository(db: Kysely<Database>): EventRepository {
  return {
    async record(event) {
      await db
        .insertInto('security_events')
        .values({ id: randomUUID(), ...eventColumns(event) })
        .execute();
    },
    async countFailedSignInsFrom(ip, since, exceptUserId) {
      const row = await db
        .selectFrom('security_events')
        .select((eb) => eb.fn.countAll<number | string>().as('failures'))
        .where('ip', '=', ip)
        .where('at', '>=', since)
        .where('type', '=', 'sign_in_failed')
        .where((eb) => eb.or([eb('user_id', 'is', null), eb('user_id', '!=', exceptUserId)]))
        .executeTakeFirstOrThrow();
      return Number(row.failures);
    },
    async listForUser(userId, limit) {
      const rows = await db
        .selectFrom('security_events')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('at', 'desc')
        .limit(limit)
        .execute();
      return rows.map(eventFromColumns);
    },
    async search(filter, limit) {
      if (filter.userIds?.length === 0) return [];
      let query = db.selectFrom('security_events').selectAll().orderBy('at', 'desc').limit(limit);
      if (filter.userIds) query = query.where('user_id', 'in', filter.userIds);
      if (filter.type) query = query.where('type', '=', filter.type);
      if (filter.outcome) query = query.where('outcome', '=', filter.outcome);
      if (filter.from !== undefined) query = query.where('at', '>=', filter.from);
      if (filter.to !== undefined) query = query.where('at', '<', filter.to);
      return (await query.execute()).map(eventFromColumns);
    },
  };
}
