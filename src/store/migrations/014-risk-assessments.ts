import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('risk_assessments')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('at', 'bigint', (col) => col.notNull())
    .addColumn('ip', 'text', (col) => col.notNull())
    .addColumn('device_hash', 'text', (col) => col.notNull())
    .addColumn('browser_family', 'text', (col) => col.notNull())
    .addColumn('city', 'text')
    .addColumn('country', 'text')
    .addColumn('latitude', 'double precision')
    .addColumn('longitude', 'double precision')
    .addColumn('signals', 'text', (col) => col.notNull())
    .addColumn('score', 'double precision', (col) => col.notNull())
    .addColumn('confidence', 'text', (col) => col.notNull())
    .addColumn('decision', 'text', (col) => col.notNull())
    .addColumn('completed_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('risk_assessments_user_completed')
    .on('risk_assessments')
    .columns(['user_id', 'completed_at'])
    .execute();
  await db.schema.createIndex('security_events_ip_at').on('security_events').columns(['ip', 'at']).execute();
  await db.schema.alterTable('pending_sign_ins').addColumn('risk_assessment_id', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('pending_sign_ins').dropColumn('risk_assessment_id').execute();
  await db.schema.dropIndex('security_events_ip_at').execute();
  await db.schema.dropTable('risk_assessments').execute();
}
