import type { Kysely, Selectable } from 'kysely';
import type { Amr, StepUp, StepUpRepository } from '../../core/ports.js';
import type { Database } from '../schema.js';

function stepUpOf(row: Selectable<Database['step_ups']>): StepUp {
  return {
    id: row.id,
    userId: row.user_id,
    sessionId: row.session_id,
    action: row.action,
    details: row.details,
    detailsHash: row.details_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    approvedAt: row.approved_at,
    amr: JSON.parse(row.amr) as Amr[],
    lastUsedAt: row.last_used_at,
  };
}

export function stepUpRepository(db: Kysely<Database>): StepUpRepository {
  return {
    async create(stepUp) {
      await db
        .deleteFrom('step_ups')
        .where('session_id', '=', stepUp.sessionId)
        .where('approved_at', 'is', null)
        .where('expires_at', '<=', stepUp.createdAt)
        .execute();
      await db
        .insertInto('step_ups')
        .values({
          id: stepUp.id,
          user_id: stepUp.userId,
          session_id: stepUp.sessionId,
          action: stepUp.action,
          details: stepUp.details,
          details_hash: stepUp.detailsHash,
          created_at: stepUp.createdAt,
          expires_at: stepUp.expiresAt,
          approved_at: stepUp.approvedAt,
          amr: JSON.stringify(stepUp.amr),
          last_used_at: stepUp.lastUsedAt,
        })
        .execute();
    },

    async findPending(id, sessionId, now) {
      const row = await db
        .selectFrom('step_ups')
        .selectAll()
        .where('id', '=', id)
        .where('session_id', '=', sessionId)
        .where('approved_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row && stepUpOf(row);
    },

    async approve(id, amr, now) {
      const result = await db
        .updateTable('step_ups')
        .set({ approved_at: now, last_used_at: now, amr: JSON.stringify(amr) })
        .where('id', '=', id)
        .where('approved_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async latestApproval(sessionId, action) {
      const row = await db
        .selectFrom('step_ups')
        .selectAll()
        .where('session_id', '=', sessionId)
        .where('action', '=', action)
        .where('approved_at', 'is not', null)
        .orderBy('approved_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row && stepUpOf(row);
    },

    async touch(id, now) {
      await db.updateTable('step_ups').set({ last_used_at: now }).where('id', '=', id).execute();
    },
    async pruneUnapproved(now) {
      const result = await db
        .deleteFrom('step_ups')
        .where('approved_at', 'is', null)
        .where('expires_at', '<=', now)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
