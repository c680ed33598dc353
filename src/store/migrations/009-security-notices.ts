import { type Kysely, sql } from 'kysely';

const failureTypes = [
  'sign_in_failed',
  'second_factor_failed',
  'totp_replay',
  'account_locked',
  'send_refused',
  'webauthn_counter_regressed',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('security_events').addColumn('user_agent', 'text').execute();
  await db.schema
    .alterTable('security_events')
    .addColumn('outcome', 'text', (col) => col.notNull().defaultTo('success'))
    .execute();
  await sql`update security_events set outcome = 'failure' where type in (${sql.join(failureTypes)})`.execute(db);

  await db.schema
    .createTable('security_notices')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('recipient', 'text', (col) => col.notNull())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('ip', 'text', (col) => col.notNull())
    .addColumn('user_agent', 'text')
    .addColumn('outcome', 'text', (col) => col.notNull())
    .addColumn('at', 'bigint', (col) => col.notNull())
    .addColumn('detail', 'text')
    .addColumn('handled_at', 'bigint')
    .addColumn('not_before', 'bigint')
    .execute();
  await db.schema
    .createIndex('security_notices_recipient')
    .on('security_notices')
    .columns(['user_id', 'recipient', 'handled_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('security_notices').execute();
  await db.schema.alterTable('security_events').dropColumn('outcome').execute();
  await db.schema.alterTable('security_events').dropColumn('user_agent').execute();
}
