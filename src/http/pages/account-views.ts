import type { SecurityOverview } from '../../core/flows/manage-factors.js';
import type { Factor, SecurityEvent, Session, TrustedDevice, User } from '../../core/ports.js';
import type { MfaRequirement } from '../../core/flows/mfa-policy.js';
import type { CodeTarget } from '../../core/flows/sign-in-codes.js';
import type { ActionCodeSent } from './account-pages.js';
import { describeBrowser, formatTime } from '../../core/format.js';
import { html, type SafeHtml } from './html.js';
import { activitySection } from './activity-view.js';
import { alert } from './layout.js';
import { ceremonyStatus, needsJavaScript, unsupportedNotice } from './webauthn-views.js';

export interface FormState {
  csrfToken: string;
  error?: string;
  notice?: string;
  email?: string;
}

export const csrfField = (token: string) => html`<input type="hidden" name="_csrf" value="${token}" />`;

/** The input for a code from an authenticator app, as phones and password managers expect it. */
export const codeInput = (digits: number, autofocus = false) =>
  html`<input
    type="text"
    name="code"
    inputmode="numeric"
    autocomplete="one-time-code"
    pattern="[0-9]*"
    maxlength="${digits}"
    required
    class="code-input"
    ${autofocus ? html`autofocus` : ''}
  />`;

const factorKinds: Record<Factor['kind'], string> = {
  totp: 'Authenticator app',
  email: 'Email codes',
  phone: 'Text and call codes',
  security_key: 'Security key',
  biometric: 'Biometric',
};

/**
 * Confirms a sensitive change with a current code, or a recovery code for someone who lost
 * their phone; letters are allowed, so no numeric keyboard here. A person with a security key
 * or biometric can touch it instead, where JavaScript runs.
 */
export const proofInput = (withKey: boolean) =>
  html`<label
      >Code from one of your sign-in methods, or a recovery code
      <input
        type="text"
        name="proof"
        autocomplete="one-time-code"
        autocapitalize="characters"
        spellcheck="false"
        maxlength="64"
        required
        class="code-input"
      />
    </label>
    ${withKey ? keyProof : ''}`;

const keyProof = html`<div class="key-proof" data-webauthn="proof" data-options="/api/v1/factors/webauthn/proof-options" hidden>
  <input type="hidden" name="webauthn" />
  <button type="button" class="button button-secondary" data-webauthn-start>Use your security key or biometric instead</button>
  <p class="webauthn-status" role="alert" data-webauthn-status></p>
</div>`;

/** What a security key or biometric is, as the list shows it: passkey, synced, or blocked. */
function keyFacts(factor: Factor): SafeHtml {
  const key = factor.webauthn;
  if (!key) return html``;
  return html`${key.discoverable ? html` <span class="badge badge-on">Passkey</span>` : ''}${key.backupEligible ? html` <span class="badge badge-off">${key.backedUp ? 'Synced' : 'Can sync'}</span>` : ''}${
    key.flaggedAt === null
      ? ''
      : html`<div class="alert alert-error">Blocked on ${formatTime(key.flaggedAt)}: this key answered with a counter it had already used, which can mean it was copied. Remove it, and add it again if it is yours.</div>`
  }`;
}

