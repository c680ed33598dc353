import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { OobChallenge, OobChallengeRepository } from '../../core/ports.js';
import type { Database } from '../schema.js';
import { inTransaction } from './in-transaction.js';

const toChallenge = (row: Selectable<Database['oob_challenges']>): OobChallenge => ({
  id: row.id,
  userId: row.user_id,
  purpose: row.purpose as OobChallenge['purpose'],
  pendingSignInId: row.pending_sign_in_id,
  factorId: row.factor_id,
  codeHash: row.code_hash,
  payloadSealed: row.payload_sealed,
  attempts: row.attempts,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
});

export function oobChallengeRepository(db: Kysely<Database>): OobChallengeRepository {
  const sameSlot = (challenge: Pick<OobChallenge, 'userId' | 'purpose' | 'pendingSignInId'>) =>
    db
      .selectFrom('oob_challenges')
      .where('user_id', '=', challenge.userId)
      .where('purpose', '=', challenge.purpose)
      .where('pending_sign_in_id', challenge.pendingSignInId === null ? 'is' : '=', challenge.pendingSignInId);

  return {
    replace(challenge) {
      return inTransaction(db, async (trx) => {
        await trx
          .deleteFrom('oob_challenges')
          .where('user_id', '=', challenge.userId)
          .where('purpose', '=', challenge.purpose)
          .where('pending_sign_in_id', challenge.pendingSignInId === null ? 'is' : '=', challenge.pendingSignInId)
          .execute();
        await trx
          .insertInto('oob_challenges')
          .values({
            id: challenge.id,
            user_id: challenge.userId,
            purpose: challenge.purpose,
            pending_sign_in_id: challenge.pendingSignInId,
            factor_id: challenge.factorId,
            code_hash: challenge.codeHash,
            payload_sealed: challenge.payloadSealed,
            attempts: challenge.attempts,
            created_at: challenge.createdAt,
            expires_at: challenge.expiresAt,
          })
          .execute();
      });
    },

    async find(userId, purpose, pendingSignInId, now) {
      const row = await sameSlot({ userId, purpose, pendingSignInId })
        .selectAll()
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row && toChallenge(row);
    },

    async findById(id, now) {
      const row = await db
        .selectFrom('oob_challenges')
        .selectAll()
        .where('id', '=', id)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row && toChallenge(row);
    },

    async claimAttempt(id, maxAttempts, now) {
      const result = await db
        .updateTable('oob_challenges')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('id', '=', id)
        .where('attempts', '<', maxAttempts)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async consume(id) {
      const result = await db.deleteFrom('oob_challenges').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    async recordSend(userId, destinationHash, purpose, at) {
      await db
        .insertInto('code_sends')
        .values({ id: randomUUID(), user_id: userId, destination_hash: destinationHash, purpose, sent_at: at })
        .execute();
    },

    async countSends(userId, destinationHash, purpose, since) {
      const byUser = await db
        .selectFrom('code_sends')
        .select((eb) => [
          eb.fn.countAll<number>().as('count'),
          eb.fn.max(eb.case().when('purpose', '=', purpose).then(eb.ref('sent_at')).end()).as('lastAt'),
        ])
        .where('user_id', '=', userId)
        .where('sent_at', '>', since)
        .executeTakeFirstOrThrow();
      const toDestination = await db
        .selectFrom('code_sends')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('destination_hash', '=', destinationHash)
        .where('sent_at', '>', since)
        .executeTakeFirstOrThrow();
      return { byUser: Number(byUser.count), toDestination: Number(toDestination.count), lastAt: Number(byUser.lastAt ?? 0) };
    },
  };
}
