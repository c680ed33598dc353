import type { Kysely } from 'kysely';
import type { Amr, PendingSignInRepository } from '../../core/ports.js';
import type { Database } from '../schema.js';

export function pendingSignInRepository(db: Kysely<Database>): PendingSignInRepository {
  return {
    async create(pending) {
      await db
        .deleteFrom('pending_sign_ins')
        .where('user_id', '=', pending.userId)
        .where('expires_at', '<=', pending.createdAt)
        .execute();
      await db
        .insertInto('pending_sign_ins')
        .values({
          id: pending.id,
          token_hash: pending.tokenHash,
          user_id: pending.userId,
          amr: JSON.stringify(pending.amr),
          first_factor_id: pending.firstFactorId,
          risk_assessment_id: pending.riskAssessmentId,
          created_at: pending.createdAt,
          expires_at: pending.expiresAt,
        })
        .execute();
    },

    async findByTokenHash(candidates, now) {
      const row = await db
        .selectFrom('pending_sign_ins')
        .selectAll()
        .where('token_hash', 'in', candidates)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return (
        row && {
          id: row.id,
          tokenHash: row.token_hash,
          userId: row.user_id,
          amr: JSON.parse(row.amr) as Amr[],
          firstFactorId: row.first_factor_id,
          riskAssessmentId: row.risk_assessment_id,
          createdAt: row.created_at,
          expiresAt: row.expires_at,
        }
      );
    },

    async consume(id, now) {
      const result = await db
        .deleteFrom('pending_sign_ins')
        .where('id', '=', id)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
  };
}
