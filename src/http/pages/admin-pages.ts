import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { TesseraError } from '../../core/errors.js';
import { adminResetMfa, adminRevokeSessions, adminUnlock, type Operator } from '../../core/flows/admin-actions.js';
import {
  type AdminScope,
  adminScopeOf,
  listPeople,
  membersOf,
  organizationInScope,
  organizationsInScope,
  personInScope,
  searchEvents,
} from '../../core/flows/admin-scope.js';
import { createOrganization, putMember, setOrganizationPolicy } from '../../core/flows/organizations.js';
import { recordEvent } from '../../core/flows/security-events.js';
import { coverageOf } from '../../core/flows/coverage.js';
import { issueOperatorCode } from '../../core/flows/operator-codes.js';
import { actionPolicy, approvedAlready } from '../../core/flows/step-up.js';
import type { Factor, SecurityEvent, User } from '../../core/ports.js';
import { describeEvent } from '../../core/event-words.js';
import {
  coverageView,
  eventLogView,
  organizationsView,
  organizationView,
  peopleView,
  type PersonState,
  personView,
} from './admin-views.js';
import { adminOidcPages } from './admin-oidc-pages.js';
import { adminWebhookPages } from './admin-webhook-pages.js';
import { adminApiKeysPages } from './admin-api-keys-pages.js';
import { toCsv } from './csv.js';
import { formFailure, type PageScope, typedField } from './page-kit.js';

/** A page of the admin console, given who acts and on whom they may. */
export type AdminHandler = (
  request: FastifyRequest,
  reply: FastifyReply,
  admin: { scope: AdminScope; operator: Operator },
) => Promise<unknown>;

