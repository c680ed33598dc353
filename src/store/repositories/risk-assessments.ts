import type { Kysely } from 'kysely';
import type { RiskAssessmentRepository } from '../../core/ports.js';
import type { Database } from '../schema.js';

export function riskAssessmentRepository(db: Kysely<Database>): RiskAssessmentRepository {
  return {
    async create(assessment) {
      const { location } = assessment;
      await db
        .insertInto('risk_assessments')
        .values({
          id: assessment.id,
          user_id: assessment.userId,
          at: assessment.at,
          ip: assessment.ip,
          device_hash: assessment.deviceHash,
          browser_family: assessment.browserFamily,
          city: location?.city ?? null,
          country: location?.country ?? null,
          latitude: location?.latitude ?? null,
          longitude: location?.longitude ?? null,
          signals: JSON.stringify(assessment.signals),
          score: assessment.score,
          confidence: assessment.confidence,
          decision: assessment.decision,
          completed_at: assessment.completedAt,
        })
        .execute();
    },
    async markCompleted(id, at) {
      await db.updateTable('risk_assessments').set({ completed_at: at }).where('id', '=', id).execute();
    },
    async seenSince(userId, seen, since) {
      let query = db
        .selectFrom('risk_assessments')
        .select('id')
        .where('user_id', '=', userId)
        .where('completed_at', 'is not', null)
        .where('completed_at', '>=', since)
        .where('browser_family', '=', seen.browserFamily);
      if (seen.deviceHashes) query = query.where('device_hash', 'in', seen.deviceHashes);
      if (seen.ip) query = query.where('ip', '=', seen.ip);
      return (await query.limit(1).executeTakeFirst()) !== undefined;
    },
    async lastLocated(userId) {
      const row = await db
        .selectFrom('risk_assessments')
        .select(['completed_at', 'city', 'country', 'latitude', 'longitude'])
        .where('user_id', '=', userId)
        .where('completed_at', 'is not', null)
        .where('latitude', 'is not', null)
        .orderBy('completed_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (!row || row.completed_at === null || row.latitude === null || row.longitude === null) return undefined;
      return {
        at: row.completed_at,
        location: { city: row.city, country: row.country, latitude: row.latitude, longitude: row.longitude },
      };
    },
    async pruneBefore(before) {
      const result = await db.deleteFrom('risk_assessments').where('at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
