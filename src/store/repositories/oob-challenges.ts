import { randomUUID } from 'node:crypto';
import type { Expression, ExpressionBuilder, Kysely, Selectable, SqlBool } from 'kysely';
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
  channel: row.channel as OobChallenge['channel'],
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
            channel: challenge.channel,
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

    async recordSend(send) {
      await db
        .insertInto('code_sends')
        .values({
          id: randomUUID(),
          user_id: send.userId,
          destination_hash: send.destinationHash,
          purpose: send.purpose,
          channel: send.channel,
          country: send.country,
          sent_at: send.at,
        })
        .execute();
    },

    async countSends(send, since) {
      const count = (eb: ExpressionBuilder<Database, 'code_sends'>, condition: Expression<SqlBool>) =>
        eb.fn.sum<number>(eb.case().when(condition).then(1).else(0).end());
      const row = await db
        .selectFrom('code_sends')
        .select((eb) => [
          count(eb, eb.and([eb('user_id', '=', send.userId), eb('sent_at', '>', since.hour)])).as('byUser'),
          count(eb, eb.and([eb('destination_hash', '=', send.destinationHash), eb('sent_at', '>', since.hour)])).as(
            'toDestination',
          ),
          eb.fn
            .max(
              eb
                .case()
                .when(eb.and([eb('user_id', '=', send.userId), eb('purpose', '=', send.purpose)]))
                .then(eb.ref('sent_at'))
                .end(),
            )
            .as('lastAt'),
          count(eb, eb.and([eb('country', '=', send.country ?? ''), eb('sent_at', '>', since.hour)])).as('toCountry'),
          count(eb, eb.and([eb('channel', '!=', 'email'), eb('sent_at', '>', since.hour)])).as('phoneTotal'),
        ])
        .where('sent_at', '>', Math.min(since.hour, since.day))
        .executeTakeFirstOrThrow();
      const otherNumbers = await db
        .selectFrom('code_sends')
        .select((eb) => eb.fn.count<number>('destination_hash').distinct().as('count'))
        .where('user_id', '=', send.userId)
        .where('channel', '!=', 'email')
        .where('destination_hash', '!=', send.destinationHash)
        .where('sent_at', '>', since.day)
        .executeTakeFirstOrThrow();
      return {
        byUser: Number(row.byUser ?? 0),
        toDestination: Number(row.toDestination ?? 0),
        lastAt: Number(row.lastAt ?? 0),
        toCountry: Number(row.toCountry ?? 0),
        phoneTotal: Number(row.phoneTotal ?? 0),
        otherNumbersToday: Number(otherNumbers.count),
      };
    },
  };
}
