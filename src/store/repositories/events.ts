import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { EventRepository, SecurityEvent } from '../../core/ports.js';
import type { Database } from '../schema.js';

export function eventRepository(db: Kysely<Database>): EventRepository {
  return {
    async record(event) {
      await db
        .insertInto('security_events')
        .values({
          id: randomUUID(),
          type: event.type,
          user_id: event.userId,
          ip: event.ip,
          at: event.at,
          detail: event.detail ? JSON.stringify(event.detail) : null,
        })
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
      return rows.map((row): SecurityEvent => ({
        type: row.type as SecurityEvent['type'],
        userId: row.user_id,
        ip: row.ip,
        at: row.at,
        ...(row.detail ? { detail: JSON.parse(row.detail) as Record<string, unknown> } : {}),
      }));
    },
  };
}