export function signInView(
  state: FormState & {
    passkeys: boolean;
    magicLinks: boolean;
    passwordless?: boolean;
    providers?: { id: string; name: string }[];
  },
): SafeHtml {
  return html`<section class="card" aria-labelledby="title">
    <h1 id="title">Sign in</h1>
    <p class="lead">${state.passwordless ? 'Welcome back. Enter your email: we will ask for a code next.' : 'Welcome back. Enter your email and password.'}</p>
    ${alert('error', state.error)}${alert('success', state.notice)}
    ${state.passwordless ? passwordlessForm(state) : passwordForm(state)}
    ${
      (state.providers ?? []).length > 0
        ? html`<p class="divider"><span>or</span></p>
          <div class="stack">
            ${(state.providers ?? []).map(
              (provider) =>
                html`<a class="button button-secondary" href="/sign-in/sso/${provider.id}">Continue with ${provider.name}</a>`,
            )}
          </div>`
        : ''
    }

    ${
      state.passkeys
        ? html`<form
            method="post"
            action="/sign-in/passkey"
            class="stack passkey-form"
            data-webauthn="passkey"
            data-options="/api/v1/sign-in/passkey/options"
            hidden
          >
            ${csrfField(state.csrfToken)}
            <input type="hidden" name="credential" />
            <p class="divider"><span>or</span></p>
            ${ceremonyStatus}
            <button type="submit" class="button button-secondary" data-webauthn-start>Sign in with a passkey</button>
          </form>`
        : ''
    }
    <p class="switch">
      ${
        state.passwordless
          ? html`<a href="/sign-in?with=password">Use my password instead</a>`
          : html`<a href="/forgot-password">Forgot your password?</a>`
      }${state.magicLinks ? html` · <a href="/sign-in/link">Email me a sign-in link</a>` : ''}
    </p>
    <p class="switch">New here? <a href="/sign-up">Create an account</a></p>
  </section>`;
}

const emailField = (state: FormState & { passkeys: boolean }) => html`<label
  >Email
  <input
    type="email"
    name="email"
    autocomplete="${state.passkeys ? 'username webauthn' : 'username'}"
    required
    value="${state.email ?? ''}"
    ${state.email ? '' : html`autofocus`}
  />
</label>`;

const passwordForm = (
  state: FormState & { passkeys: boolean },
) => html`<form method="post" action="/sign-in" class="stack" novalidate>
  ${csrfField(state.csrfToken)} ${emailField(state)}
  <label
    >Password
    <input type="password" name="password" autocomplete="current-password" required ${state.email ? html`autofocus` : ''} />
  </label>
  <button type="submit" class="button">Sign in</button>
</form>`;

const passwordlessForm = (state: FormState & { passkeys: boolean }) => html`<form
  method="post"
  action="/sign-in/passwordless"
  class="stack"
  novalidate
>
  ${csrfField(state.csrfToken)} ${emailField(state)}
  <button type="submit" class="button">Continue</button>
</form>`;

/**
 * The code step of signing in without a password. It reads the same whether or not the address
 * has an account: the code comes from the authenticator app, or the email sent to it if any.
 */
export function passwordlessCodeView(state: FormState & { email: string; digits: number }): SafeHtml {
  return html`<section class="card" aria-labelledby="title">
    <h1 id="title">Enter your code</h1>
    <p class="lead">
      Enter the code from your authenticator app, or the one we emailed to ${state.email} if it belongs to an account.
    </p>
    ${alert('error', state.error)}${alert('success', state.notice)}
    <form method="post" action="/sign-in/passwordless/verify" class="stack" novalidate>
      ${csrfField(state.csrfToken)}
      <input type="hidden" name="email" value="${state.email}" />
      <label>Code ${codeInput(state.digits, true)}</label>
      <button type="submit" class="button">Sign in</button>
    </form>
    <form method="post" action="/sign-in/passwordless/send" class="actions">
      ${csrfField(state.csrfToken)}
      <input type="hidden" name="email" value="${state.email}" />
      <button type="submit" name="channel" value="sms" class="button-link">Text me a code</button>
      <button type="submit" name="channel" value="voice" class="button-link">Call me with a code</button>
      <button type="submit" name="channel" value="email" class="button-link">Email me a new code</button>
    </form>
    <details class="inline-action">
      <summary>Use a recovery code</summary>
      <form method="post" action="/sign-in/passwordless/verify" class="stack">
        ${csrfField(state.csrfToken)}
        <input type="hidden" name="email" value="${state.email}" />
        <label
          >Recovery code
          <input type="text" name="recoveryCode" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="64" required class="code-input"
        /></label>
        <button type="submit" class="button">Sign in</button>
      </form>
    </details>
    <p class="switch"><a href="/sign-in">Start over</a></p>
  </section>`;
}

