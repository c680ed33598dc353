import type { CoreDeps } from '../deps.js';
import type { CoverageSnapshot, Factor } from '../ports.js';
import { type AdminScope, peopleInScope } from './admin-scope.js';
import { enforcementAt, mfaRequirementOf } from './mfa-policy.js';

/** A share of people with two-step verification: `enrolled` of `total`. */
export interface Share {
  label: string;
  enrolled: number;
  total: number;
}

/** What the coverage dashboard shows for the administrator's scope. */
export interface Coverage {
  total: number;
  enrolled: number;
  /** People with at least one factor of each kind. */
  byMethod: { kind: Factor['kind']; people: number }[];
  byOrg: Share[];
  byRole: Share[];
  /** People who must set it up and may still postpone it. */
  inGrace: number;
  /** Daily snapshots of the whole installation, oldest first (instance administrators only). */
  overTime: CoverageSnapshot[];
}

const kinds: Factor['kind'][] = ['totp', 'email', 'phone', 'security_key', 'biometric'];
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function share(label: string, members: { enrolled: boolean }[]): Share {
  return { label, enrolled: members.filter((member) => member.enrolled).length, total: members.length };
}

/**
 * Who is protected, in the administrator's scope: the share enrolled, by method, by
 * organization and by role, people inside their grace period, and — for the whole installation —
 * the daily snapshots of the last `days` days.
 */
export async function coverageOf(deps: CoreDeps, scope: AdminScope, days = 90): Promise<Coverage> {
  const now = deps.clock.now();
  const rows = await Promise.all(
    (await peopleInScope(deps, scope)).map(async (user) => {
      const factors = await deps.store.factors.listForUser(user.id);
      const requirement = await mfaRequirementOf(deps, user);
      return {
        user,
        enrolled: factors.length > 0,
        kinds: new Set(factors.map((factor) => factor.kind)),
        inGrace: enforcementAt(requirement, user, factors, now) === 'grace',
        memberships: await deps.store.organizations.membershipsOf(user.id),
      };
    }),
  );
  const orgs = scope.instance ? await deps.store.organizations.list() : [];
  const orgNames = new Map(rows.flatMap((row) => row.memberships.map(({ org }) => [org.id, org.name] as const)));
  for (const org of orgs) orgNames.set(org.id, org.name);
  const inOrg = (orgId: string) => rows.filter((row) => row.memberships.some(({ org }) => org.id === orgId));
  const roles = [...new Set(rows.flatMap((row) => row.memberships.map(({ role }) => role)))].sort();
  return {
    total: rows.length,
    enrolled: rows.filter((row) => row.enrolled).length,
    byMethod: kinds.map((kind) => ({ kind, people: rows.filter((row) => row.kinds.has(kind)).length })),
    byOrg: [...orgNames]
      .filter(([id]) => scope.instance || scope.orgIds.includes(id))
      .map(([id, name]) => share(name, inOrg(id)))
      .sort((a, b) => a.label.localeCompare(b.label)),
    byRole: roles.map((role) =>
      share(
        role,
        rows.filter((row) => row.memberships.some((membership) => membership.role === role)),
      ),
    ),
    inGrace: rows.filter((row) => row.inGrace).length,
    overTime: scope.instance ? await deps.store.coverageSnapshots.since(utcDay(now - days * 86_400_000)) : [],
  };
}

/** How often the day's snapshot is brought up to date: counting everyone is too much work for every sweep. */
const snapshotIntervalMs = 3_600_000;

/** Records today's snapshot of the whole installation, brought up to date at most once an hour. */
export async function recordCoverageSnapshot(deps: CoreDeps): Promise<boolean> {
  const now = deps.clock.now();
  const day = utcDay(now);
  const takenAt = await deps.store.coverageSnapshots.takenAt(day);
  if (takenAt !== undefined && now - takenAt < snapshotIntervalMs) return false;
  // Counted by the database: the sweeper must not hold up sign-ins by loading everyone.
  const counts = await deps.store.coverageSnapshots.countNow();
  await deps.store.coverageSnapshots.record({ day, ...counts, takenAt: now });
  return true;
}
