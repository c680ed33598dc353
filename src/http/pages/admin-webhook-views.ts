import { formatTime } from '../../core/format.js';
import type { Organization, WebhookDelivery, WebhookEventType, WebhookSubscription } from '../../core/ports.js';
import { webhookEventTypes } from '../../core/webhooks/event-types.js';
import { csrfField, type FormState } from './account-views.js';
import { html, type SafeHtml } from './html.js';
import { alert } from './layout.js';

export interface WebhooksState extends FormState {
  subscriptions: WebhookSubscription[];
  /** Every organization: the scopes a subscription can have, and the names of those it has. */
  organizations: Organization[];
  /** The signing secret of a subscription just added: shown this once. */
  added?: { url: string; secret: string };
  /** The add form as it was typed, to fill it again after a refusal. */
  typed?: { url: string; org: string; events: string[] };
}

const eventWords: Record<WebhookEventType, string> = {
  'factor.added': 'A method was added',
  'factor.removed': 'A method was removed',
  'mfa.enabled': 'Two-step verification was turned on',
  'mfa.disabled': 'Two-step verification was turned off',
  'mfa.reset': 'Two-step verification was reset',
  'account.locked': 'An account was locked after too many wrong codes',
  'sign_in.risky': 'A risky sign-in: low confidence, or asked for a second factor because of what was found',
  'recovery_code.used': 'A recovery code was used',
};

const scopeOf = (subscription: WebhookSubscription, organizations: Organization[]) =>
  subscription.orgId === null
    ? 'Everyone'
    : `Members of ${organizations.find((org) => org.id === subscription.orgId)?.name ?? subscription.orgId}`;

/** The secret of the subscription just added, set apart with the warning that it is not shown again. */
function secretOnce(added: NonNullable<WebhooksState['added']>): SafeHtml {
  return html`<div class="approval" role="group" aria-labelledby="secret-title">
    <span class="approval-label" id="secret-title">The signing secret for ${added.url} — copy it now, it will not be shown again</span>
    <code class="setup-key" data-testid="webhook-secret">${added.secret}</code>
    <span class="approval-label">Your receiver checks each request's signature with it (see docs/webhooks.md). If it is lost, remove the webhook and add it again.</span>
  </div>`;
}

/** A button that posts the subscription's id to `action`, named for screen readers with its URL. */
const actionButton = (csrfToken: string, action: string, subscription: WebhookSubscription, label: string) =>
  html`<form method="post" action="${action}">
    ${csrfField(csrfToken)}
    <input type="hidden" name="id" value="${subscription.id}" />
    <button type="submit" class="button-link" aria-label="${label} ${subscription.url}">${label}</button>
  </form>`;

/**
 * The webhook subscriptions — where security events are posted, for everyone or one
 * organization's members — each with its delivery log, disable and remove, and a form to add one.
 */
