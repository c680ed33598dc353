import { acrValues, type Identity, type PromptResult } from '@tessera/sdk';
import { type Account, pounds } from './accounts.js';
import { type Html, html } from './html.js';

const methodWords: Record<string, string> = {
  pwd: 'password',
  otp: 'authenticator app',
  sms: 'text message code',
  tel: 'phone call code',
  hwk: 'security key',
  swk: 'passkey',
  email: 'email code',
  recovery_code: 'recovery code',
  magic_link: 'sign-in link',
  sso: 'single sign-on',
  operator_code: 'support code',
  host: 'Kestrel password',
  trusted_device: 'trusted device',
};

const levelWords: Record<string, string> = {
  [acrValues.singleFactor]: 'one factor',
  [acrValues.multiFactor]: 'two factors',
  [acrValues.phishingResistant]: 'phishing-resistant (passkey)',
  [acrValues.phishingResistantHardware]: 'phishing-resistant (security key)',
};

const when = (date: Date) => date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC';

/** Every page: the brand bar, navigation for a signed-in person, a notice, the content. */
export function layout(page: { title: string; identity?: Identity; notice?: string; body: Html }): string {
  const nav = page.identity
    ? html`<nav aria-label="Main">
        <a href="/dashboard">Overview</a><a href="/team">Team</a><a href="/api-keys">API keys</a
        ><a href="/withdraw">Withdraw</a><a href="/advisor">Advisor desk</a>
        <form method="post" action="/sign-out"><button class="link" type="submit">Sign out</button></form>
      </nav>`
    : '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${page.title} · Kestrel</title>
        <link rel="stylesheet" href="/kestrel.css" />
      </head>
      <body>
        <header class="bar">
          <a class="brand" href="/"><span aria-hidden="true">◆</span> Kestrel</a>
          ${nav}
        </header>
        <main>
          ${page.notice ? html`<p class="notice" role="status">${page.notice}</p>` : ''}
          <h1>${page.title}</h1>
          ${page.body}
        </main>
        <footer>Kestrel is a demo of Tessera. Sign-in and approvals come from Tessera through @tessera/sdk.</footer>
      </body>
    </html>`.value;
}

export const homeView = () => html`
  <p class="lead">Coaching for your money, and the accounts to act on it.</p>
  <p>Sign in with your Tessera account. Adding team members, invalidating API keys and withdrawing funds each ask you to confirm it’s you.</p>
  <p><a class="button" href="/sign-in">Sign in</a></p>
  <p>Or <a href="/classic">sign in with a Kestrel password</a>, with Tessera’s MFA-only prompt as the second step.</p>
`;

/** How the person signed in, in words. */
export const signInWords = (identity: Pick<Identity, 'amr' | 'acr' | 'authTime'> & { email?: string; sub: string }) =>
  html`<dl class="facts">
    <dt>Signed in as</dt>
    <dd>${identity.email ?? identity.sub}</dd>
    <dt>With</dt>
    <dd>${identity.amr
      .filter((method) => method !== 'mfa')
      .map((method) => methodWords[method] ?? method)
      .join(' + ')}</dd>
    <dt>Level</dt>
    <dd>${levelWords[identity.acr] ?? identity.acr} <code>${identity.acr}</code></dd>
    <dt>At</dt>
    <dd>${when(new Date(identity.authTime * 1000))}</dd>
  </dl>`;

export const dashboardView = (identity: Identity, account: Account) => html`
  <section class="card">
    <h2>Your sign-in</h2>
    ${signInWords(identity)}
  </section>
  <section class="card">
    <h2>Balance</h2>
    <p class="amount">${pounds(account.balancePence)}</p>
    <p><a href="/withdraw">Withdraw funds</a></p>
  </section>
`;

export const teamView = (account: Account, error?: string) => html`
  <p>Your coaches and assistants. Changes ask you to confirm it’s you; for five minutes after that, further changes don’t.</p>
  <ul class="rows">
    ${account.team.map(
      (member) => html`<li>
        <span>${member.name} <small>${member.email}</small></span>
        <form method="post" action="/team/${member.id}/remove">
          <button class="secondary" type="submit">Remove</button>
        </form>
      </li>`,
    )}
  </ul>
  <form method="post" action="/team" class="card">
    <h2>Add a team member</h2>
    ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
    <label for="name">Name</label>
    <input id="name" name="name" required maxlength="80" autocomplete="off" />
    <label for="email">Email</label>
    <input id="email" name="email" type="email" required maxlength="120" autocomplete="off" />
    <button type="submit">Add member</button>
  </form>
`;

export const apiKeysView = (account: Account, created?: { name: string; secret: string }) => html`
  <p>Keys for your scripts to read your portfolio. Invalidating a key asks you to confirm it’s you.</p>
  ${
    created
      ? html`<div class="card secret" role="status">
        <h2>Your new key “${created.name}”</h2>
        <p>Copy it now: it will not be shown again.</p>
        <code class="copy">${created.secret}</code>
      </div>`
      : ''
  }
  <ul class="rows">
    ${account.apiKeys.map(
      (key) => html`<li>
        <span>${key.name} <small><code>${key.prefix}…</code> created ${when(key.createdAt)}</small></span>
        ${
          key.invalidatedAt
            ? html`<span class="muted">Invalidated ${when(key.invalidatedAt)}</span>`
            : html`<form method="post" action="/api-keys/${key.id}/invalidate">
              <button class="secondary" type="submit">Invalidate</button>
            </form>`
        }
      </li>`,
    )}
  </ul>
  <form method="post" action="/api-keys" class="card">
    <h2>Create a key</h2>
    <label for="key-name">Name</label>
    <input id="key-name" name="name" required maxlength="60" autocomplete="off" placeholder="Portfolio export" />
    <button type="submit">Create key</button>
  </form>
`;

export const withdrawView = (account: Account, error?: string) => html`
  <section class="card">
    <p>Available: <strong>${pounds(account.balancePence)}</strong></p>
    <form method="post" action="/withdraw">
      ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      <label for="amount">Amount (£)</label>
      <input id="amount" name="amount" inputmode="decimal" required pattern="[0-9]+([.][0-9]{1,2})?" />
      <p class="hint">To your bank account ${account.bankAccount}. You confirm this exact amount and account with Tessera.</p>
      <button type="submit">Withdraw</button>
    </form>
  </section>
  <h2>Withdrawals</h2>
  ${
    account.withdrawals.length === 0
      ? html`<p class="muted">None yet.</p>`
      : html`<ul class="rows">
        ${account.withdrawals.map(
          (withdrawal) =>
            html`<li><span>${pounds(withdrawal.pence)} to ${withdrawal.toAccount}</span><small>${when(withdrawal.at)}</small></li>`,
        )}
      </ul>`
  }
`;

export const advisorView = (identity: Identity) => html`
  <p>The advisor desk shows every client’s portfolio, so it needs a phishing-resistant sign-in: a passkey or a security key.</p>
  <section class="card">${signInWords(identity)}</section>
`;

export const problemView = (message: string, next?: { href: string; label: string }) => html`
  <p class="error" role="alert">${message}</p>
  ${next ? html`<p><a class="button" href="${next.href}">${next.label}</a></p>` : ''}
`;

/** The own-login page: Kestrel's password forms, or — signed in — how, and a withdrawal through the prompt. */
export const classicView = (signedIn: { email: string; result: PromptResult } | undefined, error?: string) =>
  signedIn
    ? html`<section class="card">
          <h2>Your sign-in</h2>
          ${signInWords({ ...signedIn.result, email: signedIn.email, authTime: signedIn.result.auth_time })}
        </section>
        <form method="post" action="/classic/withdraw" class="card">
          <h2>Withdraw with the prompt</h2>
          ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
          <label for="classic-amount">Amount (£)</label>
          <input id="classic-amount" name="amount" inputmode="decimal" required pattern="[0-9]+([.][0-9]{1,2})?" />
          <button type="submit">Withdraw</button>
        </form>
        <form method="post" action="/classic/sign-out"><button class="secondary" type="submit">Sign out</button></form>`
    : html`<p>
          Kestrel’s own login, as an app that has one already: your Kestrel password, then Tessera’s MFA-only prompt for the
          second step.
        </p>
        ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
        <form method="post" action="/classic/sign-in" class="card">
          <h2>Sign in</h2>
          <label for="sign-in-email">Email</label>
          <input id="sign-in-email" name="email" type="email" required autocomplete="username" />
          <label for="sign-in-password">Password</label>
          <input id="sign-in-password" name="password" type="password" required autocomplete="current-password" />
          <button type="submit">Sign in</button>
        </form>
        <form method="post" action="/classic/sign-up" class="card">
          <h2>Create a Kestrel login</h2>
          <label for="sign-up-email">Email</label>
          <input id="sign-up-email" name="email" type="email" required autocomplete="username" />
          <label for="sign-up-password">Password (10 characters or more)</label>
          <input id="sign-up-password" name="password" type="password" required minlength="10" autocomplete="new-password" />
          <button type="submit">Create login</button>
        </form>`;
