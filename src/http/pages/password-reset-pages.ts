import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requestPasswordReset, resetPassword } from '../../core/flows/password-reset.js';
import { email, password, emailedLink } from '../api/schemas.js';
import { applyFirstFactorOutcome, clientOf, originOf } from '../sign-in-response.js';
import { csrfField } from './account-views.js';
import { checkEmailView } from './emailed-link-views.js';
import { html, type SafeHtml } from './html.js';
import { alert } from './layout.js';
import { formFailure, type PageScope, typedField } from './page-kit.js';
import { afterSignInPath } from '../authentication.js';

const link = emailedLink;
const resetForm = link.extend({ newPassword: password });

/** "Forgot your password?" and the page the emailed reset link opens. */
export function passwordResetPages(app: FastifyInstance, { config, deps, render }: PageScope) {
  const requestView = (
    csrfToken: string,
    state: { error?: string; email?: string } = {},
  ): SafeHtml => html`<section class="card" aria-labelledby="title">
    <h1 id="title">Reset your password</h1>
    <p class="lead">We email you a link to choose a new password. Your second factor is still asked when you sign in.</p>
    ${alert('error', state.error)}
    <form method="post" action="/forgot-password" class="stack">
      ${csrfField(csrfToken)}
      <label>Email <input type="email" name="email" autocomplete="username" required value="${state.email ?? ''}" autofocus /></label>
      <button type="submit" class="button">Email me a reset link</button>
    </form>
    <p class="switch"><a href="/sign-in">Back to sign in</a></p>
  </section>`;

  const resetView = (
    csrfToken: string,
    linkFields: z.infer<typeof link>,
    error?: string,
  ): SafeHtml => html`<section class="card" aria-labelledby="title">
    <h1 id="title">Choose a new password</h1>
    <p class="lead">Every other session of your account ends, and no device stays trusted.</p>
    ${alert('error', error)}
    <form method="post" action="/reset-password" class="stack">
      ${csrfField(csrfToken)}
      <input type="hidden" name="c" value="${linkFields.c}" />
      <input type="hidden" name="t" value="${linkFields.t}" />
      <label
        >New password
        <input type="password" name="newPassword" autocomplete="new-password" required minlength="${config.passwords.minLength}" autofocus />
        <span class="hint">At least ${config.passwords.minLength} characters.</span>
      </label>
      <button type="submit" class="button">Set the new password</button>
    </form>
  </section>`;

  app.get('/forgot-password', async (request, reply) =>
    render(request, reply, 'Reset your password', (csrfToken) => requestView(csrfToken)),
  );

  app.post('/forgot-password', async (request, reply) => {
    try {
      const input = z.object({ email }).parse(request.body);
      await requestPasswordReset(deps, { email: input.email, ...originOf(request) });
      return render(request, reply, 'Check your email', () =>
        checkEmailView(
          `If an account uses ${input.email}, we sent it a link to choose a new password. It works once, for ${config.magicLinks.lifetimeMinutes} minutes.`,
        ),
      );
    } catch (error) {
      const { status, message } = formFailure(error);
      return render(
        request,
        reply,
        'Reset your password',
        (csrfToken) => requestView(csrfToken, { error: message, email: typedField(request.body, 'email') }),
        status,
      );
    }
  });

  app.get('/reset-password', async (request, reply) => {
    const parsed = link.safeParse(request.query);
    if (!parsed.success)
      return render(
        request,
        reply,
        'Reset your password',
        (csrfToken) => requestView(csrfToken, { error: 'This link is incomplete. Ask for a new one.' }),
        400,
      );
    return render(request, reply, 'Choose a new password', (csrfToken) => resetView(csrfToken, parsed.data));
  });

  app.post('/reset-password', async (request, reply) => {
    const fields = link.safeParse(request.body);
    try {
      const input = resetForm.parse(request.body);
      const outcome = await resetPassword(deps, {
        challengeId: input.c,
        token: input.t,
        newPassword: input.newPassword,
        ...clientOf(config, request),
      });
      applyFirstFactorOutcome(config, reply, outcome);
      return reply.redirect(outcome.kind === 'signed_in' ? afterSignInPath(config, request, reply) : '/sign-in/verify', 303);
    } catch (error) {
      const { status, message } = formFailure(error);
      if (!fields.success)
        return render(request, reply, 'Reset your password', (csrfToken) => requestView(csrfToken, { error: message }), status);
      return render(request, reply, 'Choose a new password', (csrfToken) => resetView(csrfToken, fields.data, message), status);
    }
  });
}
