import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('oob_challenges')
    .addColumn('channel', 'text', (col) => col.notNull().defaultTo('email'))
    .execute();
  await db.schema
    .alterTable('code_sends')
    .addColumn('channel', 'text', (col) => col.notNull().defaultTo('email'))
    .execute();
  await db.schema.alterTable('code_sends').addColumn('country', 'text').execute();
  await db.schema.createIndex('code_sends_country_sent').on('code_sends').columns(['country', 'sent_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('code_sends_country_sent').execute();
  await db.schema.alterTable('code_sends').dropColumn('country').execute();
  await db.schema.alterTable('code_sends').dropColumn('channel').execute();
  await db.schema.alterTable('oob_challenges').dropColumn('channel').execute();
}
