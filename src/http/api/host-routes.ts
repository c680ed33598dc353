import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TesseraConfig } from '../../config.js';
import type { CoreDeps } from '../../core/deps.js';
import { registerVerifiedPhone } from '../../core/flows/phone-codes.js';
import { isGuardedByApiKey, requireApiKey } from './api-key-guard.js';
import { hostPeopleRoutes } from './host-people-routes.js';
import { apiKeyAuth } from './openapi-options.js';
import { email, enrolledResponses, errorView } from './schemas.js';
import { toEnrolledView } from './views.js';
import { originOf } from '../sign-in-response.js';

/**
 * Server-to-server routes for the host application, under /api/v1/host. Each names the scope
 * an API key needs with `requireApiKey`; a route without it would be open to anyone, so it
 * fails at start.
 */
export const hostRoutes: FastifyPluginAsyncZod<{ config: TesseraConfig; deps: CoreDeps }> = async (app, { deps }) => {
  app.addHook('onRoute', (route) => {
    if (!isGuardedByApiKey(route)) throw new TypeError(`${String(route.method)} ${route.url} needs requireApiKey(deps, scope)`);
  });

  app.post(
    '/phone-numbers',
    {
      schema: {
        summary: 'Register a phone number the host application has already verified',
        description:
          'The number becomes a sign-in method at once, and the person’s confirmed email is told. When it is their first method, the recovery codes come back here, to be shown to them once.',
        tags: ['host'],
        security: apiKeyAuth,
        body: z.object({ email, number: z.string().min(3).max(32) }),
        response: { ...enrolledResponses, 403: errorView, 404: errorView },
      },
      onRequest: requireApiKey(deps, 'phone_numbers'),
    },
    async (request, reply) => {
      const added = await registerVerifiedPhone(deps, { ...request.body, ...originOf(request) });
      return reply.status(201).send(toEnrolledView(added));
    },
  );

  await app.register(hostPeopleRoutes, { deps });
};