/** Where an app asked for a phishing-resistant sign-in, which no code gives; the ceremony runs in webauthn.js. */
function keyOnlyForm(state: FormState & { next: string }): SafeHtml {
  return html`<form method="post" action="/account/confirm" class="stack" data-webauthn="authenticate"
    data-options="/api/v1/factors/webauthn/proof-options">
    ${csrfField(state.csrfToken)}
    <input type="hidden" name="next" value="${state.next}" />
    <input type="hidden" name="method" value="key" />
    <input type="hidden" name="webauthn" />
    ${needsJavaScript(html`Turn it on to use your security key or passkey.`)}
    ${unsupportedNotice('This browser cannot use security keys or passkeys. Try another browser or device.')}
    ${ceremonyStatus}
    <button type="submit" class="button" data-webauthn-start hidden>Use your security key or passkey</button>
  </form>`;
}

/**
 * Confirming with a second factor before changing how the person signs in, or before an app's
 * sign-in that asks for more; `keyOnly` when only a security key or passkey will do.
 */
export function confirmView(
  state: FormState & { next: string; keyOnly: boolean; hasKey: boolean; canSendCodes: boolean },
): SafeHtml {
  if (state.keyOnly) {
    return html`<section class="card" aria-labelledby="title">
      <h1 id="title">Confirm it’s you</h1>
      <p class="lead">The app you are signing in to asks for your security key or passkey. Use it to go on.</p>
      ${alert('error', state.error)}
      ${keyOnlyForm(state)}
      <p class="switch"><a href="/account">Cancel</a></p>
    </section>`;
  }
  return html`<section class="card" aria-labelledby="title">
    <h1 id="title">Confirm it’s you</h1>
    <p class="lead">${
      state.next.startsWith('/oidc-interaction/')
        ? 'The app you are signing in to asks for a second step. Confirm with one of your sign-in methods to go on.'
        : 'You are about to change how you sign in. Confirm with one of your sign-in methods first.'
    }</p>
    ${alert('error', state.error)}
    <form method="post" action="/account/confirm" class="stack">
      ${csrfField(state.csrfToken)}
      <input type="hidden" name="next" value="${state.next}" />
      ${proofInput(state.hasKey)}
      <button type="submit" class="button">Confirm</button>
    </form>
    ${
      state.canSendCodes
        ? html`<p class="switch">
          <a href="/step-up?${new URLSearchParams({ action: 'factor.add', return_to: state.next }).toString()}">Get a code by email, text or call instead</a>
        </p>`
        : ''
    }
    <p class="switch"><a href="/account">Cancel</a></p>
  </section>`;
}

/** The sign-out page, which can also forget this browser as a trusted device. */
export function signOutView(state: FormState & { trusted: boolean; endsOnSignOut: boolean }): SafeHtml {
  return html`<section class="card" aria-labelledby="title">
    <h1 id="title">Sign out</h1>
    <p class="lead">${state.trusted && state.endsOnSignOut ? 'Signing out also stops trusting this device.' : 'You can sign back in at any time.'}</p>
    <form method="post" action="/sign-out" class="stack">
      ${csrfField(state.csrfToken)}
      ${
        state.trusted && !state.endsOnSignOut
          ? html`<label class="checkbox"><input type="checkbox" name="forgetDevice" value="on" /> Also forget this device: ask for a second factor here next time</label>`
          : ''
      }
      <button type="submit" class="button">Sign out</button>
    </form>
    <p class="switch"><a href="/account">Stay signed in</a></p>
  </section>`;
}

export function signUpView(state: FormState & { minLength: number }): SafeHtml {
  return html`<section class="card" aria-labelledby="title">
    <h1 id="title">Create your account</h1>
    <p class="lead">It takes a minute. You can add a second factor right after.</p>
    ${alert('error', state.error)}
    <form method="post" action="/sign-up" class="stack" novalidate>
      ${csrfField(state.csrfToken)}
      <label
        >Email
        <input type="email" name="email" autocomplete="email" required value="${state.email ?? ''}" autofocus />
      </label>
      <label
        >Password
        <input
          type="password"
          name="password"
          autocomplete="new-password"
          required
          minlength="${state.minLength}"
          aria-describedby="password-hint"
        />
        <span class="hint" id="password-hint">At least ${state.minLength} characters. A few unrelated words make a strong password that is easy to remember.</span>
      </label>
      <button type="submit" class="button">Create account</button>
    </form>
    <p class="switch">Already have an account? <a href="/sign-in">Sign in</a></p>
  </section>`;
}

