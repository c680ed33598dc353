import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CoreDeps } from '../../core/deps.js';
import { hostPersonAccount, upsertHostPerson } from '../../core/flows/host-people.js';
import { mintSignInLink } from '../../core/flows/magic-links.js';
import { exchangePromptCode } from '../../core/flows/prompt.js';
import { originOf } from '../sign-in-response.js';
import { requireApiKey } from './api-key-guard.js';
import { apiKeyAuth } from './openapi-options.js';
import { email, errorView } from './schemas.js';

const externalId = z.object({
  externalId: z.string().regex(/^[\w.:@|-]{1,128}$/, 'must be 1-128 letters, digits or . _ : @ | -'),
});
const errors = { 400: errorView, 401: errorView, 403: errorView, 404: errorView, 409: errorView };

const personView = z.object({
  id: z.string().describe('Tessera’s id of the person'),
  externalId: z.string(),
  email: z.string(),
  emailVerified: z.boolean(),
  methods: z
    .array(z.string())
    .describe('The kinds of sign-in method the person has: totp, email, phone, security_key, biometric'),
  recoveryCodes: z
    .array(z.string())
    .nullable()
    .describe('When the verified phone became the first method: show these to the person once'),
});

/**
 * For apps that keep their own login: registering people by the app's own id, minting sign-in
 * links for the app's emails, and exchanging an MFA-only prompt's code for its signed result.
 */
export const hostPeopleRoutes: FastifyPluginAsyncZod<{ deps: CoreDeps }> = async (app, { deps }) => {
  app.put(
    '/people/:externalId',
    {
      schema: {
        summary: 'Create or update a person by the app’s own id',
        description:
          'The account has no usable password: the person reaches Tessera through the app’s prompts and links. `emailVerified` marks the address as confirmed by the app; `verifiedPhone` (E.164) becomes a sign-in method at once. A changed address is taken only with `emailVerified`.',
        tags: ['host'],
        security: apiKeyAuth,
        params: externalId,
        body: z.object({ email, emailVerified: z.boolean().optional(), verifiedPhone: z.string().min(3).max(32).optional() }),
        response: { 200: personView, 201: personView, ...errors },
      },
      onRequest: requireApiKey(deps, 'people'),
    },
    async (request, reply) => {
      const person = await upsertHostPerson(deps, {
        ...request.body,
        externalId: request.params.externalId,
        ...originOf(request),
      });
      return reply.status(person.created ? 201 : 200).send({
        id: person.user.id,
        externalId: request.params.externalId,
        email: person.user.email,
        emailVerified: person.user.emailVerifiedAt !== null,
        methods: person.methods,
        recoveryCodes: person.recoveryCodes,
      });
    },
  );

  app.post(
    '/people/:externalId/sign-in-links',
    {
      schema: {
        summary: 'Mint a single-use sign-in link for the app to email',
        description:
          'The same link as Tessera’s "Email me a sign-in link", for the app to put in its own message: it works once, for `magicLinks.lifetimeMinutes`, and counts as a factor exactly as `magicLinks.countsAsSecondFactor` says. A newer link replaces an older one.',
        tags: ['host'],
        security: apiKeyAuth,
        params: externalId,
        response: { 201: z.object({ url: z.url(), expiresAt: z.number().int() }), ...errors },
      },
      onRequest: requireApiKey(deps, 'sign_in_links'),
    },
    async (request, reply) => {
      const user = await hostPersonAccount(deps, request.params.externalId);
      return reply.status(201).send(await mintSignInLink(deps, user));
    },
  );

  app.post(
    '/prompt/exchange',
    {
      schema: {
        summary: 'Exchange an MFA-only prompt’s code for its signed result',
        description:
          'The browser came back from /prompt with `?code=`. The code works once, within `prompt.codeLifetimeSeconds`. The result is a JWT (EdDSA, `typ` `tessera-prompt-result+jwt`, keys at /.well-known/jwks.json, `aud` the app’s id) naming the person (`sub`, the app’s id of them), the request it answers (`req`), the action (`act`) and the SHA-256 of its details (`dh`), `amr`, `acr` and `auth_time`.',
        tags: ['host'],
        security: apiKeyAuth,
        body: z.object({ code: z.string().min(1).max(128) }),
        response: {
          200: z.object({
            result: z.string(),
            claims: z.object({
              sub: z.string(),
              tsub: z.string(),
              aud: z.string(),
              req: z.string(),
              act: z.string().nullable(),
              dh: z.string().nullable(),
              amr: z.array(z.string()),
              acr: z.string(),
              auth_time: z.number().int(),
              jti: z.string(),
              iat: z.number().int(),
              exp: z.number().int(),
            }),
          }),
          ...errors,
        },
      },
      onRequest: requireApiKey(deps, 'prompt'),
    },
    async (request) => exchangePromptCode(deps, request.body.code),
  );
};
