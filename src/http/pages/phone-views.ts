import { codeInput, csrfField, type FormState, proofInput } from './account-views.js';
import { html, type SafeHtml } from './html.js';
import { alert } from './layout.js';

/** Step one of adding a phone number: the number, how to reach it, and proof it is the owner. */
export function addPhoneView(
  state: FormState & { mfaEnabled: boolean; hasKey: boolean; countries: string[]; number?: string },
): SafeHtml {
  return html`<section class="card" aria-labelledby="title">
  <h1 id="title">Add a phone number</h1>
  <p class="lead">We can text or call you with a code when you sign in. Numbers in ${state.countries.join(', ')} can be used.</p>
  ${alert('error', state.error)}
  <form method="post" action="/account/phone" class="stack">
    ${csrfField(state.csrfToken)}
    <label>Phone number, with its country code
      <input type="tel" name="number" autocomplete="tel" inputmode="tel" required value="${state.number ?? ''}" placeholder="+44 7400 123456" autofocus>
    </label>
    <fieldset class="choices">
      <legend>Send codes by</legend>
      <label class="checkbox"><input type="radio" name="channel" value="sms" checked> Text message</label>
      <label class="checkbox"><input type="radio" name="channel" value="voice"> Voice call</label>
    </fieldset>
    ${
      state.mfaEnabled
        ? proofInput(state.hasKey)
        : html`<label>Your password
      <input type="password" name="password" autocomplete="current-password" required>
    </label>`
    }
    <button type="submit" class="button">Send code</button>
  </form>
  <p class="hint">Texts and calls can be intercepted by someone who takes over your number. An authenticator app is stronger; keep one as well.</p>
  <p class="switch"><a href="/account/authenticator">Set up an authenticator app instead</a> · <a href="/account">Cancel</a></p>
</section>`;
}

/** Step two: the code that was texted or called. */
export function confirmPhoneView(state: FormState & { sentTo: string; digits: number }): SafeHtml {
  return html`<section class="card" aria-labelledby="title">
  <h1 id="title">Enter the code</h1>
  <p class="lead">We sent a ${state.digits}-digit code to ${state.sentTo}.</p>
  ${alert('error', state.error)}
  <form method="post" action="/account/phone/confirm" class="stack">
    ${csrfField(state.csrfToken)}
    <label>Code ${codeInput(state.digits, true)}</label>
    <button type="submit" class="button">Add this number</button>
  </form>
  <p class="switch"><a href="/account/phone">Send a new code</a> · <a href="/account">Cancel</a></p>
</section>`;
}