export interface AccountState extends FormState {
  user: User;
  session: Session;
  overview: SecurityOverview;
  /** Every open session of the person, this one included. */
  sessions: Session[];
  devices: TrustedDevice[];
  /** The person's recent security events, newest first. */
  activity: SecurityEvent[];
  /** A sign-in method just changed and other sessions are open: offer to end them. */
  offerEndingSessions?: boolean;
  minLength: number;
  digits: number;
  /** Digits of emailed codes. */
  emailDigits: number;
  recoveryCodeCount: number;
  /** Days between asking to delete the account and its deletion; 0 deletes at once. */
  deletionGraceDays: number;
  /** Where a code can be sent for a protected change, masked. */
  codeTargets: CodeTarget[];
  /** A code was just sent for one protected change. */
  actionCode?: ActionCodeSent;
  /** What the instance and the person's organizations require of them. */
  requirement: MfaRequirement;
}

const sendWords: Record<CodeTarget['channel'], (sentTo: string) => string> = {
  email: (sentTo) => `Email me a code at ${sentTo}`,
  sms: (sentTo) => `Text me a code at ${sentTo}`,
  voice: (sentTo) => `Call me with a code at ${sentTo}`,
};

/**
 * The proof a protected change asks for, with "Email me a code" (or text, or call) for people
 * whose second factor is a code Tessera sends; a code sent for this change is then carried with
 * the form, since it answers only this change.
 */
function actionProof(state: AccountState, action: string): SafeHtml {
  const sent = state.actionCode?.action === action ? state.actionCode : undefined;
  return html`${proofInput(state.overview.hasKey)}
    ${
      sent
        ? html`<input type="hidden" name="stepUpId" value="${sent.stepUpId}" />
          <p class="hint" role="status">We sent a code to ${sent.sentTo}.</p>`
        : ''
    }
    ${
      state.codeTargets.length > 0
        ? html`<div class="send-codes">
          ${state.codeTargets.map(
            (target) =>
              html`<button
                type="submit"
                class="button-link"
                formaction="/account/action-code"
                formnovalidate
                name="codeFor"
                value="${action}|${target.factorId}:${target.channel}"
              >
                ${sendWords[target.channel](target.sentTo)}
              </button>`,
          )}
        </div>`
        : ''
    }`;
}

/** Opens the form a code was just sent for. */
const openFor = (state: AccountState, action: string) => (state.actionCode?.action === action ? html`open` : '');

function factorItem(state: AccountState, factor: Factor, isLast: boolean): SafeHtml {
  return html`<li class="factor">
    <div class="factor-main">
      <span class="factor-icon" aria-hidden="true"></span>
      <div>
        <strong>${factor.label}</strong>${factor.primary && state.overview.factors.length > 1 ? html` <span class="badge badge-on">Primary</span>` : ''}${keyFacts(factor)}
        <div class="hint">${factorKinds[factor.kind]} · added ${formatTime(factor.createdAt)}${factor.lastUsedAt ? html` · last used ${formatTime(factor.lastUsedAt)}` : ''}</div>
      </div>
    </div>
    <details class="inline-action">
      <summary>Rename</summary>
      <form method="post" action="/account/factors/${factor.id}/rename" class="stack">
        ${csrfField(state.csrfToken)}
        <label>Name <input type="text" name="label" value="${factor.label}" maxlength="60" required /></label>
        <button type="submit" class="button button-secondary">Save name</button>
      </form>
    </details>
    ${
      factor.primary || state.overview.factors.length === 1
        ? ''
        : html`<details class="inline-action">
            <summary>Make primary</summary>
            <form method="post" action="/account/factors/${factor.id}/primary" class="stack">
              ${csrfField(state.csrfToken)}
              <p class="hint">We will ask for this one first when you sign in.</p>
              ${proofInput(state.overview.hasKey)}
              <button type="submit" class="button button-secondary">Make ${factor.label} primary</button>
            </form>
          </details>`
    }
    <details class="inline-action" ${openFor(state, 'factor.remove')}>
      <summary>Remove</summary>
      <form method="post" action="/account/factors/${factor.id}/remove" class="stack">
        ${csrfField(state.csrfToken)} ${actionProof(state, 'factor.remove')}
        ${isLast ? html`<label class="checkbox"><input type="checkbox" name="confirmTurningOff" value="on" required /> I understand this turns two-step verification off and voids my recovery codes</label>` : ''}
        <button type="submit" class="button button-danger">Remove ${factor.label}</button>
      </form>
    </details>
  </li>`;
}

