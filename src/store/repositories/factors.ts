import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Factor, FactorRepository, WebAuthnCredential } from '../../core/ports.js';
import type { Database } from '../schema.js';
import { inTransaction } from './in-transaction.js';

type CredentialColumns = Omit<Selectable<Database['webauthn_credentials']>, 'factor_id'>;
/** A factor row left-joined with its credential, whose columns are null for other kinds. */
type FactorRow = Selectable<Database['factors']> & { [Column in keyof CredentialColumns]: CredentialColumns[Column] | null };

const toCredential = (row: FactorRow): WebAuthnCredential | null =>
  row.credential_id === null
    ? null
    : {
        credentialId: row.credential_id,
        signCount: Number(row.sign_count),
        transports: JSON.parse(row.transports ?? '[]') as string[],
        aaguid: row.aaguid ?? '',
        attachment: (row.attachment ?? null) as WebAuthnCredential['attachment'],
        userVerified: row.user_verified === 1,
        discoverable: row.discoverable === 1,
        backupEligible: row.backup_eligible === 1,
        backedUp: row.backed_up === 1,
        attestationFormat: row.attestation_format ?? '',
        flaggedAt: row.flagged_at ?? null,
      };

const toFactor = (row: FactorRow): Factor => ({
  id: row.id,
  userId: row.user_id,
  kind: row.kind as Factor['kind'],
  label: row.label,
  secretSealed: row.secret_sealed,
  secretFingerprint: row.secret_fingerprint,
  lastUsedStep: row.last_used_step,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  primary: row.is_primary === 1,
  webauthn: toCredential(row),
});

const credentialRow = (factorId: string, credential: WebAuthnCredential) => ({
  factor_id: factorId,
  credential_id: credential.credentialId,
  sign_count: credential.signCount,
  transports: JSON.stringify(credential.transports),
  aaguid: credential.aaguid,
  attachment: credential.attachment,
  user_verified: credential.userVerified ? 1 : 0,
  discoverable: credential.discoverable ? 1 : 0,
  backup_eligible: credential.backupEligible ? 1 : 0,
  backed_up: credential.backedUp ? 1 : 0,
  attestation_format: credential.attestationFormat,
  flagged_at: credential.flaggedAt,
});

/** Thrown inside a transaction to roll it back when a credential ID is already registered. */
class CredentialTaken extends Error {}

export function factorRepository(db: Kysely<Database>): FactorRepository {
  const withCredentials = () =>
    db
      .selectFrom('factors')
      .leftJoin('webauthn_credentials', 'webauthn_credentials.factor_id', 'factors.id')
      .selectAll('factors')
      .select([
        'credential_id',
        'sign_count',
        'transports',
        'aaguid',
        'attachment',
        'user_verified',
        'discoverable',
        'backup_eligible',
        'backed_up',
        'attestation_format',
        'flagged_at',
      ]);

  const insertFactor = (factor: Factor, recoveryCodeHashes: string[] | null) =>
    inTransaction(db, async (trx) => {
      const inserted = await trx
        .insertInto('factors')
        .values({
          id: factor.id,
          user_id: factor.userId,
          kind: factor.kind,
          label: factor.label,
          secret_sealed: factor.secretSealed,
          secret_fingerprint: factor.secretFingerprint,
          last_used_step: factor.lastUsedStep,
          created_at: factor.createdAt,
          last_used_at: factor.lastUsedAt,
          is_primary: factor.primary ? 1 : 0,
        })
        .onConflict((conflict) => conflict.columns(['user_id', 'secret_fingerprint']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) return false;
      if (factor.webauthn) {
        const stored = await trx
          .insertInto('webauthn_credentials')
          .values(credentialRow(factor.id, factor.webauthn))
          .onConflict((conflict) => conflict.column('credential_id').doNothing())
          .executeTakeFirst();
        if (Number(stored.numInsertedOrUpdatedRows ?? 0) !== 1) throw new CredentialTaken();
      }
      if (recoveryCodeHashes) {
        await trx.deleteFrom('recovery_codes').where('user_id', '=', factor.userId).execute();
        await trx
          .insertInto('recovery_codes')
          .values(
            recoveryCodeHashes.map((codeHash) => ({
              id: randomUUID(),
              user_id: factor.userId,
              code_hash: codeHash,
              created_at: factor.createdAt,
              used_at: null,
            })),
          )
          .execute();
      }
      return true;
    });

  return {
    async listForUser(userId) {
      const rows = await withCredentials().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toFactor);
    },

    async findByCredentialId(credentialId) {
      const row = await withCredentials().where('credential_id', '=', credentialId).executeTakeFirst();
      return row && toFactor(row);
    },

    async create(factor, recoveryCodeHashes) {
      try {
        return await insertFactor(factor, recoveryCodeHashes);
      } catch (error) {
        if (error instanceof CredentialTaken) return false;
        throw error;
      }
    },

    async acceptTotpStep(factorId, step, now) {
      const result = await db
        .updateTable('factors')
        .set({ last_used_step: step, last_used_at: now })
        .where('id', '=', factorId)
        .where((where) => where.or([where('last_used_step', 'is', null), where('last_used_step', '<', step)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    delete(userId, factorId) {
      return inTransaction(db, async (trx) => {
        const result = await trx
          .deleteFrom('factors')
          .where('id', '=', factorId)
          .where('user_id', '=', userId)
          .executeTakeFirst();
        if (Number(result.numDeletedRows) !== 1) return false;
        const remaining = await trx
          .selectFrom('factors')
          .select((select) => select.fn.countAll<number>().as('count'))
          .where('user_id', '=', userId)
          .executeTakeFirstOrThrow();
        if (Number(remaining.count) === 0) await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
        return true;
      });
    },

    setPrimary(userId, factorId) {
      return inTransaction(db, async (trx) => {
        const chosen = await trx
          .updateTable('factors')
          .set({ is_primary: 1 })
          .where('id', '=', factorId)
          .where('user_id', '=', userId)
          .executeTakeFirst();
        if (Number(chosen.numUpdatedRows) !== 1) return false;
        await trx
          .updateTable('factors')
          .set({ is_primary: 0 })
          .where('user_id', '=', userId)
          .where('id', '!=', factorId)
          .execute();
        return true;
      });
    },

    async rename(userId, factorId, label) {
      const result = await db
        .updateTable('factors')
        .set({ label })
        .where('id', '=', factorId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    acceptSignCount(factorId, signCount, backedUp, now) {
      return inTransaction(db, async (trx) => {
        const result = await trx
          .updateTable('webauthn_credentials')
          .set({ sign_count: signCount, backed_up: backedUp ? 1 : 0 })
          .where('factor_id', '=', factorId)
          .where('flagged_at', 'is', null)
          .where((where) => (signCount === 0 ? where('sign_count', '=', 0) : where('sign_count', '<', signCount)))
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return false;
        await trx.updateTable('factors').set({ last_used_at: now }).where('id', '=', factorId).execute();
        return true;
      });
    },

    async flagCredential(factorId, now) {
      await db.updateTable('webauthn_credentials').set({ flagged_at: now }).where('factor_id', '=', factorId).execute();
    },
  };
}
