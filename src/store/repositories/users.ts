import type { Kysely, Selectable } from 'kysely';
import type { User, UserRepository } from '../../core/ports.js';
import type { Database } from '../schema.js';

const toUser = (row: Selectable<Database['users']>): User => ({
  id: row.id,
  email: row.email,
  passwordHash: row.password_hash,
  createdAt: row.created_at,
  emailVerifiedAt: row.email_verified_at,
  mfaSetupRequired: row.mfa_setup_required === 1,
  mfaResetAt: row.mfa_reset_at,
  deletionDueAt: row.deletion_due_at,
  mfaEnforcedAt: row.mfa_enforced_at,
  enforcedSignIns: row.enforced_sign_ins,
});

export function userRepository(db: Kysely<Database>): UserRepository {
  return {
    async create(user) {
      const result = await db
        .insertInto('users')
        .values({
          id: user.id,
          email: user.email,
          password_hash: user.passwordHash,
          created_at: user.createdAt,
          email_verified_at: user.emailVerifiedAt,
          mfa_setup_required: user.mfaSetupRequired ? 1 : 0,
          mfa_reset_at: user.mfaResetAt,
          deletion_due_at: user.deletionDueAt,
        })
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
    async setMfaSetup(id, state) {
      await db
        .updateTable('users')
        .set({ mfa_setup_required: state.required ? 1 : 0, mfa_reset_at: state.resetAt })
        .where('id', '=', id)
        .execute();
    },
    async changeEmail(id, email, verifiedAt) {
      const taken = await db.selectFrom('users').select('id').where('email', '=', email).where('id', '!=', id).executeTakeFirst();
      if (taken) return false;
      try {
        await db.updateTable('users').set({ email, email_verified_at: verifiedAt }).where('id', '=', id).execute();
        return true;
      } catch (error) {
        if (/unique/i.test((error as Error).message)) return false;
        throw error;
      }
    },
    async markEmailVerified(id, at) {
      await db
        .updateTable('users')
        .set({ email_verified_at: at })
        .where('id', '=', id)
        .where('email_verified_at', 'is', null)
        .execute();
    },
    async scheduleDeletion(id, dueAt) {
      await db.updateTable('users').set({ deletion_due_at: dueAt }).where('id', '=', id).execute();
    },
    async listDueForDeletion(now, limit) {
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .where('deletion_due_at', '<=', now)
        .orderBy('deletion_due_at')
        .limit(limit)
        .execute();
      return rows.map(toUser);
    },
    async delete(id) {
      const result = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    async countGraceSignIn(id, at) {
      await db
        .updateTable('users')
        .set((eb) => ({
          mfa_enforced_at: eb.fn.coalesce('mfa_enforced_at', eb.val(at)),
          enforced_sign_ins: eb('enforced_sign_ins', '+', 1),
        }))
        .where('id', '=', id)
        .execute();
    },
    async list(limit, afterEmail) {
      let query = db.selectFrom('users').selectAll().orderBy('email').limit(limit);
      if (afterEmail !== undefined) query = query.where('email', '>', afterEmail);
      return (await query.execute()).map(toUser);
    },
  };
}