const setupLinks: [Factor['kind'], string, string][] = [
  ['totp', '/account/authenticator', 'Set up an authenticator app'],
  ['security_key', '/account/security-key', 'Use a security key'],
  ['email', '/account/email-codes', 'Use email codes instead'],
  ['phone', '/account/phone', 'Use text or call codes'],
];

/** The ways to set up a first method, only those the person's requirement counts. */
function setupActions(state: AccountState): SafeHtml {
  const { allowedMethods } = state.requirement;
  const offered = setupLinks.filter(([kind]) => allowedMethods.length === 0 || allowedMethods.includes(kind));
  return html`<div class="actions">
    ${offered.map(([, href, label], index) => html`<a class="button${index === 0 ? '' : ' button-secondary'}" href="${href}">${label}</a>`)}
  </div>`;
}

/** Who requires two-step verification of the person, and until when they may postpone it. */
function requirementNote(state: AccountState): SafeHtml {
  const { requirement, user } = state;
  if (!requirement.required) return html``;
  const grace =
    requirement.graceDays > 0 && user.mfaEnforcedAt !== null
      ? html` Set it up by ${formatTime(user.mfaEnforcedAt + requirement.graceDays * 86_400_000)}.`
      : requirement.graceSignIns > 0
        ? html` You can sign in ${Math.max(0, requirement.graceSignIns - user.enforcedSignIns)} more times without it.`
        : '';
  return html`<p class="hint" data-testid="mfa-requirement">Required by ${requirement.reasons.join(' and ')}.${grace}</p>`;
}

/**
 * The page of an enrollment-only session: a policy requires two-step verification, and the
 * account opens once a method is set up — after the password and a code to the confirmed
 * address, when the person had none.
 */
export function enrollmentView(state: AccountState): SafeHtml {
  return html`<section class="card" aria-labelledby="title">
    <h1 id="title">Set up two-step verification</h1>
    <p class="lead">${state.requirement.reasons.join(' and ')} requires it. Your account opens as soon as a method is set up.</p>
    ${alert('error', state.error)}${alert('success', state.notice)}
    ${state.user.mfaResetAt !== null ? unlockForms(state) : setupActions(state)}
    <form method="post" action="/sign-out" class="switch">
      ${csrfField(state.csrfToken)}
      <button type="submit" class="button-link">Sign out</button>
    </form>
  </section>`;
}

/** After a reset, or when a policy first requires it, setting up needs the password and a code to the confirmed address. */
function unlockForms(state: AccountState): SafeHtml {
  if (state.user.emailVerifiedAt === null) {
    return html`<p>First confirm your email address with the link we sent you: the code that lets you set up goes there.</p>
      <form method="post" action="/account/verify-email" class="actions">
        ${csrfField(state.csrfToken)}
        <button type="submit" class="button button-secondary">Send the link again</button>
      </form>`;
  }
  return html`<p>First confirm it is you: we email a code to ${state.user.email}; enter it with your password.</p>
    <form method="post" action="/account/setup/send-code" class="actions">
      ${csrfField(state.csrfToken)}
      <button type="submit" class="button button-secondary">Email me the code</button>
    </form>
    <form method="post" action="/account/setup/unlock" class="stack">
      ${csrfField(state.csrfToken)}
      <label>Your password <input type="password" name="password" autocomplete="current-password" required /></label>
      <label>Code from the email ${codeInput(state.emailDigits)}</label>
      <button type="submit" class="button">Continue to set up</button>
    </form>`;
}

