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
  };
}
