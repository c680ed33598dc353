import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Amr, SecurityEvent, Session, Store, User } from '../core/ports.js';
import type { OpenDatabase } from './open-database.js';
import type { Database } from './schema.js';

const toUser = (row: Selectable<Database['users']>): User => ({
  id: row.id,
  email: row.email,
  passwordHash: row.password_hash,
  createdAt: row.created_at,
});

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
});

/** The Store port on Kysely; the same queries run on SQLite and PostgreSQL. */
export function createKyselyStore(database: OpenDatabase): Store {
  const db: Kysely<Database> = database.db;
  return {
    users: {
      async create(user) {
        const result = await db
          .insertInto('users')
          .values({ id: user.id, email: user.email, password_hash: user.passwordHash, created_at: user.createdAt })
          .onConflict((conflict) => conflict.column('email').doNothing())
          .executeTakeFirst();
        return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
      },
      async findByEmail(email) {
        const row = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
        return row && toUser(row);
      },
      async findById(id) {
        const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
        return row && toUser(row);
      },
      async updatePasswordHash(id, passwordHash) {
        await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
      },
    },

    sessions: {
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
    },

    throttles: {
      claim(key, now, blockFor) {
        return db.transaction().execute(async (trx) => {
          await trx
            .insertInto('attempt_throttles')
            .values({ key, failures: 0, blocked_until: 0, updated_at: now })
            .onConflict((conflict) => conflict.column('key').doNothing())
            .execute();
          const row = await trx
            .selectFrom('attempt_throttles')
            .select(['failures', 'blocked_until'])
            .where('key', '=', key)
            .$if(database.dialect === 'postgres', (query) => query.forUpdate())
            .executeTakeFirstOrThrow();
          if (row.blocked_until > now) return { allowed: false as const, blockedUntil: row.blocked_until };
          const failures = row.failures + 1;
          await trx
            .updateTable('attempt_throttles')
            .set({ failures, blocked_until: now + blockFor(failures), updated_at: now })
            .where('key', '=', key)
            .execute();
          return { allowed: true as const, failures };
        });
      },
      async clear(key) {
        await db.deleteFrom('attempt_throttles').where('key', '=', key).execute();
      },
    },

    events: {
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
        return rows.map(
          (row): SecurityEvent => ({
            type: row.type as SecurityEvent['type'],
            userId: row.user_id,
            ip: row.ip,
            at: row.at,
            ...(row.detail ? { detail: JSON.parse(row.detail) as Record<string, unknown> } : {}),
          }),
        );
      },
    },
  };
}