/**
 * Setup is due: the person asked for two-step verification at this sign-in, or it was reset.
 * After a reset, setting up first needs the password and a code sent to the verified address.
 */
function setupDueSection(state: AccountState): SafeHtml {
  if (state.user.mfaResetAt !== null) {
    return html`<div class="alert alert-error" role="alert">
        Your two-step verification was reset. Set it up again to protect your account.
      </div>
      ${unlockForms(state)}`;
  }
  return html`<div class="alert alert-error" role="alert">Two-step verification is required for your account. Set up a method to finish turning it on.</div>
    ${setupActions(state)}`;
}

/** Two-step verification on the account page: the methods, recovery codes, reset and turning off — locked where required. */
function mfaSection(state: AccountState): SafeHtml {
  const { overview } = state;
  return html`<h2 id="mfa-title">
      Two-step verification
      <span class="badge ${overview.mfaEnabled ? 'badge-on' : 'badge-off'}">${overview.mfaEnabled ? 'On' : 'Off'}</span>
    </h2>
    ${requirementNote(state)}
    ${
      overview.mfaEnabled
        ? html`<p>When you sign in, we ask for one of these after your password.</p>
            <ul class="factors" aria-labelledby="mfa-title">
              ${overview.factors.map((factor) => factorItem(state, factor, overview.factors.length === 1))}
            </ul>
            <div class="actions">
              <a class="button button-secondary" href="/account/authenticator">Add an authenticator app</a>
              <a class="button button-secondary" href="/account/email-codes">${overview.factors.some((factor) => factor.kind === 'email') ? 'Add an email address for codes' : 'Turn on email codes'}</a>
              <a class="button button-secondary" href="/account/phone">Add a phone number</a>
              <a class="button button-secondary" href="/account/security-key">Add a security key</a>
              <a class="button button-secondary" href="/account/biometric" data-webauthn="platform-only">Use your fingerprint or face</a>
            </div>

            <h3 id="recovery-title">Recovery codes</h3>
            <p>
              <strong>${overview.recoveryCodesRemaining}</strong> of ${state.recoveryCodeCount} left. Each works once, if you lose
              your phone.
            </p>
            <details class="inline-action" ${openFor(state, 'recovery_codes.regenerate')}>
              <summary>Get new recovery codes</summary>
              <form method="post" action="/account/recovery-codes" class="stack">
                ${csrfField(state.csrfToken)}
                <p class="hint">Your current codes stop working as soon as the new ones are made.</p>
                ${actionProof(state, 'recovery_codes.regenerate')}
                <button type="submit" class="button">Make new codes</button>
              </form>
            </details>

            <details class="inline-action" ${openFor(state, 'mfa.reset')}>
              <summary>Reset two-step verification</summary>
              <form method="post" action="/account/mfa/reset" class="stack">
                ${csrfField(state.csrfToken)}
                <p class="hint">
                  Every method, recovery code and trusted device is removed and you are signed out everywhere. Next time you sign in
                  you set it up again, after confirming with your password and a code we email you.
                </p>
                ${actionProof(state, 'mfa.reset')}
                <label class="checkbox"><input type="checkbox" name="confirmReset" value="on" required /> Remove all my methods and sign me out</label>
                <button type="submit" class="button button-danger">Reset two-step verification</button>
              </form>
            </details>

            ${
              state.requirement.required
                ? html`<p class="hint">Turning it off is locked: ${state.requirement.reasons.join(' and ')} requires it.</p>`
                : html`<details class="inline-action" ${openFor(state, 'mfa.disable')}>
              <summary>Turn off two-step verification</summary>
              <form method="post" action="/account/mfa/off" class="stack">
                ${csrfField(state.csrfToken)}
                <p class="hint">Every method and recovery code is removed and no device stays trusted. Your password alone will sign you in.</p>
                ${actionProof(state, 'mfa.disable')}
                <label class="checkbox"><input type="checkbox" name="confirmTurningOff" value="on" required /> I understand my account will be protected by my password alone</label>
                <button type="submit" class="button button-danger">Turn off two-step verification</button>
              </form>
            </details>`
            }`
        : state.user.mfaSetupRequired
          ? setupDueSection(state)
          : html`<p>
              Protect your account with a second step: after your password, we ask for a code from an app on your phone. Someone
              who steals your password still cannot get in.
            </p>
            ${setupActions(state)}
            ${
              state.requirement.required
                ? ''
                : html`<details class="inline-action">
              <summary>Not now: turn it on at my next sign-in</summary>
              <form method="post" action="/account/mfa/later" class="stack">
                ${csrfField(state.csrfToken)}
                <label>Your password <input type="password" name="password" autocomplete="current-password" required /></label>
                <label class="checkbox"><input type="checkbox" name="consent" value="on" required /> Require two-step verification for my account</label>
                <button type="submit" class="button button-secondary">Turn it on at my next sign-in</button>
              </form>
            </details>`
            }`
    }`;
}

