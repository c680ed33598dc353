import type { ListedClient, RegisteredClient } from '../../core/flows/oidc-clients.js';
import { formatTime } from '../../core/format.js';
import { csrfField, type FormState } from './account-views.js';
import { html, type SafeHtml } from './html.js';
import { alert } from './layout.js';

export interface AppsState extends FormState {
  /** Where the provider answers; null when it is off. */
  issuer: string | null;
  /** The clients of `oidc.clients`, which only the configuration changes. */
  configured: RegisteredClient[];
  registered: ListedClient[];
  /** The secret of a confidential client just added: shown this once. */
  added?: { clientId: string; clientSecret: string };
  /** The add form as it was typed, to fill it again after a refusal. */
  typed?: { clientId: string; redirectUris: string; public: boolean };
}

const kindOf = (client: RegisteredClient) => (client.confidential ? 'Confidential' : 'Public (PKCE only)');

const uriList = (uris: string[]) => uris.map((uri) => html`<div><code>${uri}</code></div>`);

/** How to turn the provider on, shown instead of the apps while it is off. */
function providerOff(): SafeHtml {
  return html`<p>The OpenID Connect provider is off, so no app can sign people in through Tessera.</p>
    <p>
      To turn it on, set <code>oidc.enabled: true</code> in the configuration (<code>TESSERA_OIDC_ENABLED=true</code> in
      the environment), or list apps in <code>oidc.clients</code>, and restart Tessera. Apps can then be added here.
    </p>`;
}

/** The secret of the client just added, set apart with the warning that it is not shown again. */
function secretOnce(added: NonNullable<AppsState['added']>): SafeHtml {
  return html`<div class="approval" role="group" aria-labelledby="secret-title">
    <span class="approval-label" id="secret-title">The client secret of ${added.clientId} — copy it now, it will not be shown again</span>
    <code class="setup-key" data-testid="client-secret">${added.clientSecret}</code>
    <span class="approval-label">The app sends it to the token endpoint (client_secret_basic). If it is lost, remove the app and add it again.</span>
  </div>`;
}

/**
 * The applications that sign people in through Tessera's OpenID Connect provider: the
 * configured ones, the ones added at run time with a button to remove each, and a form to add one.
 */
export function appsView(state: AppsState): SafeHtml {
  const typed = state.typed ?? { clientId: '', redirectUris: '', public: false };
  return html`<section class="card card-wide" aria-labelledby="title">
    <p class="switch"><a href="/admin">People</a></p>
    <h1 id="title">Apps (OpenID Connect)</h1>
    ${alert('error', state.error)}${alert('success', state.notice)} ${state.added ? secretOnce(state.added) : ''}
    ${
      state.issuer === null
        ? providerOff()
        : html`<p class="lead">Apps sign people in with Tessera as their provider; the issuer is <code>${state.issuer}</code>.</p>
          <h2 id="apps-title">Apps</h2>
          <table class="table" aria-labelledby="apps-title">
            <thead>
              <tr>
                <th scope="col">Client id</th>
                <th scope="col">Kind</th>
                <th scope="col">Redirect URIs</th>
                <th scope="col">Added</th>
                <th scope="col"></th>
              </tr>
            </thead>
            <tbody>
              ${state.configured.map(
                (client) => html`<tr>
                  <td>${client.clientId}</td>
                  <td>${kindOf(client)}</td>
                  <td>${uriList(client.redirectUris)}</td>
                  <td>From configuration</td>
                  <td><span class="hint">Change it in oidc.clients</span></td>
                </tr>`,
              )}
              ${state.registered.map(
                (client) => html`<tr>
                  <td>${client.clientId}</td>
                  <td>${kindOf(client)}</td>
                  <td>${uriList(client.redirectUris)}</td>
                  <td>${client.addedAt === null ? 'Not recorded' : formatTime(client.addedAt)}</td>
                  <td>
                    <form method="post" action="/admin/oidc/remove">
                      ${csrfField(state.csrfToken)}
                      <input type="hidden" name="clientId" value="${client.clientId}" />
                      <button type="submit" class="button-link" aria-label="Remove ${client.clientId}">Remove</button>
                    </form>
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>
          ${state.configured.length + state.registered.length === 0 ? html`<p>No apps yet.</p>` : ''}
          <h2 id="add-title">Add an app</h2>
          <form method="post" action="/admin/oidc" class="stack" aria-labelledby="add-title">
            ${csrfField(state.csrfToken)}
            <label
              >Client id <span class="hint">1-64 letters, digits, ., _ or -: what the app sends as client_id.</span>
              <input type="text" name="clientId" maxlength="64" required autocomplete="off" value="${typed.clientId}" />
            </label>
            <label
              >Redirect URIs
              <span class="hint">One per line, exactly as the app sends them: https, or http on a loopback address outside production.</span>
              <textarea name="redirectUris" rows="3" required>${typed.redirectUris}</textarea>
            </label>
            <label class="checkbox"
              ><input type="checkbox" name="public" value="on" ${typed.public ? html`checked` : ''} /> Public client (PKCE only): no
              secret, for apps that cannot keep one</label
            >
            <button type="submit" class="button">Add the app</button>
          </form>`
    }
  </section>`;
}
