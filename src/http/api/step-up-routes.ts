import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TesseraConfig } from '../../config.js';
import type { CoreDeps } from '../../core/deps.js';
import {
  approveStepUp,
  consumeGrant,
  requestStepUp,
  sendStepUpCode,
  type StepUpOutcome,
  stepUpKeyOptions,
} from '../../core/flows/step-up.js';
import { requireAuth } from '../authentication.js';
import { originOf } from '../sign-in-response.js';
import { requireApiKey } from './api-key-guard.js';
import { apiKeyAuth } from './openapi-options.js';
import { optionalProof } from './proof.js';
import { codeSentView, errorView, otpCode, password, recoveryCode, webauthnAssertion, webauthnOptionsView } from './schemas.js';

const stepUpId = z.string().min(1).max(64);

const satisfiedView = z.object({
  status: z.literal('satisfied'),
  grant: z.string(),
  expiresAt: z.number().int(),
  detailsHash: z.string().nullable(),
});

const stepUpView = z.union([
  satisfiedView,
  z.object({
    status: z.literal('challenge_required'),
    stepUpId,
    action: z.string(),
    label: z.string(),
    details: z.string().nullable(),
    detailsHash: z.string().nullable(),
    expiresAt: z.number().int(),
    methods: z.array(z.enum(['webauthn', 'totp', 'email', 'phone', 'recovery_code', 'password'])),
    codeTargets: z.array(z.object({ factorId: z.string(), channel: z.enum(['email', 'sms', 'voice']), sentTo: z.string() })),
  }),
]);

const grantClaimsView = z.object({
  sub: z.string(),
  sid: z.string(),
  act: z.string(),
  dh: z.string().nullable(),
  amr: z.array(z.string()),
  su: z.boolean(),
  jti: z.string(),
  iat: z.number().int(),
  exp: z.number().int(),
});

function toStepUpView(outcome: StepUpOutcome) {
  if (outcome.status === 'satisfied') return outcome;
  const { stepUp, label, methods, codeTargets } = outcome;
  return {
    status: outcome.status,
    stepUpId: stepUp.id,
    action: stepUp.action,
    label,
    details: stepUp.details,
    detailsHash: stepUp.detailsHash,
    expiresAt: stepUp.expiresAt,
    methods,
    codeTargets,
  };
}

/** Step-up for protected actions, and the grants that say yes. */
export const stepUpRoutes: FastifyPluginAsyncZod<{ config: TesseraConfig; deps: CoreDeps }> = async (app, { deps }) => {
  app.post(
    '/step-up',
    {
      schema: {
        summary: 'Ask whether the signed-in person may do a protected action now',
        description:
          'Answers `satisfied` with a grant (a JWT signed with EdDSA, keys at /.well-known/jwks.json) when an approval still covers the action, or `challenge_required` with a step-up to approve through /step-up/send-code, /step-up/webauthn-options and /step-up/verify. `details` ("Withdraw £250.00 to account ••••1234") are shown to the person and named in the messages; the grant carries their SHA-256 as `dh`.',
        tags: ['step-up'],
        body: z.object({
          action: z.string().min(1).max(100),
          details: z.string().trim().min(1).max(200).optional(),
        }),
        response: { 200: stepUpView, 400: errorView, 401: errorView, 403: errorView },
      },
    },
    async (request) => toStepUpView(await requestStepUp(deps, { ...requireAuth(request), ...request.body })),
  );

  app.post(
    '/step-up/send-code',
    {
      schema: {
        summary: 'Send a code that approves one step-up, naming what it approves',
        tags: ['step-up'],
        body: z.object({
          stepUpId,
          factorId: z.string().min(1).max(64).optional(),
          channel: z.enum(['email', 'sms', 'voice']).optional(),
        }),
        response: { 200: codeSentView, 400: errorView, 401: errorView, 404: errorView, 429: errorView, 503: errorView },
      },
    },
    async (request) => sendStepUpCode(deps, { ...requireAuth(request), ...request.body, ...originOf(request) }),
  );

  app.post(
    '/step-up/webauthn-options',
    {
      schema: {
        summary: 'Options for approving one step-up with a security key or biometric',
        tags: ['step-up'],
        body: z.object({ stepUpId }),
        response: { 200: webauthnOptionsView, 400: errorView, 401: errorView, 404: errorView },
      },
    },
    async (request) => ({ ...(await stepUpKeyOptions(deps, { ...requireAuth(request), ...request.body })) }),
  );

  app.post(
    '/step-up/verify',
    {
      schema: {
        summary:
          'Approve a step-up with a code, a recovery code, a key’s answer, or the password for people without a second factor',
        tags: ['step-up'],
        body: z
          .object({
            stepUpId,
            code: otpCode.optional(),
            recoveryCode: recoveryCode.optional(),
            webauthn: webauthnAssertion.optional(),
            password: password.optional(),
          })
          .refine(
            (body) =>
              [body.code, body.recoveryCode, body.webauthn, body.password].filter((given) => given !== undefined).length === 1,
            'give one of code, recoveryCode, webauthn or password',
          ),
        response: { 200: satisfiedView, 400: errorView, 401: errorView, 403: errorView, 423: errorView },
      },
    },
    async (request) => {
      const { stepUpId: id, password: given, webauthn } = request.body;
      const proof = webauthn ? { webauthn } : optionalProof(request.body);
      return approveStepUp(deps, { ...requireAuth(request), stepUpId: id, proof, password: given, ...originOf(request) });
    },
  );

  app.post(
    '/grants/consume',
    {
      schema: {
        summary: 'Check a grant server to server and spend it if it is single use',
        description:
          'Needs `Authorization: Bearer id.secret`: an API key with the `grants` scope. A single-use grant succeeds once, also under parallel calls and across instances; compare `dh` with the SHA-256 of the details you are about to act on.',
        tags: ['step-up'],
        security: apiKeyAuth,
        body: z.object({ grant: z.string().min(1).max(4096) }),
        response: { 200: grantClaimsView, 400: errorView, 401: errorView, 403: errorView, 409: errorView },
      },
      onRequest: requireApiKey(deps, 'grants'),
    },
    async (request) => consumeGrant(deps, request.body.grant),
  );
};
