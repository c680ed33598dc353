import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TesseraConfig } from '../config.js';
import type { CoreDeps } from '../core/deps.js';
import { promptOnlySession } from '../core/flows/prompt.js';
import { resumeSession, signOut } from '../core/flows/session.js';
import { secondFactorsOf } from '../core/flows/step-up.js';
import { usableKeysOf } from '../core/flows/webauthn-assertion.js';
import { acrFor, amrOf, keyWouldMeet, secondFactorMeets } from '../oidc/assurance.js';
import { clearCookie, cookieName } from './cookies.js';
import { originOf } from './sign-in-response.js';
import { errorPageHtml } from './pages/error-page.js';
import { backToAppPage, formPostPage } from './pages/oidc-views.js';
import { reauthentications } from '../oidc/reauthentication.js';
import { interactionPath, oidcMount } from '../oidc/paths.js';

const noSecondFactor =
  'This app needs two-step verification. Set it up on your Account security page, then sign in to the app again.';
const noKey = 'This app needs you to sign in with a security key or passkey. You can add one on your Account security page.';
const noHardwareKey =
  'This app needs a hardware security key; a passkey that syncs between devices does not do. You can add a security key on your Account security page.';

/**
 * The OpenID Connect provider under `/oidc`, and the interaction page that signs the person in
 * with Tessera's own pages and hands the result back. Off unless `oidc.enabled` or clients are configured.
 */
export async function oidcRoutes(app: FastifyInstance, { config, deps }: { config: TesseraConfig; deps: CoreDeps }) {
  if (!config.oidc.enabled && config.oidc.clients.length === 0) return;
  // oidc-provider and its Koa load only where the provider is used.
  const { createOidcProvider } = await import('../oidc/provider.js');
  const sessionCookie = cookieName(config, 'session');
  const provider = await createOidcProvider(
    config,
    deps,
    async (header) => {
      const token = header && app.parseCookie(header)[sessionCookie];
      const signedIn = token ? await resumeSession(deps, token) : undefined;
      // An MFA-only prompt's own session is no sign-in to Tessera, so none to the apps either.
      return signedIn && !promptOnlySession(signedIn.session) ? signedIn : undefined;
    },
    {
      error: (title, message) => errorPageHtml(config, title, message),
      formPost: (action, fields, script) => formPostPage(config, action, fields, script),
    },
  );
  const callback = provider.callback();
  const reauthenticated = reauthentications(deps.store.oidcPayloads, () => deps.clock.now());

  await app.register(async (mounted) => {
    // oidc-provider reads its own request bodies: Fastify leaves them unread here.
    mounted.removeAllContentTypeParsers();
    mounted.addContentTypeParser('*', (_request, _payload, done) => done(null));
    const handOver = async (request: FastifyRequest, reply: FastifyReply) => {
      // The security headers Fastify's hooks set so far are kept on what oidc-provider writes.
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) reply.raw.setHeader(name, value);
      }
      // As when mounted in Express: the provider sees its own path and finds its mount in originalUrl.
      Object.assign(request.raw, { originalUrl: request.raw.url });
      request.raw.url = request.raw.url!.slice(oidcMount.length) || '/';
      reply.hijack();
      await callback(request.raw, reply.raw);
    };
    const methods = ['GET', 'POST', 'OPTIONS', 'DELETE'] as const;
    mounted.route({ method: [...methods], url: oidcMount, schema: { hide: true }, handler: handOver });
    mounted.route({ method: [...methods], url: `${oidcMount}/*`, schema: { hide: true }, handler: handOver });
  });

  app.get(interactionPath(':uid'), { schema: { hide: true } }, async (request, reply) => {
    // A signed-out browser signs in first and is brought back here (see afterSignInPath).
    if (!request.auth) return reply.redirect('/sign-in', 303);
    const { user, session } = request.auth;
    const details = await provider.interactionDetails(request.raw, reply.raw);
    // prompt=login (as oidc-provider also reads max_age=0) or an older sign-in than max_age: signing in again.
    const maxAge = details.prompt.reasons.includes('login_prompt') ? 0 : (details.prompt.details.max_age as number | undefined);
    if (
      maxAge !== undefined &&
      !(await reauthenticated.recentEnough(details.uid, { iat: details.iat, maxAge }, session.authTime))
    ) {
      await reauthenticated.mark(details.uid, (details.exp - details.iat) * 1000);
      await signOut(deps, { ...request.auth, ...originOf(request) });
      clearCookie(config, reply, 'session');
      request.auth = undefined;
      return reply.redirect('/sign-in', 303);
    }
    const requested = details.params.acr_values as string | undefined;
    const acr = acrFor(session, requested);
    if (acr === undefined) {
      // Two factors in this session answer it; a phishing-resistant level needs one of the person's keys.
      const factors = await secondFactorsOf(deps, user);
      if (factors.length === 0) throw Object.assign(new Error(noSecondFactor), { statusCode: 403 });
      if (secondFactorMeets(session, requested)) {
        return reply.redirect(`/account/confirm?next=${encodeURIComponent(request.url)}`, 303);
      }
      const keys = usableKeysOf(factors);
      if (keyWouldMeet(session, requested, keys)) {
        return reply.redirect(`/account/confirm?${new URLSearchParams({ next: request.url, method: 'key' }).toString()}`, 303);
      }
      throw Object.assign(new Error(keys.length === 0 ? noKey : noHardwareKey), { statusCode: 403 });
    }
    const grant = new provider.Grant({ accountId: user.id, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope ?? 'openid'));
    const result = {
      login: { accountId: user.id, acr, amr: amrOf(session), ts: Math.floor(session.authTime / 1000) },
      consent: { grantId: await grant.save() },
    };
    const resume = await provider.interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: false });
    // Browsers hold the redirects after a form submission to its form-action, and the last one goes
    // to the app: this page ends that chain, and the browser goes on by itself (or by the link).
    return reply.header('refresh', `0;url=${resume}`).type('text/html').send(backToAppPage(config, resume));
  });
}
