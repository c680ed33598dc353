import type { SecondFactorMethod } from '../../core/flows/after-first-factor.js';
import type { EmailTarget } from '../../core/flows/email-codes.js';
import { codeInput, csrfField, type FormState } from './account-views.js';
import { html, type SafeHtml } from './html.js';
import { alert } from './layout.js';

export type ChallengeMethod = 'totp' | 'email' | 'recovery';

export interface ChallengeState extends FormState {
  method: ChallengeMethod;
  methods: SecondFactorMethod[];
  digits: number;
  emailDigits: number;
  /** The addresses an emailed code can go to, masked. */
  emailTargets: EmailTarget[];
  /** Set once a code was emailed for this sign-in: the code form is shown. */
  emailSent?: boolean;
}

const leads: Record<ChallengeMethod, (state: ChallengeState) => string> = {
  totp: (state) => `Open your authenticator app and enter the ${state.digits}-digit code for this account.`,
  email: (state) =>
    state.emailSent
      ? `Enter the ${state.emailDigits}-digit code we emailed you.`
      : state.emailTargets.length === 1
        ? `We will email a ${state.emailDigits}-digit code to ${state.emailTargets[0]!.sentTo}.`
        : `Choose where we email a ${state.emailDigits}-digit code.`,
  recovery: () => 'Enter one of the recovery codes you saved. Each code works once.',
};

const recoveryInput = html`<label>Recovery code
  <input type="text" name="recoveryCode" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="64" required class="code-input" autofocus>
</label>`;

/** Links to the other ways of answering, in the order they are offered. */
function otherMethods(state: ChallengeState): SafeHtml {
  const links: SafeHtml[] = [];
  if (state.method !== 'totp' && state.methods.includes('totp'))
    links.push(html`<a href="/sign-in/verify?method=totp">Use your authenticator app</a>`);
  if (state.method !== 'email' && state.methods.includes('email'))
    links.push(html`<a href="/sign-in/verify?method=email">Email me a code</a>`);
  if (state.method !== 'recovery') links.push(html`<a href="/sign-in/verify?method=recovery">Use a recovery code</a>`);
  return html`<nav class="switch" aria-label="Other ways to verify">Try another way: ${links.map((link, index) => html`${index ? ' · ' : ''}${link}`)}</nav>`;
}

/** The second step of signing in: a code from the app, an emailed code, or a recovery code. */
export function challengeView(state: ChallengeState): SafeHtml {
  const single = state.emailTargets.length === 1;
  const sendForm = html`<form method="post" action="/sign-in/verify/email" class="stack">
    ${csrfField(state.csrfToken)}
    ${state.emailTargets.map(
      (target) =>
        html`<button type="submit" name="factorId" value="${target.factorId}" class="button${state.emailSent ? ' button-secondary' : ''}">${state.emailSent ? 'Send a new code' : 'Send code'}${single ? '' : ` to ${target.sentTo}`}</button>`,
    )}
  </form>`;
  const codeForm = html`<form method="post" action="/sign-in/verify" class="stack" novalidate>
    ${csrfField(state.csrfToken)}
    <input type="hidden" name="method" value="${state.method}">
    ${state.method === 'recovery' ? recoveryInput : html`<label>Verification code ${codeInput(state.method === 'email' ? state.emailDigits : state.digits, true)}</label>`}
    <button type="submit" class="button">Verify</button>
  </form>`;
  return html`<section class="card" aria-labelledby="title">
  <h1 id="title">Two-step verification</h1>
  <p class="lead">${leads[state.method](state)}</p>
  ${alert('error', state.error)}${alert('success', state.notice)}
  ${state.method === 'email' && !state.emailSent ? sendForm : html`${codeForm}${state.method === 'email' ? sendForm : ''}`}
  ${otherMethods(state)}
  <p class="switch"><a href="/sign-in">Start over</a></p>
</section>`;
}
