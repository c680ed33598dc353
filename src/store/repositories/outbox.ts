import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { OutboundMessage, OutboxMessage, OutboxRepository } from '../../core/ports.js';
import type { Database } from '../schema.js';

export function outboxRepository(db: Kysely<Database>): OutboxRepository {
  return {
    async record(message, at) {
      await db
        .insertInto('outbox_messages')
        .values({
          id: randomUUID(),
          channel: message.channel,
          to_address: message.to,
          purpose: message.purpose,
          subject: message.subject,
          text: message.text,
          created_at: at,
        })
        .execute();
    },

    async latest(limit) {
      const rows = await db.selectFrom('outbox_messages').selectAll().orderBy('created_at', 'desc').limit(limit).execute();
      return rows.map((row): OutboxMessage => ({
        id: row.id,
        channel: row.channel as OutboundMessage['channel'],
        to: row.to_address,
        purpose: row.purpose,
        subject: row.subject,
        text: row.text,
        createdAt: row.created_at,
      }));
    },
  };
}
