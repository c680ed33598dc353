import type { PersonRow } from '../../core/flows/admin-scope.js';
import type { Coverage, Share } from '../../core/flows/coverage.js';
import { eventList, placesCredit } from './activity-view.js';
import { barChart, shareOverTime } from './charts.js';
import { describeEvent } from '../../core/event-words.js';
import { describeBrowser, formatTime } from '../../core/format.js';
import type { Factor, Organization, OrgPolicy, SecurityEvent, Session, TrustedDevice, User } from '../../core/ports.js';
import { csrfField, type FormState } from './account-views.js';
import { html, type SafeHtml } from './html.js';
import { alert } from './layout.js';

const kindWords: Record<Factor['kind'], string> = {
  totp: 'authenticator app',
  email: 'email codes',
  phone: 'phone',
  security_key: 'security key',
  biometric: 'biometric',
};

/**
 * The people an administrator may act on, searchable by address, and the console's other pages;
 * the apps of the OpenID Connect provider, the API keys and the webhooks are the instance
 * administrators' only.
 */
export function peopleView(
  state: FormState & { people: PersonRow[]; query: string; scope: string; instance: boolean },
): SafeHtml {
  return html`<section class="card card-wide" aria-labelledby="title">
    <h1 id="title">People</h1>
    <p class="lead">
      ${state.scope} <a href="/admin/events">Security events</a> · <a href="/admin/coverage">Coverage</a> ·
      <a href="/admin/orgs">Organizations</a>${
        state.instance
          ? html` · <a href="/admin/oidc">Apps (OpenID Connect)</a> · <a href="/admin/api-keys">API keys</a> · <a href="/admin/webhooks">Webhooks</a>`
          : ''
      }
    </p>
    <form method="get" action="/admin" class="search" role="search">
      <label>Search by email <input type="search" name="q" value="${state.query}" /></label>
      <button type="submit" class="button button-secondary">Search</button>
    </form>
    <table class="table">
      <thead>
        <tr><th scope="col">Email</th><th scope="col">Two-step verification</th><th scope="col">Last sign-in</th></tr>
      </thead>
      <tbody>
        ${state.people.map(
          ({ user, methods, lastSignInAt }) => html`<tr>
            <td><a href="/admin/people/${user.id}">${user.email}</a></td>
            <td>
              ${
                methods.length > 0
                  ? html`<span class="badge badge-on">On</span> ${methods.map((kind) => kindWords[kind]).join(', ')}`
                  : html`<span class="badge badge-off">Off</span>`
              }
            </td>
            <td>${lastSignInAt === null ? 'Never' : formatTime(lastSignInAt)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${state.people.length === 0 ? html`<p>Nobody matches.</p>` : ''}
  </section>`;
}

export interface PersonState extends FormState {
  person: User;
  factors: Factor[];
  sessions: Session[];
  devices: TrustedDevice[];
  events: SecurityEvent[];
  lockedUntil: number | null;
  /** An operator code just issued: shown this once. */
  operatorCode?: { code: string; expiresAt: number };
}

/** One person: their methods, sessions, devices and events, and what an administrator can do for them. */
export function personView(state: PersonState): SafeHtml {
  const { person } = state;
  const action = (path: string, label: string, danger = false, confirm?: string) => html`<form
    method="post"
    action="/admin/people/${person.id}/${path}"
    class="stack"
  >
    ${csrfField(state.csrfToken)}
    ${confirm ? html`<label class="checkbox"><input type="checkbox" name="confirm" value="on" required /> ${confirm}</label>` : ''}
    <button type="submit" class="button ${danger ? 'button-danger' : 'button-secondary'}">${label}</button>
  </form>`;
  return html`<section class="card card-wide" aria-labelledby="title">
    <p class="switch"><a href="/admin">All people</a></p>
    <h1 id="title">${person.email}</h1>
    ${alert('error', state.error)}${alert('success', state.notice)}
    ${
      state.operatorCode
        ? html`<div class="approval" role="group" aria-label="One-time code">
          <span class="approval-label">One-time code for the second step, shown once — read it to the caller</span>
          <strong class="approval-details" data-testid="operator-code">${state.operatorCode.code}</strong>
          <span class="approval-label">Works once, until ${formatTime(state.operatorCode.expiresAt)}</span>
        </div>`
        : ''
    }
    <dl class="facts">
      <dt>Email</dt>
      <dd>${person.emailVerifiedAt === null ? 'Not confirmed' : 'Confirmed'}</dd>
      <dt>Created</dt>
      <dd>${formatTime(person.createdAt)}</dd>
      <dt>Locked</dt>
      <dd>${state.lockedUntil ? `Until ${formatTime(state.lockedUntil)}` : 'No'}</dd>
    </dl>
    <h2 id="methods-title">Two-step verification</h2>
    ${
      state.factors.length === 0
        ? html`<p>${person.mfaResetAt !== null ? 'Reset: they set it up again at their next sign-in.' : 'Not set up.'}</p>`
        : html`<ul class="factors entries" aria-labelledby="methods-title">
          ${state.factors.map(
            (factor) =>
              html`<li class="entry"><strong>${factor.label}</strong> <span class="hint">${kindWords[factor.kind]} · added ${formatTime(factor.createdAt)}</span></li>`,
          )}
        </ul>`
    }
    <div class="actions">
      ${action('operator-code', 'Issue a one-time code')}
      ${state.lockedUntil ? action('unlock', 'Unlock') : ''}
      ${action('revoke-sessions', 'Sign out everywhere')}
      ${
        state.factors.length > 0
          ? action('reset-mfa', 'Reset two-step verification', true, 'Remove every method; they set up again at next sign-in')
          : ''
      }
    </div>
    <h2>Sessions and devices</h2>
    <p>
      ${state.sessions.length} open session${state.sessions.length === 1 ? '' : 's'}, ${state.devices.length} trusted
      device${state.devices.length === 1 ? '' : 's'}.
    </p>
    <ul class="factors entries">
      ${state.sessions.map(
        (session) =>
          html`<li class="entry">${describeBrowser(session.userAgent)} <span class="hint">since ${formatTime(session.createdAt)} · ${session.ip ?? ''}</span></li>`,
      )}
    </ul>
    <h2 id="events-title">Events</h2>
    ${eventList(state.events, 'events-title')}
  </section>`;
}

export interface EventLogState extends FormState {
  rows: { event: SecurityEvent; email: string | null }[];
  /** The filters as given, to fill the form and the CSV link. */
  filters: Record<string, string>;
}

/** The security event log of the people in scope, filtered by person, type, outcome and time, with a CSV export. */
export function eventLogView(state: EventLogState): SafeHtml {
  const { filters } = state;
  const csv = `/admin/events.csv?${new URLSearchParams(filters).toString()}`;
  return html`<section class="card card-wide" aria-labelledby="title">
    <p class="switch"><a href="/admin">People</a></p>
    <h1 id="title">Security events</h1>
    <form method="get" action="/admin/events" class="search" role="search">
      <label>Person's email <input type="email" name="email" value="${filters.email ?? ''}" /></label>
      <label>Type <input type="text" name="type" value="${filters.type ?? ''}" placeholder="e.g. second_factor_failed" /></label>
      <label
        >Outcome
        <select name="outcome">
          <option value="">Any</option>
          <option value="success" ${filters.outcome === 'success' ? html`selected` : ''}>Success</option>
          <option value="failure" ${filters.outcome === 'failure' ? html`selected` : ''}>Failure</option>
        </select>
      </label>
      <label>From <input type="date" name="from" value="${filters.from ?? ''}" /></label>
      <label>To <input type="date" name="to" value="${filters.to ?? ''}" /></label>
      <button type="submit" class="button button-secondary">Filter</button>
    </form>
    <p><a href="${csv}">Download these as CSV</a></p>
    <table class="table">
      <thead>
        <tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">From</th></tr>
      </thead>
      <tbody>
        ${state.rows.map(
          ({ event, email }) => html`<tr class="${event.outcome === 'failure' ? 'activity-warning' : ''}">
            <td>${formatTime(event.at)}</td>
            <td>${email ?? 'unknown'}</td>
            <td>${describeEvent(event)}</td>
            <td>${event.userAgent ? html`${describeBrowser(event.userAgent)} · ` : ''}${event.ip}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${state.rows.length === 0 ? html`<p>No events match.</p>` : placesCredit(state.rows.map((row) => row.event))}
  </section>`;
}

const percentOf = (part: number, whole: number) => (whole === 0 ? '–' : `${Math.round((part / whole) * 100)} %`);
const shareBars = (shares: Share[]) =>
  shares.map((entry) => ({
    label: entry.label,
    value: entry.enrolled,
    max: entry.total,
    text: `${percentOf(entry.enrolled, entry.total)} of ${entry.total}`,
  }));

/** Who is protected: the share enrolled, by method, organization and role, over time, and who is still in their grace period. */
export function coverageView(state: FormState & { coverage: Coverage }): SafeHtml {
  const { coverage } = state;
  return html`<section class="card card-wide" aria-labelledby="title">
    <p class="switch"><a href="/admin">People</a> · <a href="/admin/events">Security events</a></p>
    <h1 id="title">Coverage</h1>
    <div class="figures">
      <p><strong data-testid="coverage-share">${percentOf(coverage.enrolled, coverage.total)}</strong> use two-step verification</p>
      <p><strong>${coverage.enrolled} of ${coverage.total}</strong> people</p>
      <p><strong data-testid="coverage-grace">${coverage.inGrace}</strong> still in their grace period</p>
    </div>
    <h2>By method</h2>
    ${barChart(
      'People with each kind of method',
      coverage.byMethod.map(({ kind, people }) => ({
        label: kindWords[kind],
        value: people,
        max: coverage.total,
        text: `${people}`,
      })),
    )}
    ${coverage.byOrg.length > 0 ? html`<h2>By organization</h2>${barChart('Share enrolled in each organization', shareBars(coverage.byOrg))}` : ''}
    ${coverage.byRole.length > 0 ? html`<h2>By role</h2>${barChart('Share enrolled in each role', shareBars(coverage.byRole))}` : ''}
    ${
      coverage.overTime.length > 0
        ? html`<h2>Over time</h2>
          ${shareOverTime(
            'Share enrolled, day by day',
            coverage.overTime.map((snapshot) => ({
              day: snapshot.day,
              share: snapshot.total === 0 ? 0 : snapshot.enrolled / snapshot.total,
            })),
          )}`
        : ''
    }
  </section>`;
}

const policyWords = (policy: OrgPolicy) =>
  policy.mfa === 'optional'
    ? 'Optional'
    : policy.mfa === 'required'
      ? 'Required of everyone'
      : `Required of ${policy.roles.join(', ')}`;

/** The organizations an administrator manages, and for instance administrators a way to add one. */
export function organizationsView(state: FormState & { orgs: Organization[]; canCreate: boolean }): SafeHtml {
  return html`<section class="card card-wide" aria-labelledby="title">
    <p class="switch"><a href="/admin">People</a></p>
    <h1 id="title">Organizations</h1>
    ${alert('error', state.error)}
    <table class="table">
      <thead>
        <tr><th scope="col">Name</th><th scope="col">Two-step verification</th></tr>
      </thead>
      <tbody>
        ${state.orgs.map((org) => html`<tr><td><a href="/admin/orgs/${org.id}">${org.name}</a></td><td>${policyWords(org.policy)}</td></tr>`)}
      </tbody>
    </table>
    ${
      state.canCreate
        ? html`<form method="post" action="/admin/orgs" class="search">
          ${csrfField(state.csrfToken)}
          <label>New organization <input type="text" name="name" maxlength="100" required /></label>
          <button type="submit" class="button button-secondary">Create</button>
        </form>`
        : ''
    }
  </section>`;
}

const allKinds: Factor['kind'][] = ['totp', 'email', 'phone', 'security_key', 'biometric'];

const challengeChoices: [NonNullable<OrgPolicy['signInChallenge']>, string][] = [
  ['inherit', 'As the installation decides'],
  ['always', 'At every sign-in'],
  ['adaptive', 'Only when the sign-in looks risky'],
  ['off', 'Never at sign-in: only at protected actions'],
];

/** One organization: its two-step verification policy and its members, both editable. */
export function organizationView(state: FormState & { org: Organization; members: { user: User; role: string }[] }): SafeHtml {
  const { org } = state;
  const { policy } = org;
  return html`<section class="card card-wide" aria-labelledby="title">
    <p class="switch"><a href="/admin/orgs">Organizations</a></p>
    <h1 id="title">${org.name}</h1>
    ${alert('error', state.error)}${alert('success', state.notice)}
    <h2 id="policy-title">Two-step verification</h2>
    <form method="post" action="/admin/orgs/${org.id}/policy" class="stack" aria-labelledby="policy-title">
      ${csrfField(state.csrfToken)}
      <label
        >Required of
        <select name="mfa">
          <option value="optional" ${policy.mfa === 'optional' ? html`selected` : ''}>Nobody: each member chooses</option>
          <option value="required" ${policy.mfa === 'required' ? html`selected` : ''}>Every member</option>
          <option value="roles" ${policy.mfa === 'roles' ? html`selected` : ''}>Members with these roles</option>
        </select>
      </label>
      <label>Roles <input type="text" name="roles" value="${policy.roles.join(', ')}" placeholder="staff, admin" /></label>
      <fieldset>
        <legend>Methods that count (none ticked: any)</legend>
        ${allKinds.map(
          (kind) => html`<label class="checkbox"
            ><input type="checkbox" name="methods" value="${kind}" ${policy.allowedMethods.includes(kind) ? html`checked` : ''} />
            ${kindWords[kind]}</label
          >`,
        )}
      </fieldset>
      <label>Grace days <input type="number" name="graceDays" min="0" max="365" value="${policy.graceDays}" /></label>
      <label>Grace sign-ins <input type="number" name="graceSignIns" min="0" max="100" value="${policy.graceSignIns}" /></label>
      <label
        >Asked at sign-in
        <span class="hint">Risky: a new device, impossible travel or an untrusted address; protected actions always ask.</span>
        <select name="signInChallenge">
          ${challengeChoices.map(
            ([value, words]) =>
              html`<option value="${value}" ${(policy.signInChallenge ?? 'inherit') === value ? html`selected` : ''}>${words}</option>`,
          )}
        </select>
      </label>
      <button type="submit" class="button">Save the policy</button>
    </form>
    <h2 id="members-title">Members</h2>
    <table class="table" aria-labelledby="members-title">
      <thead>
        <tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col"></th></tr>
      </thead>
      <tbody>
        ${state.members.map(
          ({ user, role }) => html`<tr>
            <td><a href="/admin/people/${user.id}">${user.email}</a></td>
            <td>${role}</td>
            <td>
              <form method="post" action="/admin/orgs/${org.id}/members/${user.id}/remove">
                ${csrfField(state.csrfToken)}
                <button type="submit" class="button-link">Remove</button>
              </form>
            </td>
          </tr>`,
        )}
      </tbody>
    </table>
    <form method="post" action="/admin/orgs/${org.id}/members" class="search">
      ${csrfField(state.csrfToken)}
      <label>Email <input type="email" name="email" required /></label>
      <label>Role <input type="text" name="role" value="member" required maxlength="32" /></label>
      <button type="submit" class="button button-secondary">Add or change</button>
    </form>
  </section>`;
}
