import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('email_verified_at', 'bigint').execute();

  await db.schema
    .createTable('oob_challenges')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (col) => col.notNull())
    .addColumn('pending_sign_in_id', 'text')
    .addColumn('factor_id', 'text', (col) => col.references('factors.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (col) => col.notNull())
    .addColumn('payload_sealed', 'text')
    .addColumn('attempts', 'integer', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('oob_challenges_user_purpose').on('oob_challenges').columns(['user_id', 'purpose']).execute();

  await db.schema
    .createTable('code_sends')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('destination_hash', 'text', (col) => col.notNull())
    .addColumn('purpose', 'text', (col) => col.notNull())
    .addColumn('sent_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('code_sends_user_sent').on('code_sends').columns(['user_id', 'sent_at']).execute();
  await db.schema.createIndex('code_sends_destination_sent').on('code_sends').columns(['destination_hash', 'sent_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('code_sends').execute();
  await db.schema.dropTable('oob_challenges').execute();
  await db.schema.alterTable('users').dropColumn('email_verified_at').execute();
}
