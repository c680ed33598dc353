import type { SecondFactorMethod } from '../../core/flows/after-first-factor.js';
import type { CodeTarget } from '../../core/flows/sign-in-codes.js';
import { codeInput, csrfField, type FormState } from './account-views.js';
import { html, type SafeHtml } from './html.js';
import { alert } from './layout.js';
import { ceremonyStatus, needsJavaScript, unsupportedNotice } from './webauthn-views.js';

/** `email` and `phone` are codes Tessera sends; `totp` and `recovery` the person already has; `webauthn` is a key's signature. */
export type ChallengeMethod = 'webauthn' | 'totp' | 'email' | 'phone' | 'recovery';

export interface ChallengeState extends FormState {
  method: ChallengeMethod;
  methods: SecondFactorMethod[];
  digits: number;
  sentDigits: number;
  /** Where a code can be sent, masked. */
  codeTargets: CodeTarget[];
  /** Set once a code was sent for this sign-in: the code form is shown. */
  codeSent?: boolean;
  /** Days "Trust this device" lasts; 0 hides the choice. */
  trustDays: number;
  /** The support number that can issue a one-time code after checking the caller; empty hides it. */
  dialInNumber: string;
}

/** For people who can use none of their methods: call support, who can issue a one-time code after checking it is them. */
const supportCode = (state: ChallengeState) =>
  state.dialInNumber
    ? html`<details class="inline-action">
        <summary>Can’t use any of these?</summary>
        <p>Call us on <a href="tel:${state.dialInNumber.replace(/[^+\d]/g, '')}">${state.dialInNumber}</a>. After checking it is you, we give you a one-time code to enter here.</p>
        <form method="post" action="/sign-in/verify" class="stack" novalidate>
          ${csrfField(state.csrfToken)}
          <input type="hidden" name="method" value="totp" />
          <label>Code from support ${codeInput(8)}</label>
          <button type="submit" class="button button-secondary">Verify</button>
        </form>
      </details>`
    : html``;

/** "Trust this device": the second step is skipped here at sign-in for that many days. */
const trustChoice = (days: number) =>
  days === 0
    ? html``
    : html`<label class="checkbox"><input type="checkbox" name="trustDevice" value="on" /> Trust this device for ${days} days</label>`;

const isSent = (method: ChallengeMethod): method is 'email' | 'phone' => method === 'email' || method === 'phone';

/** The targets of the shown method: email addresses, or texts and calls. */
const targetsOf = (state: ChallengeState) =>
  state.codeTargets.filter((target) => (state.method === 'email') === (target.channel === 'email'));

const actions: Record<CodeTarget['channel'], (sentTo: string, again: boolean) => string> = {
  email: (sentTo, again) => `${again ? 'Send a new code' : 'Send code'} to ${sentTo}`,
  sms: (sentTo, again) => `${again ? 'Text a new code' : 'Text a code'} to ${sentTo}`,
  voice: (sentTo, again) => `${again ? 'Call' : 'Call'} ${sentTo} ${again ? 'again' : 'with a code'}`,
};

const leads: Record<ChallengeMethod, (state: ChallengeState) => string> = {
  webauthn: () => 'Use your security key, or your fingerprint or face on this device, to finish signing in.',
  totp: (state) => `Open your authenticator app and enter the ${state.digits}-digit code for this account.`,
  email: (state) =>
    state.codeSent
      ? `Enter the ${state.sentDigits}-digit code we sent you.`
      : `We will email you a ${state.sentDigits}-digit code.`,
  phone: (state) =>
    state.codeSent
      ? `Enter the ${state.sentDigits}-digit code we sent you.`
      : `We will text or call you with a ${state.sentDigits}-digit code.`,
  recovery: () => 'Enter one of the recovery codes you saved. Each code works once.',
};

const recoveryInput = html`<label>Recovery code
  <input type="text" name="recoveryCode" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="64" required class="code-input" autofocus>
</label>`;