/** Browsers that skip the second step at sign-in, with revoke and revoke all. */
function devicesSection(state: AccountState): SafeHtml {
  if (state.devices.length === 0) return html``;
  return html`<h3 id="devices-title">Trusted devices</h3>
    <p>These browsers skip the second step when you sign in. Revoke any you no longer use.</p>
    <ul class="factors entries" aria-labelledby="devices-title">
      ${state.devices.map(
        (device) => html`<li class="entry">
          <div class="factor-main">
            <div>
              <strong>${describeBrowser(device.userAgent)}</strong>
              <div class="hint">
                Trusted ${formatTime(device.createdAt)} · last used ${formatTime(device.lastUsedAt)} from ${device.lastIp} · until
                ${formatTime(device.expiresAt)}
              </div>
            </div>
          </div>
          <form method="post" action="/account/devices/${device.id}/revoke">
            ${csrfField(state.csrfToken)}
            <button type="submit" class="button-link">Revoke</button>
          </form>
        </li>`,
      )}
    </ul>
    <form method="post" action="/account/devices/revoke-all" class="actions">
      ${csrfField(state.csrfToken)}
      <button type="submit" class="button button-secondary">Revoke all trusted devices</button>
    </form>`;
}

/** Where the person is signed in, with sign out for any other session or all of them. */
function sessionsSection(state: AccountState): SafeHtml {
  const others = state.sessions.filter((session) => session.id !== state.session.id);
  return html`<h3 id="sessions-title">Where you are signed in</h3>
    <ul class="factors entries" aria-labelledby="sessions-title">
      ${state.sessions.map(
        (session) => html`<li class="entry">
          <div class="factor-main">
            <div>
              <strong>${describeBrowser(session.userAgent)}</strong>${session.id === state.session.id ? html` <span class="badge badge-off">This browser</span>` : ''}
              <div class="hint">
                Signed in ${formatTime(session.authTime)}${session.ip ? ` from ${session.ip}` : ''} · last seen ${formatTime(session.lastSeenAt)}
              </div>
            </div>
          </div>
          ${
            session.id === state.session.id
              ? ''
              : html`<form method="post" action="/account/sessions/${session.id}/end">
                  ${csrfField(state.csrfToken)}
                  <button type="submit" class="button-link">End session</button>
                </form>`
          }
        </li>`,
      )}
    </ul>
    ${
      others.length > 0
        ? html`<form method="post" action="/account/sessions/end-others" class="actions">
            ${csrfField(state.csrfToken)}
            <button type="submit" class="button button-secondary">End all other sessions</button>
          </form>`
        : ''
    }`;
}

