import type { Kysely, Selectable } from 'kysely';
import type { Amr, Session, SessionRepository } from '../../core/ports.js';
import type { Database } from '../schema.js';

const toSession = (row: Selectable<Database['sessions']>): Session => ({
  id: row.id,
  userId: row.user_id,
  tokenHash: row.token_hash,
  aal: row.aal === 2 ? 2 : 1,
  amr: JSON.parse(row.amr) as Amr[],
  authTime: row.auth_time,
  mfaAt: row.mfa_at,
  createdAt: row.created_at,
  lastSeenAt: row.last_seen_at,
  expiresAt: row.expires_at,
  ip: row.ip,
  userAgent: row.user_agent,
  enrollmentOnly: row.enrollment_only === 1,
});

export function sessionRepository(db: Kysely<Database>): SessionRepository {
  return {
    async create(session) {
      await db
        .insertInto('sessions')
        .values({
          id: session.id,
          user_id: session.userId,
          token_hash: session.tokenHash,
          aal: session.aal,
          amr: JSON.stringify(session.amr),
          auth_time: session.authTime,
          mfa_at: session.mfaAt,
          created_at: session.createdAt,
          last_seen_at: session.lastSeenAt,
          expires_at: session.expiresAt,
          ip: session.ip,
          user_agent: session.userAgent,
          enrollment_only: session.enrollmentOnly ? 1 : 0,
        })
        .execute();
    },
    async findByTokenHash(candidates) {
      const row = await db.selectFrom('sessions').selectAll().where('token_hash', 'in', candidates).executeTakeFirst();
      return row && toSession(row);
    },
    async touch(id, lastSeenAt) {
      await db.updateTable('sessions').set({ last_seen_at: lastSeenAt }).where('id', '=', id).execute();
    },
    async raiseAssurance(id, tokenHash, mfaAt, amr) {
      const row = await db.selectFrom('sessions').select('amr').where('id', '=', id).executeTakeFirst();
      if (!row) return;
      const methods = [...new Set([...(JSON.parse(row.amr) as Amr[]), ...amr])];
      await db
        .updateTable('sessions')
        .set({ token_hash: tokenHash, aal: 2, mfa_at: mfaAt, amr: JSON.stringify(methods) })
        .where('id', '=', id)
        .execute();
    },
    async delete(id) {
      await db.deleteFrom('sessions').where('id', '=', id).execute();
    },
    async deleteOthers(userId, keepSessionId) {
      const result = await db
        .deleteFrom('sessions')
        .where('user_id', '=', userId)
        .where('id', '!=', keepSessionId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async deleteAllForUser(userId) {
      const result = await db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async listForUser(userId, now) {
      const rows = await db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', userId)
        .where('expires_at', '>', now)
        .orderBy('last_seen_at', 'desc')
        .orderBy('id')
        .execute();
      return rows.map(toSession);
    },
    async deleteForUser(userId, id) {
      const result = await db.deleteFrom('sessions').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    async liftEnrollmentOnly(userId) {
      await db.updateTable('sessions').set({ enrollment_only: 0 }).where('user_id', '=', userId).execute();
    },
    async deleteExpired(now, idleSince) {
      const result = await db
        .deleteFrom('sessions')
        .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<', idleSince)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async rehash(id, tokenHash) {
      await db.updateTable('sessions').set({ token_hash: tokenHash }).where('id', '=', id).execute();
    },
    async countActive(now, idleSince) {
      const row = await db
        .selectFrom('sessions')
        .select((eb) => eb.fn.countAll<number | string>().as('active'))
        .where('expires_at', '>', now)
        .where('last_seen_at', '>=', idleSince)
        .executeTakeFirstOrThrow();
      return Number(row.active);
    },
  };
}
