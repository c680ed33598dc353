import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CoreDeps } from '../../core/deps.js';
import { confirmEmailFactor, startEmailFactor } from '../../core/flows/email-codes.js';
import { confirmTotpEnrollment, startTotpEnrollment } from '../../core/flows/enroll-totp.js';
import { confirmPhoneFactor, startPhoneFactor } from '../../core/flows/phone-codes.js';
import { confirmWebAuthnEnrollment, startWebAuthnEnrollment } from '../../core/flows/enroll-webauthn.js';
import { requireMfaAtNextSignIn, resetMfa, sendSetupUnlockCode, unlockSetup } from '../../core/flows/mfa-setup.js';
import {
  regenerateRecoveryCodes,
  removeFactor,
  renameFactor,
  securityOverview,
  setPrimaryFactor,
  turnOffMfa,
} from '../../core/flows/manage-factors.js';
import { secondFactorKeyOptions } from '../../core/flows/webauthn-assertion.js';
import { requireAuth } from '../authentication.js';
import { optionalProof, toProof } from './proof.js';
import {
  codeSentView,
  email,
  enrolledResponses,
  epochMs,
  errorView,
  factorView,
  otpCode,
  password,
  recoveryCode,
  protectedActionProof,
  secondFactorProof,
  sendAfterProofResponses,
  webauthnOptionsView,
  webauthnRegistration,
} from './schemas.js';
import { toEnrolledView, toFactorView } from './views.js';
import { originOf } from '../sign-in-response.js';

const overviewView = z.object({
  mfaEnabled: z.boolean(),
  factors: z.array(factorView),
  recoveryCodesRemaining: z.number().int(),
});

