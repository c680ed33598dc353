import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('coverage_snapshots')
    .addColumn('day', 'text', (col) => col.primaryKey())
    .addColumn('total', 'integer', (col) => col.notNull())
    .addColumn('enrolled', 'integer', (col) => col.notNull())
    .addColumn('by_method', 'text', (col) => col.notNull())
    .addColumn('taken_at', 'bigint', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('coverage_snapshots').execute();
}
