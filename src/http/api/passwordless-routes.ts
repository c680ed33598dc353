import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TesseraConfig } from '../../config.js';
import type { CoreDeps } from '../../core/deps.js';
import { completePasswordless } from '../../core/flows/complete-second-factor.js';
import { sendPasswordlessCode, startPasswordless } from '../../core/flows/passwordless.js';
import { readCookie } from '../cookies.js';
import { applySignedIn, originOf, setPendingCookie } from '../sign-in-response.js';
import { noAuth, pendingSignInAuth } from './openapi-options.js';
import { toProof } from './proof.js';
import { email, errorView, otpCode, recoveryCode, signedInView } from './schemas.js';
import { toSignedInView } from './views.js';

/** Sign-in without a password (`signIn.passwordless`): the address, then one code. */
export const passwordlessRoutes: FastifyPluginAsyncZod<{ config: TesseraConfig; deps: CoreDeps }> = async (
  app,
  { config, deps },
) => {
  app.post(
    '/sign-in/passwordless',
    {
      schema: {
        summary: 'Start signing in without a password',
        description:
          'Sets the pending cookie and emails a code to the confirmed address, if the address has an account; the answer is the same either way. The code, or one from the authenticator app, goes to /sign-in/passwordless/verify.',
        tags: ['account'],
        security: noAuth,
        body: z.object({ email }),
        response: { 200: z.object({ status: z.literal('code_required') }), 400: errorView, 404: errorView, 429: errorView },
      },
    },
    async (request, reply) => {
      const { pendingToken } = await startPasswordless(deps, { email: request.body.email, ...originOf(request) });
      setPendingCookie(config, reply, pendingToken);
      return { status: 'code_required' as const };
    },
  );

  app.post(
    '/sign-in/passwordless/send',
    {
      schema: {
        summary: 'Send the passwordless code another way: a text, a call, or email again',
        description: 'The answer is the same whether or not the address has an account or such a number.',
        tags: ['account'],
        security: pendingSignInAuth,
        body: z.object({ channel: z.enum(['email', 'sms', 'voice']) }),
        response: { 200: z.object({ status: z.literal('sent_if_possible') }), 400: errorView },
      },
    },
    async (request) => {
      const pendingToken = readCookie(config, request, 'pending') ?? '';
      await sendPasswordlessCode(deps, { pendingToken, channel: request.body.channel, ...originOf(request) });
      return { status: 'sent_if_possible' as const };
    },
  );

  app.post(
    '/sign-in/passwordless/verify',
    {
      schema: {
        summary: 'Finish signing in without a password with one code',
        description:
          'A single factor: the session has `aal: 1`. A recovery code is never the one factor of a sign-in: it is refused like a wrong code. Every failure, a locked account’s too, answers alike.',
        tags: ['account'],
        security: pendingSignInAuth,
        body: z
          .object({ code: otpCode.optional(), recoveryCode: recoveryCode.optional() })
          .refine((body) => (body.code === undefined) !== (body.recoveryCode === undefined), 'give one of code or recoveryCode'),
        response: { 200: signedInView, 400: errorView, 401: errorView },
      },
    },
    async (request, reply) => {
      const signedIn = await completePasswordless(deps, {
        pendingToken: readCookie(config, request, 'pending') ?? '',
        proof: toProof(request.body),
        ...originOf(request),
      });
      applySignedIn(config, reply, signedIn);
      return toSignedInView(signedIn.user, signedIn.session);
    },
  );
};