export function accountView(state: AccountState): SafeHtml {
  return html`<section class="card card-wide" aria-labelledby="title">
    <h1 id="title">Account security</h1>
    <p class="lead">Manage how you sign in to your account.</p>
    ${alert('error', state.error)}${alert('success', state.notice)}
    ${
      state.offerEndingSessions
        ? html`<form method="post" action="/account/sessions/end-others" class="notice-form">
            ${csrfField(state.csrfToken)}
            <p>You are signed in elsewhere too. Sign those sessions out, so only this browser keeps your new settings in use.</p>
            <button type="submit" class="button button-secondary">End the other sessions</button>
          </form>`
        : ''
    }
    ${
      state.user.emailVerifiedAt === null
        ? html`<form method="post" action="/account/verify-email" class="notice-form">
      ${csrfField(state.csrfToken)}
      <p>Confirm your email address with the link we sent you, so it can receive sign-in codes and security notices.</p>
      <button type="submit" class="button button-secondary">Send the link again</button>
    </form>`
        : ''
    }
    <dl class="facts">
      <dt>Email</dt>
      <dd>${state.user.email} ${state.user.emailVerifiedAt === null ? html`<span class="badge badge-off">Not confirmed</span>` : html`<span class="badge badge-on">Confirmed</span>`}</dd>
      <dt>Signed in</dt>
      <dd>${formatTime(state.session.authTime)}${state.session.aal === 2 ? ' with two-step verification' : ''}</dd>
      <dt>Session ends</dt>
      <dd>${formatTime(state.session.expiresAt)} at the latest</dd>
    </dl>

    ${state.requirement.disabled ? '' : mfaSection(state)}

    ${devicesSection(state)} ${sessionsSection(state)} ${activitySection(state.activity)}


    <h2 id="email-title">Change email</h2>
    <form method="post" action="/account/email" class="stack" aria-labelledby="email-title">
      ${csrfField(state.csrfToken)}
      <label>New email address
        <input type="email" name="newEmail" autocomplete="email" required>
      </label>
      <label>Your password
        <input type="password" name="password" autocomplete="current-password" required>
      </label>
      ${state.overview.mfaEnabled ? actionProof(state, 'email.change') : ''}
      <p class="hint">We will send a link to the new address. Your address changes when you open it, and we tell the old one.</p>
      <button type="submit" class="button">Send the link</button>
    </form>

    <h2 id="password-title">Change password</h2>
    <form method="post" action="/account/password" class="stack" aria-labelledby="password-title">
      ${csrfField(state.csrfToken)}
      <label
        >Current password
        <input type="password" name="currentPassword" autocomplete="current-password" required />
      </label>
      <label
        >New password
        <input type="password" name="newPassword" autocomplete="new-password" required minlength="${state.minLength}" />
        <span class="hint">At least ${state.minLength} characters.</span>
      </label>
      ${state.overview.mfaEnabled ? actionProof(state, 'password.change') : ''}
      <label class="checkbox"><input type="checkbox" name="endOtherSessions" value="on" checked /> Sign out everywhere else</label>
      <button type="submit" class="button">Change password</button>
    </form>

    <h2 id="delete-title">Delete account</h2>
    <details class="inline-action" ${openFor(state, 'account.delete')}>
      <summary>Delete my account</summary>
      <form method="post" action="/account/delete" class="stack" aria-labelledby="delete-title">
        ${csrfField(state.csrfToken)}
        <p class="hint">
          ${
            state.deletionGraceDays === 0
              ? 'Your account, its sign-in methods, recovery codes, devices and activity are deleted at once. This cannot be undone.'
              : `You are signed out everywhere and your account is deleted in ${state.deletionGraceDays} days; signing in before then keeps it.`
          }
        </p>
        <label>Your password <input type="password" name="password" autocomplete="current-password" required /></label>
        ${state.overview.mfaEnabled ? actionProof(state, 'account.delete') : ''}
        <label class="checkbox"><input type="checkbox" name="confirmDeletion" value="on" required /> Delete my account and everything in it</label>
        <button type="submit" class="button button-danger">Delete my account</button>
      </form>
    </details>
  </section>`;
}
