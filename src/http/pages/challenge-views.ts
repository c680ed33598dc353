import { csrfField, codeInput, type FormState } from './account-views.js';
import { html, type SafeHtml } from './html.js';
import { alert } from './layout.js';

/** The second step of signing in: a code from the app, or a recovery code. */
export function challengeView(state: FormState & { method: 'totp' | 'recovery'; digits: number }): SafeHtml {
  const recovery = state.method === 'recovery';
  return html`<section class="card" aria-labelledby="title">
    <h1 id="title">Two-step verification</h1>
    <p class="lead">
      ${recovery ? 'Enter one of the recovery codes you saved. Each code works once.' : `Open your authenticator app and enter the ${state.digits}-digit code for this account.`}
    </p>
    ${alert('error', state.error)}
    <form method="post" action="/sign-in/verify" class="stack" novalidate>
      ${csrfField(state.csrfToken)}
      ${
        recovery
          ? html`<label
              >Recovery code
              <input
                type="text"
                name="recoveryCode"
                autocomplete="off"
                autocapitalize="characters"
                spellcheck="false"
                maxlength="64"
                required
                class="code-input"
                autofocus
              />
            </label>`
          : html`<label>Verification code ${codeInput(state.digits, true)}</label>`
      }
      <button type="submit" class="button">Verify</button>
    </form>
    <p class="switch">
      ${
        recovery
          ? html`<a href="/sign-in/verify">Use your authenticator app instead</a>`
          : html`Lost your phone? <a href="/sign-in/verify?method=recovery">Use a recovery code</a>`
      }
    </p>
    <p class="switch"><a href="/sign-in">Start over</a></p>
  </section>`;
}
