import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TesseraConfig } from '../config.js';
import type { CoreDeps } from '../core/deps.js';
import { accountRoutes } from './api/account-routes.js';
import { deviceRoutes } from './api/device-routes.js';
import { factorRoutes } from './api/factor-routes.js';
import { hostRoutes } from './api/host-routes.js';
import { openApiOptions } from './api/openapi-options.js';
import { authentication } from './authentication.js';
import { handleError } from './errors.js';
import { pages } from './pages/plugin.js';
import { errorPage } from './pages/error-page.js';
import { themeCss } from './pages/theme.js';
import { registerBrowserProtections } from './security.js';
import { stepUpRoutes } from './api/step-up-routes.js';
import { passwordlessRoutes } from './api/passwordless-routes.js';
import { operations } from './operations.js';
import { oidcRoutes } from './oidc-routes.js';
import type { ServerMetrics } from '../metrics.js';

export interface AppOptions {
  config: TesseraConfig;
  deps: CoreDeps;
  logger?: FastifyBaseLogger;
  metrics: ServerMetrics;
  /** Whether each service Tessera needs answers, for `/readyz`. */
  readiness: () => Promise<Record<string, boolean>>;
}

/** @simplewebauthn/browser's own minified bundle, served as it ships, so the pages need no build step. */
function readWebAuthnBrowserBundle(): string {
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  return readFileSync(join(dirname(entry), '../dist/bundle/index.umd.min.js'), 'utf8');
}

/** The whole HTTP surface: pages, the JSON API under /api/v1 and its OpenAPI document. */
export async function buildApp({ config, deps, logger, metrics, readiness }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger,
    trustProxy: config.server.trustedProxies.length > 0 ? config.server.trustedProxies : false,
    bodyLimit: 64 * 1024,
    // Each request is logged once, by route pattern, in `operations`: a raw URL can hold a sign-in link's token.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    // What the router refuses before any route (a bad escape in the path, a parameter over its
    // length) is answered like every other error: the API's JSON error, or the error page.
    frameworkErrors: (error, request, reply) => answerError(error, request, reply),
  });
  const answerError = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) =>
    request.url.startsWith('/api/') ? handleError(error, request, reply) : errorPage(config, error, request, reply);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(answerError);
  app.setNotFoundHandler((request, reply) =>
    request.url.startsWith('/api/')
      ? reply.status(404).send({ error: { code: 'ERR_NOT_FOUND', message: `No route ${request.method} ${request.url}` } })
      : errorPage(config, Object.assign(new Error('Page not found'), { statusCode: 404 }), request, reply),
  );

  await app.register(cookie);
  await registerBrowserProtections(app, config);
  await app.register(authentication, { config, deps });
  await app.register(swagger, openApiOptions(config));

  await app.register(fastifyStatic, {
    root: fileURLToPath(new URL('./assets/', import.meta.url)),
    prefix: '/assets/',
    maxAge: '1h',
  });
  const theme = themeCss(config.branding);
  app.get('/assets/theme.css', { schema: { hide: true } }, async (_request, reply) => reply.type('text/css').send(theme));
  const webauthnBrowser = readWebAuthnBrowserBundle();
  app.get('/assets/vendor/simplewebauthn-browser.js', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(webauthnBrowser),
  );
  await app.register(operations, { config, metrics, readiness });
  app.get('/.well-known/jwks.json', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=300').send(await deps.grants.jwks()),
  );

  await app.register(
    async (api) => {
      await api.register(accountRoutes, { config, deps });
      await api.register(factorRoutes, { deps });
      await api.register(deviceRoutes, { deps });
      await api.register(hostRoutes, { config, deps, prefix: '/host' });
      await api.register(stepUpRoutes, { config, deps });
      await api.register(passwordlessRoutes, { config, deps });
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    },
    { prefix: '/api/v1' },
  );
  await app.register(pages, { config, deps });
  await oidcRoutes(app, { config, deps });
  return app;
}
