import type { Kysely, Selectable } from 'kysely';
import type { Organization, OrganizationRepository, OrgPolicy } from '../../core/ports.js';
import type { Database } from '../schema.js';

const toOrganization = (
  row: Pick<Selectable<Database['organizations']>, 'id' | 'name' | 'created_at' | 'policy'>,
): Organization => ({
  id: row.id,
  name: row.name,
  createdAt: row.created_at,
  policy: JSON.parse(row.policy) as OrgPolicy,
});

export function organizationRepository(db: Kysely<Database>): OrganizationRepository {
  return {
    async create(org) {
      await db
        .insertInto('organizations')
        .values({ id: org.id, name: org.name, created_at: org.createdAt, policy: JSON.stringify(org.policy) })
        .execute();
    },
    async findById(id) {
      const row = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toOrganization(row);
    },
    async setPolicy(id, policy) {
      const result = await db
        .updateTable('organizations')
        .set({ policy: JSON.stringify(policy) })
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async putMember(membership) {
      await db
        .insertInto('memberships')
        .values({ org_id: membership.orgId, user_id: membership.userId, role: membership.role, created_at: membership.createdAt })
        .onConflict((conflict) => conflict.columns(['org_id', 'user_id']).doUpdateSet({ role: membership.role }))
        .execute();
    },
    async removeMember(orgId, userId) {
      const result = await db
        .deleteFrom('memberships')
        .where('org_id', '=', orgId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    async membershipsOf(userId) {
      const rows = await db
        .selectFrom('memberships')
        .innerJoin('organizations', 'organizations.id', 'memberships.org_id')
        .select([
          'organizations.id',
          'organizations.name',
          'organizations.created_at',
          'organizations.policy',
          'memberships.role',
        ])
        .where('memberships.user_id', '=', userId)
        .orderBy('organizations.name')
        .execute();
      return rows.map((row) => ({ org: toOrganization(row), role: row.role }));
    },
    async memberIdsOf(orgIds) {
      if (orgIds.length === 0) return [];
      const rows = await db.selectFrom('memberships').select('user_id').distinct().where('org_id', 'in', orgIds).execute();
      return rows.map((row) => row.user_id);
    },
    async list() {
      return (await db.selectFrom('organizations').selectAll().orderBy('name').execute()).map(toOrganization);
    },
  };
}