export function webhooksView(state: WebhooksState): SafeHtml {
  const typed = state.typed ?? { url: '', org: '', events: [] };
  return html`<section class="card card-wide" aria-labelledby="title">
    <p class="switch"><a href="/admin">People</a></p>
    <h1 id="title">Webhooks</h1>
    ${alert('error', state.error)}${alert('success', state.notice)} ${state.added ? secretOnce(state.added) : ''}
    <p class="lead">
      Security events are posted as signed JSON to each URL that subscribes to them, and tried again with growing pauses until
      the receiver answers 2xx.
    </p>
    <table class="table" aria-labelledby="title">
      <thead>
        <tr>
          <th scope="col">URL</th>
          <th scope="col">For</th>
          <th scope="col">Events</th>
          <th scope="col">Added</th>
          <th scope="col">State</th>
          <th scope="col"></th>
        </tr>
      </thead>
      <tbody>
        ${state.subscriptions.map(
          (subscription) => html`<tr>
            <td><code>${subscription.url}</code></td>
            <td>${scopeOf(subscription, state.organizations)}</td>
            <td>${subscription.eventTypes.map((type) => html`<div><code>${type}</code></div>`)}</td>
            <td>${formatTime(subscription.createdAt)}</td>
            <td>${subscription.disabledAt === null ? 'Active' : `Disabled ${formatTime(subscription.disabledAt)}`}</td>
            <td>
              <a href="/admin/webhooks/${subscription.id}">Deliveries</a>
              ${
                subscription.disabledAt === null
                  ? actionButton(state.csrfToken, '/admin/webhooks/disable', subscription, 'Disable')
                  : ''
              }
              ${actionButton(state.csrfToken, '/admin/webhooks/remove', subscription, 'Remove')}
            </td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${state.subscriptions.length === 0 ? html`<p>No webhooks yet.</p>` : ''}
    <h2 id="add-title">Add a webhook</h2>
    <form method="post" action="/admin/webhooks" class="stack" aria-labelledby="add-title">
      ${csrfField(state.csrfToken)}
      <label
        >URL <span class="hint">https, or http on a loopback address outside production.</span>
        <input type="url" name="url" maxlength="2000" required autocomplete="off" value="${typed.url}" />
      </label>
      <label
        >Events of
        <select name="org">
          <option value="">Everyone</option>
          ${state.organizations.map(
            (org) =>
              html`<option value="${org.id}" ${typed.org === org.id ? html`selected` : ''}>Members of ${org.name}</option>`,
          )}
        </select>
      </label>
      <fieldset>
        <legend>Events</legend>
        ${webhookEventTypes.map(
          (type) => html`<label class="checkbox"
            ><input type="checkbox" name="events" value="${type}" ${typed.events.includes(type) ? html`checked` : ''} />
            <code>${type}</code> ${eventWords[type]}</label
          >`,
        )}
      </fieldset>
      <button type="submit" class="button">Add the webhook</button>
    </form>
  </section>`;
}

const statusWords: Record<WebhookDelivery['status'], string> = {
  pending: 'Pending',
  delivered: 'Delivered',
  failed: 'Failed',
};

/** One subscription's newest deliveries: what was sent, how it went and what happens next. */
export function deliveryLogView(state: {
  subscription: WebhookSubscription;
  organizations: Organization[];
  deliveries: WebhookDelivery[];
}): SafeHtml {
  const { subscription } = state;
  const when = (ms: number | null) => (ms === null ? '' : formatTime(ms));
  return html`<section class="card card-wide" aria-labelledby="title">
    <p class="switch"><a href="/admin/webhooks">Webhooks</a></p>
    <h1 id="title">Deliveries to <code>${subscription.url}</code></h1>
    <p class="lead">
      ${scopeOf(subscription, state.organizations)}:
      ${subscription.eventTypes.join(', ')}${subscription.disabledAt === null ? '' : ` — disabled ${formatTime(subscription.disabledAt)}`}
    </p>
    <table class="table" aria-labelledby="title">
      <thead>
        <tr>
          <th scope="col">Event</th>
          <th scope="col">Status</th>
          <th scope="col">Attempts</th>
          <th scope="col">Last status code</th>
          <th scope="col">Last error</th>
          <th scope="col">Next attempt</th>
          <th scope="col">Delivered</th>
          <th scope="col">Queued</th>
        </tr>
      </thead>
      <tbody>
        ${state.deliveries.map(
          (delivery) => html`<tr>
            <td><code>${delivery.eventType}</code></td>
            <td>${statusWords[delivery.status]}</td>
            <td>${delivery.attempts}</td>
            <td>${delivery.lastStatusCode ?? ''}</td>
            <td>${delivery.lastError ?? ''}</td>
            <td>${delivery.status === 'pending' ? when(delivery.nextAttemptAt) : ''}</td>
            <td>${when(delivery.deliveredAt)}</td>
            <td>${formatTime(delivery.createdAt)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${state.deliveries.length === 0 ? html`<p>Nothing was sent to it yet.</p>` : ''}
  </section>`;
}