/** JSON routes for a person's own second factors and recovery codes. */
export const factorRoutes: FastifyPluginAsyncZod<{ deps: CoreDeps }> = async (app, { deps }) => {
  app.get(
    '/factors',
    {
      schema: {
        summary: 'Second factors and recovery codes left',
        description:
          'What the security page lists: whether two-step verification is on, each method, and how many recovery codes remain.',
        tags: ['factors'],
        response: { 200: overviewView, 401: errorView },
      },
    },
    async (request) => {
      const overview = await securityOverview(deps, requireAuth(request).user);
      return { ...overview, factors: overview.factors.map(toFactorView) };
    },
  );

  app.post(
    '/factors/totp',
    {
      schema: {
        summary: 'Start adding an authenticator app',
        description:
          'Needs the password again. Nothing is stored until /factors/totp/confirm gets a right code. Once two-step verification is on, adding a method needs a second factor from the `factor.add` window (/session/confirm), else 403 ERR_FRESH_FACTOR_REQUIRED.',
        tags: ['factors'],
        body: z.object({ password }),
        response: {
          200: z.object({ secret: z.string(), otpauthUri: z.string(), enrollmentToken: z.string(), expiresAt: epochMs }),
          400: errorView,
          401: errorView,
          403: errorView,
          429: errorView,
        },
      },
    },
    async (request) => {
      const { user, session } = requireAuth(request);
      return startTotpEnrollment(deps, { user, session, password: request.body.password, ...originOf(request) });
    },
  );

  app.post(
    '/factors/totp/confirm',
    {
      schema: {
        summary: 'Finish adding an authenticator app with a code from it',
        description: 'The first factor comes with recovery codes, returned only here.',
        tags: ['factors'],
        body: z.object({ enrollmentToken: z.string().min(1).max(2048), code: otpCode, label: z.string().max(60).optional() }),
        response: enrolledResponses,
      },
    },
    async (request, reply) => {
      const { user, session } = requireAuth(request);
      const added = await confirmTotpEnrollment(deps, { user, session, ...request.body, ...originOf(request) });
      return reply.status(201).send(toEnrolledView(added));
    },
  );

  app.post(
    '/factors/email',
    {
      schema: {
        summary: 'Start turning on email codes for an address',
        description:
          'Needs the password again. Without `address`, the account address (once confirmed); with one, another address. Sends a code to it, to be given to /factors/email/confirm. Once two-step verification is on, adding a method needs a second factor from the `factor.add` window (/session/confirm), else 403 ERR_FRESH_FACTOR_REQUIRED.',
        tags: ['factors'],
        body: z.object({ password, address: email.optional() }),
        response: {
          200: codeSentView,
          400: errorView,
          401: errorView,
          403: errorView,
          409: errorView,
          429: errorView,
          503: errorView,
        },
      },
    },
    async (request) => startEmailFactor(deps, { ...requireAuth(request), ...request.body, ...originOf(request) }),
  );

  app.post(
    '/factors/email/confirm',
    {
      schema: {
        summary: 'Finish turning on email codes with the code that was sent',
        description: 'The first factor comes with recovery codes, returned only here.',
        tags: ['factors'],
        body: z.object({ code: otpCode }),
        response: enrolledResponses,
      },
    },
    async (request, reply) => {
      const { user } = requireAuth(request);
      const added = await confirmEmailFactor(deps, {
        user,
        code: request.body.code,
        ...originOf(request),
      });
      return reply.status(201).send(toEnrolledView(added));
    },
  );

  app.post(
    '/factors/phone',
    {
      schema: {
        summary: 'Start adding a phone number for texted or called codes',
        description:
          'Binding a new authenticator: with two-step verification on, needs a current `code` or `recoveryCode`; otherwise the `password`. Sends a code to the number by `channel`, to be given to /factors/phone/confirm.',
        tags: ['factors'],
        body: z.object({
          number: z.string().min(3).max(32),
          channel: z.enum(['sms', 'voice']).default('sms'),
          password: password.optional(),
          code: otpCode.optional(),
          recoveryCode: recoveryCode.optional(),
        }),
        response: sendAfterProofResponses,
      },
    },
    async (request) => {
      const { number, channel, password: given } = request.body;
      const proof = optionalProof(request.body);
      return startPhoneFactor(deps, {
        user: requireAuth(request).user,
        number,
        channel,
        password: given,
        proof,
        ...originOf(request),
      });
    },
  );

  app.post(
    '/factors/phone/confirm',
    {
      schema: {
        summary: 'Finish adding a phone number with the code that was sent to it',
        description: 'The first factor comes with recovery codes, returned only here.',
        tags: ['factors'],
        body: z.object({ code: otpCode }),
        response: enrolledResponses,
      },
    },
    async (request, reply) => {
      const added = await confirmPhoneFactor(deps, {
        user: requireAuth(request).user,
        code: request.body.code,
        ...originOf(request),
      });
      return reply.status(201).send(toEnrolledView(added));
    },
  );

  app.post(
    '/factors/webauthn/options',
    {
      schema: {
        summary: 'Start registering a security key or this device’s fingerprint or face',
        description:
          'Needs the password again. `kind` is `security_key` (with `device`: a `key`, or a `phone` reached over the hybrid transport) or `biometric` (needs another method first). Returns the options for @simplewebauthn/browser’s `startRegistration`; its answer goes to /factors/webauthn within five minutes. Once two-step verification is on, adding a method needs a second factor from the `factor.add` window (/session/confirm), else 403 ERR_FRESH_FACTOR_REQUIRED.',
        tags: ['factors'],
        body: z.object({
          kind: z.enum(['security_key', 'biometric']),
          device: z.enum(['key', 'phone']).default('key'),
          password,
        }),
        response: { 200: webauthnOptionsView, 400: errorView, 401: errorView, 403: errorView, 409: errorView, 429: errorView },
      },
    },
    async (request) => ({
      ...(await startWebAuthnEnrollment(deps, { ...requireAuth(request), ...request.body, ...originOf(request) })),
    }),
  );

  app.post(
    '/factors/webauthn',
    {
      schema: {
        summary: 'Finish registering a security key or biometric with the authenticator’s answer',
        description: 'The first factor comes with recovery codes, returned only here.',
        tags: ['factors'],
        body: z.object({ credential: webauthnRegistration, label: z.string().max(60).optional() }),
        response: enrolledResponses,
      },
    },
    async (request, reply) => {
      const added = await confirmWebAuthnEnrollment(deps, {
        user: requireAuth(request).user,
        response: request.body.credential,
        label: request.body.label,
        ...originOf(request),
      });
      return reply.status(201).send(toEnrolledView(added));
    },
  );

  app.post(
    '/factors/webauthn/proof-options',
    {
      schema: {
        summary: 'Options for proving a sensitive change with a security key or biometric',
        description:
          'The answer of @simplewebauthn/browser’s `startAuthentication` is the `webauthn` proof of the change (removing a factor, new recovery codes…), within five minutes.',
        tags: ['factors'],
        response: { 200: webauthnOptionsView, 401: errorView, 404: errorView },
      },
    },
    async (request) => ({ ...(await secondFactorKeyOptions(deps, { user: requireAuth(request).user })) }),
  );

  app.patch(
    '/factors/:factorId',
    {
      schema: {
        summary: 'Rename a second factor',
        description: 'The label is the person’s own name for the method, as the security page shows it.',
        tags: ['factors'],
        params: z.object({ factorId: z.string().min(1).max(64) }),
        body: z.object({ label: z.string().trim().min(1).max(60) }),
        response: { 200: factorView, 400: errorView, 401: errorView, 404: errorView },
      },
    },
    async (request) => {
      const factor = await renameFactor(deps, {
        user: requireAuth(request).user,
        factorId: request.params.factorId,
        label: request.body.label,
        ...originOf(request),
      });
      return toFactorView(factor);
    },
  );

  app.post(
    '/factors/:factorId/primary',
    {
      schema: {
        summary: 'Make a factor the primary one, which the challenge opens with',
        description: 'Changing how you sign in needs a current `code`, `recoveryCode` or `webauthn` proof.',
        tags: ['factors'],
        params: z.object({ factorId: z.string().min(1).max(64) }),
        body: secondFactorProof,
        response: { 204: z.null(), 400: errorView, 401: errorView, 404: errorView, 423: errorView },
      },
    },
    async (request, reply) => {
      const { user } = requireAuth(request);
      await setPrimaryFactor(deps, {
        user,
        factorId: request.params.factorId,
        proof: toProof(request.body),
        ...originOf(request),
      });
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/factors/:factorId',
    {
      schema: {
        summary: 'Remove a second factor',
        description:
          'The `factor.remove` protected action: give a `code`, `recoveryCode` or `webauthn` proof unless an approval in the session still covers it (403 ERR_STEP_UP_REQUIRED). Removing the last factor turns MFA off and needs `confirmTurningOff: true`.',
        tags: ['factors'],
        params: z.object({ factorId: z.string().min(1).max(64) }),
        body: protectedActionProof.and(z.object({ confirmTurningOff: z.boolean().default(false) })),
        response: {
          200: z.object({ mfaEnabled: z.boolean() }),
          400: errorView,
          401: errorView,
          403: errorView,
          404: errorView,
          409: errorView,
          423: errorView,
        },
      },
    },
    async (request) => {
      return removeFactor(deps, {
        ...requireAuth(request),
        factorId: request.params.factorId,
        proof: optionalProof(request.body),
        stepUpId: request.body.stepUpId,
        confirmTurningOff: request.body.confirmTurningOff,
        ...originOf(request),
      });
    },
  );

  app.post(
    '/mfa/off',
    {
      schema: {
        summary: 'Turn two-step verification off',
        description:
          'Removes every factor and recovery code and ends every trusted device. The `mfa.disable` protected action: needs a current proof unless an approval in the session still covers it (403 ERR_STEP_UP_REQUIRED).',
        tags: ['factors'],
        body: protectedActionProof.nullish(),
        response: { 204: z.null(), 400: errorView, 401: errorView, 403: errorView, 409: errorView, 423: errorView },
      },
    },
    async (request, reply) => {
      const stepUpId = request.body?.stepUpId;
      await turnOffMfa(deps, {
        ...requireAuth(request),
        proof: optionalProof(request.body ?? {}),
        stepUpId,
        ...originOf(request),
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/mfa/require-at-next-sign-in',
    {
      schema: {
        summary: 'Turn two-step verification on at the next sign-in',
        description: 'Needs the password; the next sign-in leads through setting up a method.',
        tags: ['factors'],
        body: z.object({ password }),
        response: { 204: z.null(), 400: errorView, 401: errorView, 409: errorView, 429: errorView },
      },
    },
    async (request, reply) => {
      await requireMfaAtNextSignIn(deps, {
        user: requireAuth(request).user,
        password: request.body.password,
        ...originOf(request),
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/mfa/reset',
    {
      schema: {
        summary: 'Reset two-step verification',
        description:
          'Needs a current proof. Removes every factor, recovery code and trusted device and ends every session; setting up again needs the password and a code sent to the verified address (/mfa/setup/send-code, /mfa/setup/unlock).',
        tags: ['factors'],
        body: protectedActionProof.nullish(),
        response: { 204: z.null(), 400: errorView, 401: errorView, 403: errorView, 409: errorView, 423: errorView },
      },
    },
    async (request, reply) => {
      const stepUpId = request.body?.stepUpId;
      await resetMfa(deps, { ...requireAuth(request), proof: optionalProof(request.body ?? {}), stepUpId, ...originOf(request) });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/mfa/setup/send-code',
    {
      schema: {
        summary: 'After a reset: email the code that unlocks setting up a factor',
        description: 'Sends it to the confirmed address only; the code goes to /mfa/setup/unlock with the password.',
        tags: ['factors'],
        response: { 200: codeSentView, 400: errorView, 401: errorView, 409: errorView, 429: errorView, 503: errorView },
      },
    },
    async (request) => sendSetupUnlockCode(deps, { user: requireAuth(request).user, ...originOf(request) }),
  );

  app.post(
    '/mfa/setup/unlock',
    {
      schema: {
        summary: 'After a reset: unlock setting up a factor with the password and the emailed code',
        description: 'Afterwards `user.mfaSetupLocked` is false and a method can be set up as usual.',
        tags: ['factors'],
        body: z.object({ password, code: otpCode }),
        response: { 204: z.null(), 400: errorView, 401: errorView, 429: errorView },
      },
    },
    async (request, reply) => {
      await unlockSetup(deps, { user: requireAuth(request).user, ...request.body, ...originOf(request) });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/recovery-codes',
    {
      schema: {
        summary: 'Replace every recovery code with a new set',
        description:
          'The `recovery_codes.regenerate` protected action: give a `code`, `recoveryCode` or `webauthn` proof unless an approval in the session still covers it (403 ERR_STEP_UP_REQUIRED). The old codes stop working; the new ones are returned only here.',
        tags: ['factors'],
        body: protectedActionProof.nullish(),
        response: {
          201: z.object({ recoveryCodes: z.array(z.string()) }),
          400: errorView,
          401: errorView,
          403: errorView,
          409: errorView,
          423: errorView,
        },
      },
    },
    async (request, reply) => {
      const proof = optionalProof(request.body ?? {});
      const stepUpId = request.body?.stepUpId;
      const recoveryCodes = await regenerateRecoveryCodes(deps, {
        ...requireAuth(request),
        proof,
        stepUpId,
        ...originOf(request),
      });
      return reply.status(201).send({ recoveryCodes });
    },
  );
};
