import type { StepUpMethod } from '../../core/flows/step-up.js';
import type { CodeTarget } from '../../core/flows/sign-in-codes.js';
import { codeInput, csrfField, type FormState } from './account-views.js';
import { html, type SafeHtml } from './html.js';
import { alert } from './layout.js';
import { ceremonyStatus, needsJavaScript, unsupportedNotice } from './webauthn-views.js';

export interface StepUpState extends FormState {
  stepUpId: string;
  /** The action's name as people read it: "Withdraw funds". */
  label: string;
  /** Exactly what is approved: "Withdraw £250.00 to account ••••1234". */
  details: string | null;
  methods: StepUpMethod[];
  codeTargets: CodeTarget[];
  /** Where the browser goes back to, with the grant or on cancel. */
  returnTo: string;
  digits: number;
  sentDigits: number;
}

const sendLabels: Record<CodeTarget['channel'], (sentTo: string) => string> = {
  email: (sentTo) => `Email a code to ${sentTo}`,
  sms: (sentTo) => `Text a code to ${sentTo}`,
  voice: (sentTo) => `Call ${sentTo} with a code`,
};

/** The fields every form of the page carries: which step-up, and where to go back. */
const carried = (state: StepUpState) => html`${csrfField(state.csrfToken)}
  <input type="hidden" name="stepUpId" value="${state.stepUpId}" />
  <input type="hidden" name="returnTo" value="${state.returnTo}" />`;

const passwordForm = (state: StepUpState) => html`<form method="post" action="/step-up/verify" class="stack">
  ${carried(state)}
  <label>Your password <input type="password" name="password" autocomplete="current-password" required autofocus /></label>
  <button type="submit" class="button">Approve</button>
</form>`;

/** The key ceremony runs in webauthn.js, with options bound to this step-up. */
const keyForm = (state: StepUpState) => html`<form
  method="post"
  action="/step-up/verify"
  class="stack"
  data-webauthn="authenticate"
  data-options="/api/v1/step-up/webauthn-options"
  data-options-body="${JSON.stringify({ stepUpId: state.stepUpId })}"
>
  ${carried(state)}
  <input type="hidden" name="webauthn" />
  ${needsJavaScript(html`Use a code below.`)} ${unsupportedNotice('This browser cannot use security keys. Use a code below.')}
  ${ceremonyStatus}
  <button type="submit" class="button" data-webauthn-start hidden>Use security key or biometric</button>
</form>`;

const codeForm = (state: StepUpState) => {
  const sent = state.methods.includes('email') || state.methods.includes('phone');
  const digits = state.methods.includes('totp') ? state.digits : state.sentDigits;
  return html`<form method="post" action="/step-up/verify" class="stack" novalidate>
      ${carried(state)}
      <label
        >${state.methods.includes('totp') ? 'Code from your authenticator app' : 'Code we sent you'}${
          sent && state.methods.includes('totp') ? ' or one we sent you' : ''
        }
        ${codeInput(digits, !state.methods.includes('webauthn'))}</label
      >
      <button type="submit" class="button">Approve</button>
    </form>
    ${
      state.codeTargets.length > 0
        ? html`<form method="post" action="/step-up/send-code" class="stack">
          ${carried(state)}
          ${state.codeTargets.map(
            (target) =>
              html`<button type="submit" name="target" value="${target.factorId}:${target.channel}" class="button button-secondary">
                ${sendLabels[target.channel](target.sentTo)}
              </button>`,
          )}
        </form>`
        : ''
    }
    <details class="inline-action">
      <summary>Use a recovery code</summary>
      <form method="post" action="/step-up/verify" class="stack">
        ${carried(state)}
        <label
          >Recovery code
          <input type="text" name="recoveryCode" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="64" required class="code-input"
        /></label>
        <button type="submit" class="button">Approve</button>
      </form>
    </details>`;
};

/**
 * "Confirm it's you" for a protected action: what is being approved, set apart so it can be
 * checked, then the person's ways to approve it — a key, a code, a recovery code, or the
 * password for people without a second factor.
 */
export function stepUpView(state: StepUpState): SafeHtml {
  return html`<section class="card" aria-labelledby="title">
    <h1 id="title">Confirm it’s you</h1>
    <p class="lead">Approve this with one of your sign-in methods. Check that it is what you meant to do.</p>
    <div class="approval" role="group" aria-label="What you are approving">
      <span class="approval-label">${state.label}</span>
      ${state.details ? html`<strong class="approval-details">${state.details}</strong>` : ''}
    </div>
    ${alert('error', state.error)}${alert('success', state.notice)}
    ${
      state.methods.includes('password')
        ? passwordForm(state)
        : html`${state.methods.includes('webauthn') ? keyForm(state) : ''}${codeForm(state)}`
    }
    <p class="switch"><a href="${state.returnTo}">Cancel</a></p>
  </section>`;
}
