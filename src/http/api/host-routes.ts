import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TesseraConfig } from '../../config.js';
import { constantTimeEqual } from '../../core/constant-time.js';
import type { CoreDeps } from '../../core/deps.js';
import { TesseraError } from '../../core/errors.js';
import { registerVerifiedPhone } from '../../core/flows/phone-codes.js';
import { email, enrolledResponses, errorView } from './schemas.js';
import { toEnrolledView } from './views.js';
import { originOf } from '../sign-in-response.js';

/** The host application's key from `Authorization: Bearer id.secret`, checked in constant time. */
export function requireHostKey(config: TesseraConfig, request: FastifyRequest): void {
  const [scheme, credential = ''] = (request.headers.authorization ?? '').split(' ');
  const separator = credential.indexOf('.');
  const key = config.hostApi.keys.find((candidate) => candidate.id === credential.slice(0, separator));
  if (scheme !== 'Bearer' || separator < 1 || !key || !constantTimeEqual(key.secret, credential.slice(separator + 1))) {
    throw new TesseraError('ERR_UNAUTHENTICATED', 'A valid host API key is required: Authorization: Bearer id.secret.');
  }
}

/** Server-to-server routes for the host application, under /api/v1/host. */
export const hostRoutes: FastifyPluginAsyncZod<{ config: TesseraConfig; deps: CoreDeps }> = async (app, { config, deps }) => {
  app.addHook('onRequest', async (request) => requireHostKey(config, request));

  app.post(
    '/phone-numbers',
    {
      schema: {
        summary: 'Register a phone number the host application has already verified',
        description:
          'The number becomes a sign-in method at once, and the person’s confirmed email is told. When it is their first method, the recovery codes come back here, to be shown to them once.',
        tags: ['host'],
        body: z.object({ email, number: z.string().min(3).max(32) }),
        response: { ...enrolledResponses, 404: errorView },
      },
    },
    async (request, reply) => {
      const added = await registerVerifiedPhone(deps, { ...request.body, ...originOf(request) });
      return reply.status(201).send(toEnrolledView(added));
    },
  );
};
