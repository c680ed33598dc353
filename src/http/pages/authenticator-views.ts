import type { TesseraConfig } from '../../config.js';
import { formatRecoveryCode } from '../../core/factors/recovery-codes.js';
import { groupSetupKey } from '../../core/factors/totp.js';
import { codeInput, csrfField, type FormState } from './account-views.js';
import { html, type SafeHtml } from './html.js';
import { alert } from './layout.js';

/** Step one of adding an app: the password again, and a clear yes. */
export function authenticatorIntroView(state: FormState): SafeHtml {
  return html`<section class="card" aria-labelledby="title">
    <h1 id="title">Set up an authenticator app</h1>
    <p class="lead">After your password, we will ask for a 6-digit code from an app on your phone. Confirm it is you to start.</p>
    ${alert('error', state.error)}
    <form method="post" action="/account/authenticator" class="stack">
      ${csrfField(state.csrfToken)}
      <label
        >Your password
        <input type="password" name="password" autocomplete="current-password" required autofocus />
      </label>
      <label class="checkbox"><input type="checkbox" name="consent" value="on" required /> Ask me for a code from my authenticator app when I sign in</label>
      <button type="submit" class="button">Continue</button>
    </form>
    <p class="switch"><a href="/account">Cancel</a></p>
  </section>`;
}

export interface ScanState extends FormState {
  secret: string;
  qrCode: string;
  enrollmentToken: string;
  accountName: string;
  issuer: string;
  apps: { name: string; url: string; qrCode: string }[];
  totp: TesseraConfig['totp'];
  label?: string;
  /** Where the code is posted, outside the security page (which then offers no Cancel back to it). Default: the security page's. */
  action?: string;
}

/** Step two: scan or type the key, then prove it with the first code. */
export function authenticatorScanView(state: ScanState): SafeHtml {
  return html`<section class="card card-wide" aria-labelledby="title">
    <h1 id="title">Set up an authenticator app</h1>
    ${alert('error', state.error)}
    <ol class="steps">
      <li>
        <h2 class="step-title">Get an authenticator app</h2>
        <p>Any app that supports time-based codes works. If you do not have one yet:</p>
        <ul class="apps">
          ${state.apps.map(
            (app) =>
              html`<li class="app">
                <img src="${app.qrCode}" alt="" width="88" height="88" />
                <a href="${app.url}" rel="noopener noreferrer" target="_blank">${app.name}</a>
              </li>`,
          )}
        </ul>
      </li>
      <li>
        <h2 class="step-title">Scan this QR code with the app</h2>
        <div class="scan">
          <img
            class="qr"
            src="${state.qrCode}"
            alt="QR code for ${state.issuer}: ${state.accountName}"
            width="200"
            height="200"
          />
          <div>
            <p>Can't scan it? Add an account by hand with this setup key:</p>
            <p><code class="setup-key" data-testid="setup-key">${groupSetupKey(state.secret)}</code></p>
            <p class="hint">
              Account: ${state.accountName} · Issuer: ${state.issuer} ·
              Time-based${state.totp.digits !== 6 || state.totp.period !== 30 || state.totp.algorithm !== 'SHA1' ? ` · ${state.totp.algorithm}, ${state.totp.digits} digits, ${state.totp.period} s` : ''}
            </p>
          </div>
        </div>
      </li>
      <li>
        <h2 class="step-title">Enter the code the app shows</h2>
        <form method="post" action="${state.action ?? '/account/authenticator/confirm'}" class="stack">
          ${csrfField(state.csrfToken)}
          <input type="hidden" name="enrollmentToken" value="${state.enrollmentToken}" />
          <label>${state.totp.digits}-digit code ${codeInput(state.totp.digits, true)}</label>
          <label
            >Name this app <span class="hint">(optional, e.g. "Work phone")</span>
            <input type="text" name="label" maxlength="60" value="${state.label ?? ''}" autocomplete="off" />
          </label>
          <button type="submit" class="button">Turn on two-step verification</button>
        </form>
      </li>
    </ol>
    ${state.action ? '' : html`<p class="switch"><a href="/account">Cancel</a></p>`}
  </section>`;
}

/** New recovery codes, shown once, with download and print. */
export function recoveryCodesView(state: {
  codes: string[];
  productName: string;
  accountName: string;
  firstTime: boolean;
  /** Where "I have saved them" goes. Default: the security page. */
  next?: string;
}): SafeHtml {
  const formatted = state.codes.map(formatRecoveryCode);
  const fileName = `${state.productName.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-recovery-codes.txt`;
  const text = `${state.productName} recovery codes for ${state.accountName}\n\nEach code works once.\n\n${formatted.join('\n')}\n`;
  return html`<section class="card card-wide" aria-labelledby="title">
      <h1 id="title">Save your recovery codes</h1>
      ${state.firstTime ? html`<div class="alert alert-success" role="status">Two-step verification is on.</div>` : ''}
      <p class="lead">
        If you lose your phone, a recovery code gets you in. Each works once. Keep them somewhere safe, such as a password
        manager. <strong>You will not see them again.</strong>
      </p>
      <ol class="recovery-codes" data-testid="recovery-codes">
        ${formatted.map((code) => html`<li><code>${code}</code></li>`)}
      </ol>
      <div class="actions">
        <a class="button button-secondary" href="data:text/plain;charset=utf-8,${encodeURIComponent(text)}" download="${fileName}">Download .txt</a>
        <button type="button" class="button button-secondary" data-print hidden>Print</button>
        <a class="button" href="${state.next ?? `/account${state.firstTime ? '?done=mfa-on' : ''}`}">I have saved them</a>
      </div>
    </section>
    <script src="/assets/print.js" defer></script>`;
}
