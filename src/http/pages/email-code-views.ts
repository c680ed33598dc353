import { codeInput, csrfField, type FormState } from './account-views.js';
import { html, type SafeHtml } from './html.js';
import { alert } from './layout.js';

/** Step one of turning on email codes: the password again, and a clear yes. */
export function emailCodesIntroView(state: FormState & { emailTo: string; address?: string }): SafeHtml {
  return html`<section class="card" aria-labelledby="title">
  <h1 id="title">Turn on email codes</h1>
  <p class="lead">After your password, we can email you a code. Confirm it is you, and we will send a first code to check the address.</p>
  ${alert('error', state.error)}
  <form method="post" action="/account/email-codes" class="stack">
    ${csrfField(state.csrfToken)}
    <label>Address for the codes <span class="hint">(leave empty for ${state.emailTo})</span>
      <input type="email" name="address" autocomplete="email" value="${state.address ?? ''}">
    </label>
    <label>Your password
      <input type="password" name="password" autocomplete="current-password" required autofocus>
    </label>
    <label class="checkbox"><input type="checkbox" name="consent" value="on" required> Email me a code when I sign in</label>
    <button type="submit" class="button">Send code</button>
  </form>
  <p class="hint">Email codes are weaker than an authenticator app: anyone who can read your email can read them.</p>
  <p class="switch"><a href="/account">Cancel</a></p>
</section>`;
}

/** Step two: the code that was emailed. */
export function emailCodesConfirmView(state: FormState & { sentTo: string; digits: number }): SafeHtml {
  return html`<section class="card" aria-labelledby="title">
  <h1 id="title">Check your email</h1>
  <p class="lead">We sent a ${state.digits}-digit code to ${state.sentTo}. Enter it to turn on email codes.</p>
  ${alert('error', state.error)}
  <form method="post" action="/account/email-codes/confirm" class="stack">
    ${csrfField(state.csrfToken)}
    <label>Code from the email ${codeInput(state.digits, true)}</label>
    <button type="submit" class="button">Turn on email codes</button>
  </form>
  <p class="switch"><a href="/account/email-codes">Send a new code</a> · <a href="/account">Cancel</a></p>
</section>`;
}
