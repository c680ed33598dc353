import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TesseraConfig } from '../config.js';
import type { CoreDeps } from '../core/deps.js';
import { acrOf, amrOf } from '../oidc/assurance.js';
import { interactionPath, oidcMount } from '../oidc/paths.js';

/**
 * The OpenID Connect provider under `/oidc`, and the interaction page that signs the person in
 * with Tessera's own pages and hands the result back. Off without configured clients.
 */
export async function oidcRoutes(app: FastifyInstance, { config, deps }: { config: TesseraConfig; deps: CoreDeps }) {
  if (config.oidc.clients.length === 0) return;
  // oidc-provider and its Koa load only where the provider is used.
  const { createOidcProvider } = await import('../oidc/provider.js');
  const provider = await createOidcProvider(config, deps);
  const callback = provider.callback();

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
    const grant = new provider.Grant({ accountId: user.id, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope ?? 'openid'));
    const result = {
      login: { accountId: user.id, acr: acrOf(session), amr: amrOf(session), ts: Math.floor(session.authTime / 1000) },
      consent: { grantId: await grant.save() },
    };
    return reply.redirect(
      await provider.interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: false }),
      303,
    );
  });
}
