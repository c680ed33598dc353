import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { Factor, Organization, SecurityEvent, User } from '../ports.js';

/** Whom an administrator may see and act on: everyone (an instance administrator), or the members of their organizations. */
export interface AdminScope {
  instance: boolean;
  /** Organizations the person owns or administers. */
  orgIds: string[];
}

/** The administrator's scope, or undefined for someone who administers nothing. */
export async function adminScopeOf(deps: CoreDeps, user: User): Promise<AdminScope | undefined> {
  const instance = deps.settings.admin.emails.map((email) => email.toLowerCase()).includes(user.email);
  const orgIds = (await deps.store.organizations.membershipsOf(user.id))
    .filter(({ role }) => role === 'owner' || role === 'admin')
    .map(({ org }) => org.id);
  return instance || orgIds.length > 0 ? { instance, orgIds } : undefined;
}

const outOfScope = () => new TesseraError('ERR_NOT_FOUND', 'There is no such person.');

/** The person, if the administrator may act on them; anyone else is "not found", so nothing leaks. */
export async function personInScope(deps: CoreDeps, scope: AdminScope, userId: string): Promise<User> {
  const person = await deps.store.users.findById(userId);
  if (!person) throw outOfScope();
  if (scope.instance) return person;
  const theirs = await deps.store.organizations.membershipsOf(person.id);
  if (!theirs.some(({ org }) => scope.orgIds.includes(org.id))) throw outOfScope();
  return person;
}

/** A person as the console lists them. */
export interface PersonRow {
  user: User;
  methods: Factor['kind'][];
  lastSignInAt: number | null;
}

/**
 * The people in the administrator's scope that `keep` accepts, in address order, at most
 * `limit` of them: everyone is read page by page, an organization's members one by one.
 */
export async function peopleInScope(
  deps: CoreDeps,
  scope: AdminScope,
  keep: (user: User) => boolean = () => true,
  limit = Number.POSITIVE_INFINITY,
): Promise<User[]> {
  const people: User[] = [];
  if (!scope.instance) {
    for (const id of await deps.store.organizations.memberIdsOf(scope.orgIds)) {
      const user = await deps.store.users.findById(id);
      if (user && keep(user)) people.push(user);
    }
    return people.sort((a, b) => a.email.localeCompare(b.email)).slice(0, limit);
  }
  for (let after: string | undefined; people.length < limit;) {
    const page = await deps.store.users.list(500, after);
    people.push(...page.filter(keep));
    if (page.length < 500) break;
    after = page.at(-1)!.email;
  }
  return people.slice(0, limit);
}

/** People in the administrator's scope whose address contains `query`, in address order. */
export async function listPeople(deps: CoreDeps, scope: AdminScope, query: string, limit = 100): Promise<PersonRow[]> {
  const needle = query.trim().toLowerCase();
  const people = await peopleInScope(deps, scope, (user) => user.email.includes(needle), limit);
  return Promise.all(
    people.map(async (user) => ({
      user,
      methods: [...new Set((await deps.store.factors.listForUser(user.id)).map((factor) => factor.kind))],
      lastSignInAt: (await deps.store.events.listForUser(user.id, 50)).find((event) => event.type === 'sign_in')?.at ?? null,
    })),
  );
}

/** What the event log is narrowed to, as the administrator asked. */
export interface EventQuery {
  email?: string;
  orgId?: string;
  type?: SecurityEvent['type'];
  outcome?: SecurityEvent['outcome'];
  from?: number;
  to?: number;
}

/** Security events of the people in the administrator's scope, newest first, with each person's address. */
export async function searchEvents(
  deps: CoreDeps,
  scope: AdminScope,
  query: EventQuery,
  limit = 500,
): Promise<{ event: SecurityEvent; email: string | null }[]> {
  const orgIds = query.orgId === undefined ? scope.orgIds : scope.orgIds.filter((id) => id === query.orgId);
  let userIds =
    scope.instance && query.orgId === undefined
      ? undefined
      : await deps.store.organizations.memberIdsOf(scope.instance ? [query.orgId!] : orgIds);
  if (query.email) {
    const person = await deps.store.users.findByEmail(query.email.trim().toLowerCase());
    userIds = person && (userIds === undefined || userIds.includes(person.id)) ? [person.id] : [];
  }
  const events = await deps.store.events.search({ ...query, userIds }, limit);
  const emails = new Map<string, string | null>();
  for (const { userId } of events) {
    if (userId !== null && !emails.has(userId)) emails.set(userId, (await deps.store.users.findById(userId))?.email ?? null);
  }
  return events.map((event) => ({ event, email: event.userId === null ? null : (emails.get(event.userId) ?? null) }));
}

/** The organization, if the administrator may manage it; any other is "not found". */
export async function organizationInScope(deps: CoreDeps, scope: AdminScope, orgId: string): Promise<Organization> {
  const org = await deps.store.organizations.findById(orgId);
  if (!org || !(scope.instance || scope.orgIds.includes(org.id)))
    throw new TesseraError('ERR_NOT_FOUND', 'There is no such organization.');
  return org;
}

/** The organizations the administrator may manage, by name. */
export async function organizationsInScope(deps: CoreDeps, scope: AdminScope): Promise<Organization[]> {
  return (await deps.store.organizations.list()).filter((org) => scope.instance || scope.orgIds.includes(org.id));
}

/** The members of one organization, with their roles, in address order. */
export async function membersOf(deps: CoreDeps, org: Organization): Promise<{ user: User; role: string }[]> {
  const members = [];
  for (const id of await deps.store.organizations.memberIdsOf([org.id])) {
    const user = await deps.store.users.findById(id);
    const role =
      user && (await deps.store.organizations.membershipsOf(id)).find((membership) => membership.org.id === org.id)?.role;
    if (user && role) members.push({ user, role });
  }
  return members.sort((a, b) => a.user.email.localeCompare(b.user.email));
}
