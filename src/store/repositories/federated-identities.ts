import type { Kysely } from 'kysely';
import type { FederatedIdentityRepository } from '../../core/ports.js';
import type { Database } from '../schema.js';

export function federatedIdentityRepository(db: Kysely<Database>): FederatedIdentityRepository {
  return {
    async findUserId(provider, subject) {
      const row = await db
        .selectFrom('federated_identities')
        .select('user_id')
        .where('provider', '=', provider)
        .where('subject', '=', subject)
        .executeTakeFirst();
      return row?.user_id;
    },
    async link(identity) {
      await db
        .insertInto('federated_identities')
        .values({
          provider: identity.provider,
          subject: identity.subject,
          user_id: identity.userId,
          created_at: identity.createdAt,
        })
        .onConflict((conflict) => conflict.columns(['provider', 'subject']).doNothing())
        .execute();
    },
  };
}
