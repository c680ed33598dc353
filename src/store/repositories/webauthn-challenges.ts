import type { Kysely } from 'kysely';
import type { WebAuthnChallenge, WebAuthnChallengeRepository } from '../../core/ports.js';
import type { Database } from '../schema.js';

export function webauthnChallengeRepository(db: Kysely<Database>): WebAuthnChallengeRepository {
  return {
    async create(challenge) {
      await db.deleteFrom('webauthn_challenges').where('expires_at', '<=', challenge.createdAt).execute();
      await db
        .insertInto('webauthn_challenges')
        .values({
          id: challenge.id,
          challenge_hash: challenge.challengeHash,
          purpose: challenge.purpose,
          user_id: challenge.userId,
          pending_sign_in_id: challenge.pendingSignInId,
          kind: challenge.kind,
          created_at: challenge.createdAt,
          expires_at: challenge.expiresAt,
        })
        .execute();
    },

    async consume(candidates, now) {
      const row = await db
        .deleteFrom('webauthn_challenges')
        .where('challenge_hash', 'in', candidates)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      return (
        row && {
          id: row.id,
          challengeHash: row.challenge_hash,
          purpose: row.purpose as WebAuthnChallenge['purpose'],
          userId: row.user_id,
          pendingSignInId: row.pending_sign_in_id,
          kind: row.kind as WebAuthnChallenge['kind'],
          createdAt: row.created_at,
          expiresAt: row.expires_at,
        }
      );
    },
  };
}
