import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('deletion_due_at', 'bigint').execute();
  await db.schema
    .createTable('step_ups')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('session_id', 'text', (col) => col.notNull().references('sessions.id').onDelete('cascade'))
    .addColumn('action', 'text', (col) => col.notNull())
    .addColumn('details', 'text')
    .addColumn('details_hash', 'text')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .addColumn('approved_at', 'bigint')
    .addColumn('amr', 'text', (col) => col.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('step_ups_session_action')
    .on('step_ups')
    .columns(['session_id', 'action', 'approved_at'])
    .execute();

  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (col) => col.primaryKey())
    .addColumn('public_jwk', 'text', (col) => col.notNull())
    .addColumn('private_sealed', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('consumed_grants')
    .addColumn('jti', 'text', (col) => col.primaryKey())
    .addColumn('consumed_at', 'bigint', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('consumed_grants').execute();
  await db.schema.dropTable('signing_keys').execute();
  await db.schema.dropTable('step_ups').execute();
  await db.schema.alterTable('users').dropColumn('deletion_due_at').execute();
}
