import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TesseraError } from '../../core/errors.js';
import { signInWithProvider } from '../../core/flows/sso-sign-in.js';
import { createOidcClients, type SsoAttempt } from '../../sso/oidc-client.js';
import { clearCookie, readCookie, setCookie } from '../cookies.js';
import { applyFirstFactorOutcome, clientOf } from '../sign-in-response.js';
import { signInView } from './account-views.js';
import { formFailure, type PageScope } from './page-kit.js';
import { afterSignInPath } from '../authentication.js';

const attemptContext = 'sso-attempt';

/**
 * Sign-in through an upstream OpenID Connect provider: the browser leaves with a state, a nonce
 * and a PKCE challenge whose secrets stay in a sealed cookie, and comes back with a code that is
 * redeemed server to server; the provider's ID token says who the person is.
 */
export function ssoPages(app: FastifyInstance, { config, deps, render }: PageScope) {
  const clients = createOidcClients(config);
  const providerOf = (request: FastifyRequest) => {
    const { id } = request.params as { id: string };
    const provider = config.sso.providers.find((candidate) => candidate.id === id);
    if (!provider) throw new TesseraError('ERR_NOT_FOUND', 'There is no such way to sign in.');
    return provider;
  };
  const signInAgain = (request: FastifyRequest, reply: FastifyReply, failure: { status: number; message: string }) =>
    render(
      request,
      reply,
      'Sign in',
      (csrfToken) =>
        signInView({
          csrfToken,
          passkeys: config.webauthn.passkeys,
          magicLinks: config.magicLinks.enabled,
          providers: config.sso.providers,
          error: failure.message,
        }),
      failure.status,
    );

  app.get('/sign-in/sso/:id', async (request, reply) => {
    try {
      const { url, attempt } = await clients.start(providerOf(request));
      setCookie(config, reply, 'sso', deps.secretBox.seal(JSON.stringify(attempt), attemptContext), 600);
      return await reply.redirect(url.href, 303);
    } catch (error) {
      return signInAgain(request, reply, formFailure(error));
    }
  });

  app.get('/sign-in/sso/:id/callback', async (request, reply) => {
    try {
      const provider = providerOf(request);
      const sealed = readCookie(config, request, 'sso');
      const opened = sealed && deps.secretBox.open(sealed, attemptContext);
      const attempt = opened ? (JSON.parse(opened) as SsoAttempt) : undefined;
      clearCookie(config, reply, 'sso');
      if (!attempt || attempt.provider !== provider.id) {
        throw new TesseraError('ERR_SSO_FAILED', 'This sign-in was not started in this browser, or took too long. Start again.');
      }
      const callbackUrl = new URL(request.url, config.server.publicUrl);
      const claims = await clients.finish(provider, callbackUrl, attempt);
      const outcome = await signInWithProvider(deps, { provider, claims, ...clientOf(config, request) });
      applyFirstFactorOutcome(config, reply, outcome);
      return await reply.redirect(
        outcome.kind === 'signed_in' ? afterSignInPath(config, request, reply) : '/sign-in/verify',
        303,
      );
    } catch (error) {
      return signInAgain(request, reply, formFailure(error));
    }
  });
}
