import type { Kysely, Selectable } from 'kysely';
import type { HostPeopleRepository, Prompt, PromptRepository } from '../../core/ports.js';
import type { Database } from '../schema.js';

const toPrompt = (row: Selectable<Database['prompts']>): Prompt => ({
  id: row.id,
  tokenHash: row.token_hash,
  appId: row.app_id,
  userId: row.user_id,
  externalId: row.external_id,
  requestId: row.request_id,
  action: row.action,
  details: row.details,
  returnTo: row.return_to,
  state: row.state,
  createdAt: Number(row.created_at),
  expiresAt: Number(row.expires_at),
  outcome: row.result === null ? null : JSON.parse(row.result),
});

export function promptRepository(db: Kysely<Database>): PromptRepository {
  return {
    async create(prompt) {
      await db
        .insertInto('prompts')
        .values({
          id: prompt.id,
          token_hash: prompt.tokenHash,
          app_id: prompt.appId,
          user_id: prompt.userId,
          external_id: prompt.externalId,
          request_id: prompt.requestId,
          action: prompt.action,
          details: prompt.details,
          return_to: prompt.returnTo,
          state: prompt.state,
          created_at: prompt.createdAt,
          expires_at: prompt.expiresAt,
          result: prompt.outcome && JSON.stringify(prompt.outcome),
        })
        .execute();
    },
    async findOpen(tokenHashes, now) {
      const row = await db
        .selectFrom('prompts')
        .selectAll()
        .where('token_hash', 'in', tokenHashes)
        .where('expires_at', '>', now)
        .where('result', 'is', null)
        .executeTakeFirst();
      return row && toPrompt(row);
    },
    async complete(id, outcome, codeHash, codeExpiresAt) {
      const result = await db
        .updateTable('prompts')
        .set({ result: JSON.stringify(outcome), code_hash: codeHash, code_expires_at: codeExpiresAt })
        .where('id', '=', id)
        .where('result', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async exchange(codeHashes, now) {
      const row = await db
        .updateTable('prompts')
        .set({ exchanged_at: now })
        .where('code_hash', 'in', codeHashes)
        .where('exchanged_at', 'is', null)
        .where('code_expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      return row && toPrompt(row);
    },
  };
}

export function hostPeopleRepository(db: Kysely<Database>): HostPeopleRepository {
  return {
    async link(externalId, userId, at) {
      const result = await db
        .insertInto('host_people')
        .values({ external_id: externalId, user_id: userId, created_at: at })
        .onConflict((conflict) => conflict.doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async findUserId(externalId) {
      const row = await db.selectFrom('host_people').select('user_id').where('external_id', '=', externalId).executeTakeFirst();
      return row?.user_id;
    },
  };
}
