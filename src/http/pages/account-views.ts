import type { Session, User } from '../../core/ports.js';
import { html, type SafeHtml } from './html.js';
import { alert } from './layout.js';

export interface FormState {
  csrfToken: string;
  error?: string;
  notice?: string;
  email?: string;
}

const csrfField = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;

export function signInView(state: FormState): SafeHtml {
  return html`<section class="card" aria-labelledby="title">
  <h1 id="title">Sign in</h1>
  <p class="lead">Welcome back. Enter your email and password.</p>
  ${alert('error', state.error)}${alert('success', state.notice)}
  <form method="post" action="/sign-in" class="stack" novalidate>
    ${csrfField(state.csrfToken)}
    <label>Email
      <input type="email" name="email" autocomplete="username" required value="${state.email ?? ''}" ${state.error ? html`aria-invalid="true"` : ''} autofocus>
    </label>
    <label>Password
      <input type="password" name="password" autocomplete="current-password" required>
    </label>
    <button type="submit" class="button">Sign in</button>
  </form>
  <p class="switch">New here? <a href="/sign-up">Create an account</a></p>
</section>`;
}

export function signUpView(state: FormState & { minLength: number }): SafeHtml {
  return html`<section class="card" aria-labelledby="title">
  <h1 id="title">Create your account</h1>
  <p class="lead">It takes a minute. You can add a second factor right after.</p>
  ${alert('error', state.error)}
  <form method="post" action="/sign-up" class="stack" novalidate>
    ${csrfField(state.csrfToken)}
    <label>Email
      <input type="email" name="email" autocomplete="email" required value="${state.email ?? ''}" autofocus>
    </label>
    <label>Password
      <input type="password" name="password" autocomplete="new-password" required minlength="${state.minLength}" aria-describedby="password-hint">
      <span class="hint" id="password-hint">At least ${state.minLength} characters. A few unrelated words make a strong password that is easy to remember.</span>
    </label>
    <button type="submit" class="button">Create account</button>
  </form>
  <p class="switch">Already have an account? <a href="/sign-in">Sign in</a></p>
</section>`;
}

const dateTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

export function accountView(state: FormState & { user: User; session: Session; minLength: number }): SafeHtml {
  return html`<section class="card card-wide" aria-labelledby="title">
  <h1 id="title">Account security</h1>
  <p class="lead">Manage how you sign in.</p>
  ${alert('error', state.error)}${alert('success', state.notice)}
  <dl class="facts">
    <dt>Email</dt><dd>${state.user.email}</dd>
    <dt>Signed in</dt><dd>${dateTime(state.session.authTime)}</dd>
    <dt>Session ends</dt><dd>${dateTime(state.session.expiresAt)} at the latest</dd>
  </dl>

  <h2 id="password-title">Change password</h2>
  <form method="post" action="/account/password" class="stack" aria-labelledby="password-title">
    ${csrfField(state.csrfToken)}
    <label>Current password
      <input type="password" name="currentPassword" autocomplete="current-password" required>
    </label>
    <label>New password
      <input type="password" name="newPassword" autocomplete="new-password" required minlength="${state.minLength}">
      <span class="hint">At least ${state.minLength} characters.</span>
    </label>
    <label class="checkbox"><input type="checkbox" name="endOtherSessions" value="on" checked> Sign out everywhere else</label>
    <button type="submit" class="button">Change password</button>
  </form>
</section>`;
}
