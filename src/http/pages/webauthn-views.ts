import type { WebAuthnKind } from '../../core/flows/enroll-webauthn.js';
import { csrfField, type FormState } from './account-views.js';
import { html, type SafeHtml } from './html.js';
import { alert } from './layout.js';

export interface AddKeyState extends FormState {
  kind: WebAuthnKind;
  label?: string;
  /** Passkey sign-in is on, so a biometric also signs in without a password. */
  passkeys: boolean;
}

/** Shown where JavaScript is off: WebAuthn is a browser API, so these pages need it. */
export const needsJavaScript = (alternative: SafeHtml) =>
  html`<noscript><div class="alert alert-error" role="alert">This needs JavaScript, which is turned off in this browser. ${alternative}</div></noscript>`;

/** Hidden until the script finds the browser cannot do WebAuthn. */
export const unsupportedNotice = (message: string) =>
  html`<div class="alert alert-error" role="alert" data-webauthn-unsupported hidden>${message}</div>`;

/** Where the script announces a cancelled, timed-out or refused ceremony. */
export const ceremonyStatus = html`<p class="webauthn-status" role="alert" data-webauthn-status></p>`;

const copy: Record<WebAuthnKind, { title: string; lead: (passkeys: boolean) => string; steps: string[]; unsupported: string }> = {
  security_key: {
    title: 'Add a security key',
    lead: () =>
      'A security key is a small device you plug in, tap or connect over Bluetooth, such as a YubiKey. You can also use your phone as the key. It cannot be phished: it only answers this site.',
    steps: [
      'Choose what you will use and give it a name, so you can tell your keys apart.',
      'Confirm it is you with your password.',
      'When your browser asks, insert or tap your key and touch it if it has a button, or scan the QR code with your phone.',
    ],
    unsupported: 'This browser cannot use security keys. Try another browser, or add an authenticator app instead.',
  },
  biometric: {
    title: 'Use your fingerprint or face',
    lead: (passkeys) =>
      `Confirm sign-ins with Touch ID, Windows Hello or your phone’s fingerprint or face unlock on this device, instead of typing a code.${passkeys ? ' You will also be able to sign in here with a passkey, without your password.' : ''}`,
    steps: [
      'Give this device a name, such as “Work laptop”.',
      'Confirm it is you with your password.',
      'When your device asks, touch the fingerprint sensor, look at the camera or enter the device PIN.',
    ],
    unsupported:
      'This browser or device has no fingerprint or face unlock that websites can use. You can add a security key or an authenticator app instead.',
  },
};

/** Registering a security key (or a phone as one), or this device's biometric sensor. */
export function addKeyView(state: AddKeyState): SafeHtml {
  const text = copy[state.kind];
  const biometric = state.kind === 'biometric';
  return html`<section class="card" aria-labelledby="title">
    <h1 id="title">${text.title}</h1>
    <p class="lead">${text.lead(state.passkeys)}</p>
    ${alert('error', state.error)}
    ${needsJavaScript(html`<a href="/account/authenticator">Set up an authenticator app</a> instead.`)}
    ${unsupportedNotice(text.unsupported)}
    <ol class="steps-compact">
      ${text.steps.map((step) => html`<li>${step}</li>`)}
    </ol>
    <form
      method="post"
      action="/account/webauthn"
      class="stack"
      data-webauthn="register"
      data-options="/api/v1/factors/webauthn/options"
      ${biometric ? html`data-platform-only` : ''}
    >
      ${csrfField(state.csrfToken)}
      <input type="hidden" name="kind" value="${state.kind}" />
      <input type="hidden" name="credential" />
      ${
        biometric
          ? ''
          : html`<fieldset class="choices">
              <legend>What will you use?</legend>
              <label class="checkbox"><input type="radio" name="device" value="key" checked /> A security key (USB, NFC or Bluetooth)</label>
              <label class="checkbox"><input type="radio" name="device" value="phone" /> A phone or tablet</label>
            </fieldset>`
      }
      <label
        >Name
        <input type="text" name="label" maxlength="60" required value="${state.label ?? (biometric ? 'This device' : 'Security key')}" />
      </label>
      <label
        >Your password
        <input type="password" name="password" autocomplete="current-password" required />
      </label>
      ${ceremonyStatus}
      <button type="submit" class="button" data-webauthn-start hidden>Continue</button>
    </form>
    <p class="switch"><a href="/account">Cancel</a></p>
  </section>`;
}
