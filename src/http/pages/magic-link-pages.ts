import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { AfterFirstFactor } from '../../core/flows/after-first-factor.js';
import { sendMagicLink, signInWithMagicLink } from '../../core/flows/magic-links.js';
import { email, emailedLink } from '../api/schemas.js';
import { clearCookie, readCookie, setCookie } from '../cookies.js';
import { applyFirstFactorOutcome, clientOf, originOf } from '../sign-in-response.js';
import { csrfField } from './account-views.js';
import { checkEmailView, linkButtonForm } from './emailed-link-views.js';
import { html } from './html.js';
import { alert } from './layout.js';
import { formFailure, type PageScope, typedField } from './page-kit.js';
import { afterSignInPath } from '../authentication.js';

const link = emailedLink;
const linkRequest = z.object({ email });

/** "Email me a sign-in link", the page the link opens (a button, so mail scanners do not spend it), and signing in with it. */
export function magicLinkPages(app: FastifyInstance, { config, deps, render }: PageScope) {
  if (!config.magicLinks.enabled) return;
  const title = 'Sign in with an email link';

  const requestView = (
    csrfToken: string,
    state: { error?: string; email?: string } = {},
  ) => html`<section class="card" aria-labelledby="title">
    <h1 id="title">${title}</h1>
    <p class="lead">We email you a link that signs you in. It works once, for ${config.magicLinks.lifetimeMinutes} minutes.</p>
    ${alert('error', state.error)}
    <form method="post" action="/sign-in/link/send" class="stack">
      ${csrfField(csrfToken)}
      <label>Email <input type="email" name="email" autocomplete="username" required value="${state.email ?? ''}" autofocus /></label>
      <button type="submit" class="button">Email me a link</button>
    </form>
    <p class="switch"><a href="/sign-in">Sign in with your password instead</a></p>
  </section>`;

  const afterLink = (request: FastifyRequest, reply: FastifyReply, outcome: AfterFirstFactor) => {
    applyFirstFactorOutcome(config, reply, outcome);
    clearCookie(config, reply, 'link');
    return reply.redirect(outcome.kind === 'signed_in' ? afterSignInPath(config, request, reply) : '/sign-in/verify', 303);
  };

  app.get('/sign-in/link', async (request, reply) => {
    const parsed = link.safeParse(request.query);
    if (!parsed.success) return render(request, reply, title, (csrfToken) => requestView(csrfToken));
    return render(
      request,
      reply,
      title,
      (csrfToken) => html`<section class="card" aria-labelledby="title">
      <h1 id="title">${title}</h1>
      <p class="lead">Press the button to sign in.</p>
      ${linkButtonForm(csrfToken, '/sign-in/link', parsed.data, 'Sign in')}
    </section>`,
    );
  });

  app.post('/sign-in/link/send', async (request, reply) => {
    try {
      const input = linkRequest.parse(request.body);
      const browserNonce = config.magicLinks.bindToBrowser ? randomBytes(24).toString('base64url') : undefined;
      await sendMagicLink(deps, { email: input.email, ...originOf(request), browserNonce });
      if (browserNonce) setCookie(config, reply, 'link', browserNonce, config.magicLinks.lifetimeMinutes * 60);
      return render(request, reply, 'Check your email', () =>
        checkEmailView(
          `If an account uses ${input.email}, we sent it a sign-in link. It works once, for ${config.magicLinks.lifetimeMinutes} minutes${config.magicLinks.bindToBrowser ? ', in this browser' : ''}.`,
        ),
      );
    } catch (error) {
      const { status, message } = formFailure(error);
      return render(
        request,
        reply,
        title,
        (csrfToken) => requestView(csrfToken, { error: message, email: typedField(request.body, 'email') }),
        status,
      );
    }
  });

  app.post('/sign-in/link', async (request, reply) => {
    try {
      const { c, t } = link.parse(request.body);
      const outcome = await signInWithMagicLink(deps, {
        challengeId: c,
        token: t,
        ...clientOf(config, request),
        browserNonce: readCookie(config, request, 'link'),
      });
      return afterLink(request, reply, outcome);
    } catch (error) {
      const { status, message } = formFailure(error);
      return render(request, reply, title, (csrfToken) => requestView(csrfToken, { error: message }), status);
    }
  });
}
