import { type ApiScope, apiScopes, apiScopeWords } from '../../core/api-scopes.js';
import { formatTime } from '../../core/format.js';
import type { ApiKey } from '../../core/ports.js';
import { csrfField, type FormState } from './account-views.js';
import { html, type SafeHtml } from './html.js';
import { alert } from './layout.js';

export interface ApiKeysState extends FormState {
  /** The ids of `hostApi.keys`, which hold every scope and only the configuration changes. */
  configuredIds: string[];
  keys: ApiKey[];
  /** The key just created and its token: shown this once. */
  created?: { key: ApiKey; token: string };
  /** The create form as it was sent, to fill it again after a refusal. */
  typed?: { name: string; scopes: string[] };
}

/** The token of the key just created, set apart with the warning that it is not shown again. */
function tokenOnce({ key, token }: NonNullable<ApiKeysState['created']>): SafeHtml {
  return html`<div class="approval" role="group" aria-labelledby="token-title">
    <span class="approval-label" id="token-title">The API key ${key.name} — copy it now, it will not be shown again</span>
    <code class="setup-key" data-testid="api-key-token">${token}</code>
    <span class="approval-label">The app sends it as <code>Authorization: Bearer ${key.id}.…</code>. If it is lost, create another key and revoke this one.</span>
  </div>`;
}

const scopeList = (scopes: readonly ApiScope[]) => scopes.map((scope) => html`<div><code>${scope}</code></div>`);

/**
 * The keys apps use for server-to-server calls: the configured ones, the ones created here
 * with a button to revoke each, and a form to create one with its scopes.
 */
export function apiKeysView(state: ApiKeysState): SafeHtml {
  const typed = state.typed ?? { name: '', scopes: [] };
  return html`<section class="card card-wide" aria-labelledby="title">
    <p class="switch"><a href="/admin">People</a></p>
    <h1 id="title">API keys</h1>
    ${alert('error', state.error)}${alert('success', state.notice)} ${state.created ? tokenOnce(state.created) : ''}
    <p class="lead">
      Apps call Tessera server to server with <code>Authorization: Bearer id.secret</code>; a key reaches only the routes of
      its scopes. To rotate a key, create a new one, move the app to it, then revoke the old one.
    </p>
    <h2 id="keys-title">Keys</h2>
    <table class="table" aria-labelledby="keys-title">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Id</th>
          <th scope="col">Scopes</th>
          <th scope="col">Created</th>
          <th scope="col">Last used</th>
          <th scope="col">Revoked</th>
          <th scope="col"></th>
        </tr>
      </thead>
      <tbody>
        ${state.configuredIds.map(
          (id) => html`<tr>
            <td>${id}</td>
            <td><code>${id}</code></td>
            <td>Every scope</td>
            <td>From configuration</td>
            <td>Not recorded</td>
            <td></td>
            <td><span class="hint">Change it in hostApi.keys</span></td>
          </tr>`,
        )}
        ${state.keys.map(
          (key) => html`<tr>
            <td>${key.name}</td>
            <td><code>${key.id}</code></td>
            <td>${scopeList(key.scopes)}</td>
            <td>${formatTime(key.createdAt)}</td>
            <td>${key.lastUsedAt === null ? 'Never' : formatTime(key.lastUsedAt)}</td>
            <td>${key.revokedAt === null ? '' : formatTime(key.revokedAt)}</td>
            <td>
              ${
                key.revokedAt === null
                  ? html`<form method="post" action="/admin/api-keys/revoke">
                      ${csrfField(state.csrfToken)}
                      <input type="hidden" name="id" value="${key.id}" />
                      <button type="submit" class="button-link" aria-label="Revoke ${key.name} (${key.id})">Revoke</button>
                    </form>`
                  : ''
              }
            </td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${state.configuredIds.length + state.keys.length === 0 ? html`<p>No API keys yet.</p>` : ''}
    <h2 id="create-title">Create a key</h2>
    <form method="post" action="/admin/api-keys" class="stack" aria-labelledby="create-title">
      ${csrfField(state.csrfToken)}
      <label
        >Name <span class="hint">What the key is for, such as the app that uses it (up to 60 characters).</span>
        <input type="text" name="name" maxlength="60" required autocomplete="off" value="${typed.name}" />
      </label>
      <fieldset>
        <legend>Scopes (at least one)</legend>
        ${apiScopes.map(
          (scope) => html`<label class="checkbox"
            ><input type="checkbox" name="scope" value="${scope}" ${typed.scopes.includes(scope) ? html`checked` : ''} />
            <code>${scope}</code>: ${apiScopeWords[scope]}</label
          >`,
        )}
      </fieldset>
      <button type="submit" class="button">Create the key</button>
    </form>
  </section>`;
}