/** Where codes of one kind go, masked: "a•••@e•••.com or +44 •••• 1234". */
const destinations = (state: ChallengeState, email: boolean) =>
  [...new Set(state.codeTargets.filter((target) => (target.channel === 'email') === email).map((target) => target.sentTo))].join(
    ' or ',
  );

const switchLinks: [ChallengeMethod, SecondFactorMethod, (state: ChallengeState) => string][] = [
  ['webauthn', 'webauthn', () => 'Use your security key or biometric'],
  ['totp', 'totp', () => 'Use your authenticator app'],
  ['email', 'email', (state) => `Email a code to ${destinations(state, true)}`],
  ['phone', 'phone', (state) => `Text or call ${destinations(state, false)}`],
  ['recovery', 'recovery_code', () => 'Use a recovery code'],
];

/** Links to the other ways of answering, in the order they are offered, with where sent codes would go. */
function otherMethods(state: ChallengeState): SafeHtml {
  const links = switchLinks
    .filter(([method, offered]) => method !== state.method && state.methods.includes(offered))
    .sort(([, a], [, b]) => state.methods.indexOf(a) - state.methods.indexOf(b))
    .map(([method, , label]) => html`<li><a href="/sign-in/verify?method=${method}">${label(state)}</a></li>`);
  return html`<nav class="switch other-ways" aria-label="Other ways to verify"><p>Try another way</p><ul>${links}</ul></nav>`;
}

/** The key ceremony runs in webauthn.js, which posts the signed answer with the form. */
const keyForm = (state: ChallengeState) => html`<form
  method="post"
  action="/sign-in/verify"
  class="stack"
  data-webauthn="authenticate"
  data-options="/api/v1/sign-in/webauthn-options"
>
  ${csrfField(state.csrfToken)}
  <input type="hidden" name="method" value="webauthn" />
  <input type="hidden" name="webauthn" />
  ${needsJavaScript(html`Choose another way below.`)}
  ${unsupportedNotice('This browser cannot use security keys or biometrics. Choose another way below.')}
  ${trustChoice(state.trustDays)}
  ${ceremonyStatus}
  <button type="submit" class="button" data-webauthn-start hidden>Use security key or biometric</button>
</form>`;

/** The second step of signing in: a key, a code from the app, a code sent by email, text or call, or a recovery code. */
export function challengeView(state: ChallengeState): SafeHtml {
  const sendForm = html`<form method="post" action="/sign-in/verify/send" class="stack">
    ${csrfField(state.csrfToken)}
    ${targetsOf(state).map(
      (target) =>
        html`<button type="submit" name="target" value="${target.factorId}:${target.channel}" class="button${state.codeSent ? ' button-secondary' : ''}">${actions[target.channel](target.sentTo, Boolean(state.codeSent))}</button>`,
    )}
  </form>`;
  const codeForm = html`<form method="post" action="/sign-in/verify" class="stack" novalidate>
    ${csrfField(state.csrfToken)}
    <input type="hidden" name="method" value="${state.method}">
    ${state.method === 'recovery' ? recoveryInput : html`<label>Verification code ${codeInput(isSent(state.method) ? state.sentDigits : state.digits, true)}</label>`}
    ${trustChoice(state.trustDays)}
    <button type="submit" class="button">Verify</button>
  </form>`;
  return html`<section class="card" aria-labelledby="title">
  <h1 id="title">Two-step verification</h1>
  <p class="lead">${leads[state.method](state)}</p>
  ${alert('error', state.error)}${alert('success', state.notice)}
  ${
    state.method === 'webauthn'
      ? keyForm(state)
      : isSent(state.method) && !state.codeSent
        ? sendForm
        : html`${codeForm}${isSent(state.method) ? sendForm : ''}`
  }
  ${otherMethods(state)} ${supportCode(state)}
  <p class="switch"><a href="/sign-in">Start over</a></p>
</section>`;
}