/** Makes a route of an admin page: it runs only for an administrator with a recent second factor. */
export type AsAdmin = (handler: AdminHandler) => (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/**
 * The admin console: instance administrators act on everyone, organization owners and admins
 * on their members only. Every page is a protected action (`admin.act`): a second factor within
 * its window, or the browser goes through the step-up page first. Someone who administers
 * nothing, or a person outside the scope, gets "not found".
 */
export function adminPages(app: FastifyInstance, pageScope: PageScope) {
  const { deps, render } = pageScope;
  const asAdmin: AsAdmin = (handler) => async (request, reply) => {
    if (!request.auth) return reply.redirect('/sign-in', 303);
    const { user, session } = request.auth;
    const scope = await adminScopeOf(deps, user);
    if (!scope) throw Object.assign(new Error('Page not found'), { statusCode: 404 });
    if ((await deps.store.factors.listForUser(user.id)).length === 0) {
      throw new TesseraError('ERR_MFA_REQUIRED', 'Set up two-step verification to use the admin console.');
    }
    const policy = actionPolicy(deps, 'admin.act');
    if (!(await approvedAlready(deps, { session, action: 'admin.act', policy }))) {
      const back = request.method === 'GET' ? request.url : '/admin';
      return reply.redirect(`/step-up?${new URLSearchParams({ action: 'admin.act', return_to: back }).toString()}`, 303);
    }
    return handler(request, reply, { scope, operator: { name: user.email, ip: request.ip } });
  };

  const scopeWords = (scope: AdminScope) =>
    scope.instance ? 'Everyone on this service.' : 'The members of the organizations you own or administer.';

  const showPerson = async (
    request: FastifyRequest,
    reply: FastifyReply,
    scope: AdminScope,
    extra: Partial<Pick<PersonState, 'notice' | 'operatorCode'>> = {},
  ) => {
    const person = await personInScope(deps, scope, (request.params as { id: string }).id);
    const now = deps.clock.now();
    const lockedUntil = await deps.store.lockout.lockedUntil(person.id);
    const state = {
      person,
      factors: await deps.store.factors.listForUser(person.id),
      sessions: await deps.store.sessions.listForUser(person.id, now),
      devices: await deps.store.trustedDevices.listForUser(person.id, now),
      events: await deps.store.events.listForUser(person.id, 30),
      lockedUntil: lockedUntil > now ? lockedUntil : null,
      ...extra,
    };
    return render(request, reply, person.email, (csrfToken) => personView({ csrfToken, ...state }));
  };

  app.get(
    '/admin',
    asAdmin(async (request, reply, { scope }) => {
      const query = String((request.query as { q?: unknown }).q ?? '').slice(0, 254);
      const people = await listPeople(deps, scope, query);
      return render(request, reply, 'People', (csrfToken) =>
        peopleView({ csrfToken, people, query, scope: scopeWords(scope), instance: scope.instance }),
      );
    }),
  );

  app.get(
    '/admin/people/:id',
    asAdmin((request, reply, { scope }) => showPerson(request, reply, scope)),
  );

  const personAction = (
    path: string,
    act: (person: User, operator: Operator, confirmed: boolean) => Promise<Partial<Pick<PersonState, 'notice' | 'operatorCode'>>>,
  ) =>
    app.post(
      `/admin/people/:id/${path}`,
      asAdmin(async (request, reply, { scope, operator }) => {
        const person = await personInScope(deps, scope, (request.params as { id: string }).id);
        const confirmed = (request.body as { confirm?: unknown } | undefined)?.confirm === 'on';
        return showPerson(request, reply, scope, await act(person, operator, confirmed));
      }),
    );

  personAction('reset-mfa', async (person, operator, confirmed) => {
    if (!confirmed) throw new TesseraError('ERR_CONFIRMATION_REQUIRED', 'Tick the box to confirm the reset.');
    await adminResetMfa(deps, person, operator);
    return { notice: 'Two-step verification was reset; they set it up again at their next sign-in.' };
  });
  personAction('unlock', async (person, operator) => {
    await adminUnlock(deps, person, operator);
    return { notice: 'Unlocked.' };
  });
  personAction('revoke-sessions', async (person, operator) => {
    const ended = await adminRevokeSessions(deps, person, operator);
    return { notice: `${ended.sessions} sessions ended and ${ended.devices} trusted devices forgotten.` };
  });
  personAction('operator-code', async (person, operator) => ({
    operatorCode: await issueOperatorCode(deps, { user: person, operator: operator.name, ip: operator.ip }),
  }));

  const eventQuery = z.object({
    email: z.string().max(254).optional(),
    org: z.string().max(64).optional(),
    type: z
      .string()
      .regex(/^[a-z_]{1,40}$/)
      .optional()
      .or(z.literal('')),
    outcome: z.enum(['success', 'failure']).optional().or(z.literal('')),
    from: z.iso.date().optional().or(z.literal('')),
    to: z.iso.date().optional().or(z.literal('')),
  });
  /** The filters from the query string: dates are whole UTC days, `to` included. */
  const eventsOf = async (request: FastifyRequest, scope: AdminScope) => {
    const given = eventQuery.parse(request.query);
    const rows = await searchEvents(deps, scope, {
      email: given.email || undefined,
      orgId: given.org || undefined,
      type: (given.type || undefined) as SecurityEvent['type'] | undefined,
      outcome: given.outcome || undefined,
      from: given.from ? Date.parse(given.from) : undefined,
      to: given.to ? Date.parse(given.to) + 86_400_000 : undefined,
    });
    const filters = Object.fromEntries(Object.entries(given).filter(([, value]) => value)) as Record<string, string>;
    return { rows, filters };
  };

  app.get(
    '/admin/events',
    asAdmin(async (request, reply, { scope }) => {
      const { rows, filters } = await eventsOf(request, scope);
      return render(request, reply, 'Security events', (csrfToken) => eventLogView({ csrfToken, rows, filters }));
    }),
  );

  app.get(
    '/admin/events.csv',
    asAdmin(async (request, reply, { scope }) => {
      const { rows } = await eventsOf(request, scope);
      const lines = rows.map(({ event, email }) => [
        new Date(event.at).toISOString(),
        email ?? '',
        event.type,
        event.outcome,
        event.ip,
        event.userAgent ?? '',
        describeEvent(event),
      ]);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="security-events.csv"')
        .send(toCsv([['at', 'email', 'type', 'outcome', 'ip', 'user_agent', 'description'], ...lines]));
    }),
  );

  app.get(
    '/admin/coverage',
    asAdmin(async (request, reply, { scope }) => {
      const coverage = await coverageOf(deps, scope);
      return render(request, reply, 'Coverage', (csrfToken) => coverageView({ csrfToken, coverage }));
    }),
  );

  const policyForm = z.object({
    mfa: z.enum(['optional', 'required', 'roles']),
    roles: z.string().max(500).default(''),
    methods: z.union([z.string(), z.array(z.string())]).optional(),
    graceDays: z.coerce.number().int().min(0).max(365).default(0),
    graceSignIns: z.coerce.number().int().min(0).max(100).default(0),
    signInChallenge: z.enum(['inherit', 'always', 'adaptive', 'off']).default('inherit'),
  });
  const memberForm = z.object({ email: z.string().max(254), role: z.string().max(32) });

  const showOrg = async (
    request: FastifyRequest,
    reply: FastifyReply,
    scope: AdminScope,
    extra: { notice?: string; error?: { status: number; message: string } } = {},
  ) => {
    const org = await organizationInScope(deps, scope, (request.params as { id: string }).id);
    const members = await membersOf(deps, org);
    return render(
      request,
      reply,
      org.name,
      (csrfToken) => organizationView({ csrfToken, org, members, notice: extra.notice, error: extra.error?.message }),
      extra.error?.status,
    );
  };

  /** Runs a change to an organization in scope, then shows it again with what happened. */
  const orgChange = (
    path: string,
    change: (
      request: FastifyRequest,
      orgId: string,
      scope: AdminScope,
    ) => Promise<{ notice: string; detail: Record<string, unknown>; type: 'org_policy_changed' | 'org_member_changed' }>,
  ) =>
    app.post(
      `/admin/orgs/:id${path}`,
      asAdmin(async (request, reply, { scope }) => {
        const org = await organizationInScope(deps, scope, (request.params as { id: string }).id);
        try {
          const { notice, detail, type } = await change(request, org.id, scope);
          await recordEvent(deps, deps.store, {
            type,
            userId: request.auth!.user.id,
            ip: request.ip,
            at: deps.clock.now(),
            detail: { org: org.name, orgId: org.id, ...detail },
          });
          return await showOrg(request, reply, scope, { notice });
        } catch (error) {
          return showOrg(request, reply, scope, { error: formFailure(error) });
        }
      }),
    );

  app.get(
    '/admin/orgs',
    asAdmin(async (request, reply, { scope }) => {
      const orgs = await organizationsInScope(deps, scope);
      return render(request, reply, 'Organizations', (csrfToken) =>
        organizationsView({ csrfToken, orgs, canCreate: scope.instance }),
      );
    }),
  );

  app.post(
    '/admin/orgs',
    asAdmin(async (request, reply, { scope }) => {
      if (!scope.instance) throw Object.assign(new Error('Page not found'), { statusCode: 404 });
      // A name given twice (an array) or as JSON that is not a string is no name, not its String().
      const org = await createOrganization(deps, { name: typedField(request.body, 'name') });
      return reply.redirect(`/admin/orgs/${org.id}`, 303);
    }),
  );

  app.get(
    '/admin/orgs/:id',
    asAdmin((request, reply, { scope }) => showOrg(request, reply, scope)),
  );

  orgChange('/policy', async (request, orgId) => {
    const form = policyForm.parse(request.body);
    const methods = form.methods === undefined ? [] : [form.methods].flat();
    await setOrganizationPolicy(deps, orgId, {
      mfa: form.mfa,
      roles: form.roles
        .split(',')
        .map((role) => role.trim())
        .filter(Boolean),
      allowedMethods: methods as Factor['kind'][],
      graceDays: form.graceDays,
      graceSignIns: form.graceSignIns,
      signInChallenge: form.signInChallenge,
    });
    return {
      notice: 'The policy was saved; members meet it at their next sign-in.',
      type: 'org_policy_changed' as const,
      detail: { mfa: form.mfa, signInChallenge: form.signInChallenge },
    };
  });

  // Only an instance administrator brings a person into an organization: an organization admin who
  // could add anyone would then act on them.
  orgChange('/members', async (request, orgId, scope) => {
    const form = memberForm.parse(request.body);
    const person = await deps.store.users.findByEmail(form.email.trim().toLowerCase());
    const member = person && (await deps.store.organizations.membershipsOf(person.id)).some(({ org }) => org.id === orgId);
    if (!person || (!scope.instance && !member)) {
      throw new TesseraError(
        'ERR_NOT_FOUND',
        `There is no member with the address ${form.email}; an instance administrator adds new members.`,
      );
    }
    const role = form.role.trim();
    await putMember(deps, { orgId, userId: person.id, role });
    return { notice: `${person.email} is ${role}.`, type: 'org_member_changed' as const, detail: { member: person.email, role } };
  });

  orgChange('/members/:userId/remove', async (request, orgId) => {
    const { userId } = request.params as { userId: string };
    const member = await deps.store.users.findById(userId);
    if (!member || !(await deps.store.organizations.removeMember(orgId, userId))) {
      throw new TesseraError('ERR_NOT_FOUND', 'That person is not a member.');
    }
    return { notice: 'The member was removed.', type: 'org_member_changed' as const, detail: { member: member.email } };
  });

  adminOidcPages(app, pageScope, asAdmin);
  adminWebhookPages(app, pageScope, asAdmin);
  adminApiKeysPages(app, pageScope, asAdmin);
}
