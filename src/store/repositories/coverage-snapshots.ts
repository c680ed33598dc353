import type { Kysely } from 'kysely';
import type { CoverageSnapshot, CoverageSnapshotRepository } from '../../core/ports.js';
import type { Database } from '../schema.js';

export function coverageSnapshotRepository(db: Kysely<Database>): CoverageSnapshotRepository {
  return {
    async record(snapshot) {
      const values = {
        total: snapshot.total,
        enrolled: snapshot.enrolled,
        by_method: JSON.stringify(snapshot.byMethod),
        taken_at: snapshot.takenAt,
      };
      await db
        .insertInto('coverage_snapshots')
        .values({ day: snapshot.day, ...values })
        .onConflict((conflict) => conflict.column('day').doUpdateSet(values))
        .execute();
    },
    async takenAt(day) {
      return (await db.selectFrom('coverage_snapshots').select('taken_at').where('day', '=', day).executeTakeFirst())?.taken_at;
    },
    async since(fromDay) {
      const rows = await db.selectFrom('coverage_snapshots').selectAll().where('day', '>=', fromDay).orderBy('day').execute();
      return rows.map((row) => ({
        day: row.day,
        total: row.total,
        enrolled: row.enrolled,
        byMethod: JSON.parse(row.by_method) as CoverageSnapshot['byMethod'],
        takenAt: row.taken_at,
      }));
    },
    async countNow() {
      const total = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<string>().as('count'))
        .executeTakeFirstOrThrow();
      const enrolled = await db
        .selectFrom('factors')
        .select((eb) => eb.fn.count<string>('user_id').distinct().as('count'))
        .executeTakeFirstOrThrow();
      const kinds = await db
        .selectFrom('factors')
        .select(['kind', (eb) => eb.fn.count<string>('user_id').distinct().as('count')])
        .groupBy('kind')
        .execute();
      return {
        total: Number(total.count),
        enrolled: Number(enrolled.count),
        byMethod: Object.fromEntries(kinds.map((row) => [row.kind, Number(row.count)])),
      };
    },
  };
}
