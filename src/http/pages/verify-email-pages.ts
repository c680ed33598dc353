import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CoreDeps } from '../../core/deps.js';
import { startEmailChange } from '../../core/flows/change-email.js';
import { sendVerificationEmail, verifyEmail } from '../../core/flows/verify-email.js';
import { email, password, emailedLink } from '../api/schemas.js';
import { requireSignedInPage } from '../authentication.js';
import type { AccountRenderer } from './account-pages.js';
import { html } from './html.js';
import { alert } from './layout.js';
import { linkButtonForm } from './emailed-link-views.js';
import { formFailure, type Render } from './page-kit.js';
import { actionProofFromForm, proofFields } from './proof-field.js';
import { originOf } from '../sign-in-response.js';

const link = emailedLink;
const emailChange = z.object({ newEmail: email, password, ...proofFields });

/**
 * The link from the verification email. Opening it shows a button; only pressing it confirms,
 * so mail scanners that fetch every link do not spend it.
 */
export function verifyEmailPages(
  app: FastifyInstance,
  { deps, render, renderAccountError }: { deps: CoreDeps; render: Render; renderAccountError: AccountRenderer },
) {
  const title = 'Confirm your email';

  app.get('/verify-email', async (request, reply) => {
    const parsed = link.safeParse(request.query);
    return render(
      request,
      reply,
      title,
      (csrfToken) => html`<section class="card" aria-labelledby="title">
  <h1 id="title">${title}</h1>
  ${
    parsed.success
      ? html`<p class="lead">Press the button to confirm this address for your account.</p>
          ${linkButtonForm(csrfToken, '/verify-email', parsed.data, 'Confirm my email')}`
      : alert('error', 'This link is incomplete. Open it again from the email, or ask for a new one.')
  }
</section>`,
      parsed.success ? 200 : 400,
    );
  });

  app.post('/verify-email', async (request, reply) => {
    try {
      const { c, t } = link.parse(request.body);
      await verifyEmail(deps, { challengeId: c, token: t, ...originOf(request) });
      return render(
        request,
        reply,
        title,
        () => html`<section class="card" aria-labelledby="title">
  <h1 id="title">Email confirmed</h1>
  <p class="lead">Thank you. Your address is confirmed; it can now receive sign-in codes and security notices.</p>
  <a class="button" href="/account">Go to your account</a>
</section>`,
      );
    } catch (error) {
      const { status, message } = formFailure(error);
      return render(
        request,
        reply,
        title,
        () => html`<section class="card" aria-labelledby="title">
  <h1 id="title">${title}</h1>
  ${alert('error', message)}
  <a class="button" href="/account">Go to your account</a>
</section>`,
        status,
      );
    }
  });

  app.post('/account/email', { preHandler: requireSignedInPage }, async (request, reply) => {
    try {
      const input = emailChange.parse(request.body);
      await startEmailChange(deps, {
        ...request.auth!,
        newEmail: input.newEmail,
        password: input.password,
        ...actionProofFromForm(input),
        ...originOf(request),
      });
      return reply.redirect('/account?done=email-change-sent', 303);
    } catch (error) {
      return renderAccountError(request, reply, formFailure(error));
    }
  });

  app.post('/account/verify-email', { preHandler: requireSignedInPage }, async (request, reply) => {
    try {
      await sendVerificationEmail(deps, request.auth!.user, request.ip);
      return reply.redirect('/account?done=verification-sent', 303);
    } catch (error) {
      return renderAccountError(request, reply, formFailure(error));
    }
  });
}
