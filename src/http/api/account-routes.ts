import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TesseraConfig } from '../../config.js';
import type { CoreDeps } from '../../core/deps.js';
import { TesseraError } from '../../core/errors.js';
import { startEmailChange } from '../../core/flows/change-email.js';
import { changePassword } from '../../core/flows/change-password.js';
import { confirmSecondFactor } from '../../core/flows/fresh-second-factor.js';
import { completeSecondFactor, signInKeyOptions } from '../../core/flows/complete-second-factor.js';
import { passkeyOptions, signInWithPasskey } from '../../core/flows/passkey-sign-in.js';
import { sendMagicLink, signInWithMagicLink } from '../../core/flows/magic-links.js';
import { requestPasswordReset, resetPassword } from '../../core/flows/password-reset.js';
import { sendSignInCode } from '../../core/flows/sign-in-codes.js';
import { signOut } from '../../core/flows/session.js';
import { signInWithPassword } from '../../core/flows/sign-in.js';
import { signUp } from '../../core/flows/sign-up.js';
import { sendVerificationEmail, verifyEmail } from '../../core/flows/verify-email.js';
import { requireAuth } from '../authentication.js';
import { clearCookie, readCookie, setCookie } from '../cookies.js';
import { deleteAccount } from '../../core/flows/delete-account.js';
import { applyFirstFactorOutcome, applySignedIn, clientOf, originOf } from '../sign-in-response.js';
import { noAuth, pendingSignInAuth } from './openapi-options.js';
import { optionalProof, toProof } from './proof.js';
import {
  codeSentView,
  credentials,
  email,
  errorView,
  firstFactorView,
  password,
  protectedActionProof,
  secondFactorProof,
  signedInView,
  sendAfterProofResponses,
  webauthnAssertion,
  webauthnOptionsView,
  emailedLink,
  sentIfKnownView,
} from './schemas.js';
import { toFirstFactorView, toSignedInView } from './views.js';

/** JSON account routes under /api/v1: the same flows the pages call. */
export const accountRoutes: FastifyPluginAsyncZod<{ config: TesseraConfig; deps: CoreDeps }> = async (app, { config, deps }) => {
  /** The browser's pending sign-in token; without one, the sign-in has expired. */
  const pendingTokenOf = (request: FastifyRequest): string => {
    const pendingToken = readCookie(config, request, 'pending');
    if (!pendingToken) throw new TesseraError('ERR_SIGN_IN_EXPIRED', 'Your sign-in has expired. Please sign in again.');
    return pendingToken;
  };

  app.post(
    '/sign-up',
    {
      schema: {
        summary: 'Create an account and sign in',
        description:
          'Emails a link that confirms the address (its `c` and `t` go to /email/verify), and answers as /sign-in does.',
        tags: ['account'],
        security: noAuth,
        body: credentials,
        response: { 201: firstFactorView, 400: errorView, 409: errorView, 429: errorView },
      },
    },
    async (request, reply) => {
      const outcome = await signUp(deps, { ...request.body, ...clientOf(config, request) });
      applyFirstFactorOutcome(config, reply, outcome);
      return reply.status(201).send(toFirstFactorView(outcome));
    },
  );

  app.post(
    '/sign-in',
    {
      schema: {
        summary: 'Sign in with email and password',
        description:
          'Answers `signed_in` with a session cookie, or `second_factor_required` with a pending cookie to send to /sign-in/second-factor.',
        tags: ['account'],
        security: noAuth,
        body: credentials,
        response: { 200: firstFactorView, 400: errorView, 401: errorView, 423: errorView, 429: errorView },
      },
    },
    async (request, reply) => {
      const outcome = await signInWithPassword(deps, { ...request.body, ...clientOf(config, request) });
      applyFirstFactorOutcome(config, reply, outcome);
      return toFirstFactorView(outcome);
    },
  );

  app.post(
    '/sign-in/second-factor',
    {
      schema: {
        summary: 'Finish a sign-in with a code, a recovery code or a security key’s answer',
        description:
          'With `trustDevice: true` the browser is trusted for `trustedDevices.days` (a device cookie), and later sign-ins there skip this step.',
        tags: ['account'],
        security: pendingSignInAuth,
        body: secondFactorProof.and(z.object({ trustDevice: z.boolean().default(false) })),
        response: { 200: signedInView, 400: errorView, 401: errorView, 423: errorView },
      },
    },
    async (request, reply) => {
      const signedIn = await completeSecondFactor(deps, {
        pendingToken: pendingTokenOf(request),
        proof: toProof(request.body),
        trustDevice: request.body.trustDevice,
        ...clientOf(config, request),
      });
      applySignedIn(config, reply, signedIn);
      return toSignedInView(signedIn.user, signedIn.session);
    },
  );

  app.post(
    '/sign-in/webauthn-options',
    {
      schema: {
        summary: 'Options for answering the pending sign-in with a security key or biometric',
        description:
          'The answer of @simplewebauthn/browser’s `startAuthentication` goes to /sign-in/second-factor as `webauthn`, within five minutes.',
        tags: ['account'],
        security: pendingSignInAuth,
        response: { 200: webauthnOptionsView, 401: errorView, 404: errorView },
      },
    },
    async (request) => ({ ...(await signInKeyOptions(deps, pendingTokenOf(request))) }),
  );

  app.post(
    '/sign-in/passkey/options',
    {
      schema: {
        summary: 'Options for signing in with a passkey, without an email',
        description:
          'For @simplewebauthn/browser’s `startAuthentication` (also with `useBrowserAutofill`); its answer goes to /sign-in/passkey within five minutes.',
        tags: ['account'],
        security: noAuth,
        response: { 200: webauthnOptionsView, 404: errorView, 429: errorView },
      },
    },
    async (request) => ({ ...(await passkeyOptions(deps, request.ip)) }),
  );

  app.post(
    '/sign-in/passkey',
    {
      schema: {
        summary: 'Sign in with a passkey',
        description:
          'A passkey that verified the person (PIN or biometric) signs in with two factors; otherwise the answer is `second_factor_required`, as after a password.',
        tags: ['account'],
        security: noAuth,
        body: z.object({ credential: webauthnAssertion }),
        response: { 200: firstFactorView, 400: errorView, 401: errorView, 404: errorView, 423: errorView, 429: errorView },
      },
    },
    async (request, reply) => {
      const outcome = await signInWithPasskey(deps, { response: request.body.credential, ...clientOf(config, request) });
      applyFirstFactorOutcome(config, reply, outcome);
      return toFirstFactorView(outcome);
    },
  );

  app.post(
    '/sign-in/link/send',
    {
      schema: {
        summary: 'Email a sign-in link',
        description:
          'Answers the same whether or not an account uses the address; only a confirmed address of an existing account gets a link. With `magicLinks.bindToBrowser`, use the pages instead.',
        tags: ['account'],
        security: noAuth,
        body: z.object({ email }),
        response: { 202: sentIfKnownView, 400: errorView, 404: errorView, 429: errorView },
      },
    },
    async (request, reply) => {
      await sendMagicLink(deps, { email: request.body.email, ...originOf(request) });
      return reply.status(202).send({ status: 'sent_if_known' as const });
    },
  );

  app.post(
    '/sign-in/link',
    {
      schema: {
        summary: 'Sign in with the `c` and `t` of an emailed sign-in link',
        description:
          'The link works once. Unless `magicLinks.countsAsSecondFactor`, a person with two-step verification gets `second_factor_required`.',
        tags: ['account'],
        security: noAuth,
        body: emailedLink,
        response: { 200: firstFactorView, 400: errorView, 404: errorView, 423: errorView },
      },
    },
    async (request, reply) => {
      const outcome = await signInWithMagicLink(deps, {
        challengeId: request.body.c,
        token: request.body.t,
        ...clientOf(config, request),
        browserNonce: readCookie(config, request, 'link'),
      });
      applyFirstFactorOutcome(config, reply, outcome);
      return toFirstFactorView(outcome);
    },
  );

  app.post(
    '/password/reset/send',
    {
      schema: {
        summary: 'Email a link to choose a new password',
        description: 'Answers the same whether or not an account uses the address; only a confirmed address gets a link.',
        tags: ['account'],
        security: noAuth,
        body: z.object({ email }),
        response: { 202: sentIfKnownView, 400: errorView, 429: errorView },
      },
    },
    async (request, reply) => {
      await requestPasswordReset(deps, { email: request.body.email, ...originOf(request) });
      return reply.status(202).send({ status: 'sent_if_known' as const });
    },
  );

  app.post(
    '/password/reset',
    {
      schema: {
        summary: 'Set a new password with the `c` and `t` of the emailed reset link',
        description:
          'Ends every session and trusted device. A person with two-step verification gets `second_factor_required` (unless `passwordReset.skipsSecondFactor`).',
        tags: ['account'],
        security: noAuth,
        body: emailedLink.extend({ newPassword: password }),
        response: { 200: firstFactorView, 400: errorView, 423: errorView },
      },
    },
    async (request, reply) => {
      const outcome = await resetPassword(deps, {
        challengeId: request.body.c,
        token: request.body.t,
        newPassword: request.body.newPassword,
        ...clientOf(config, request),
      });
      applyFirstFactorOutcome(config, reply, outcome);
      return toFirstFactorView(outcome);
    },
  );

  app.post(
    '/sign-in/send-code',
    {
      schema: {
        summary: 'Send a code for the pending sign-in by email, text or call',
        body: z
          .object({ factorId: z.string().min(1).max(64).optional(), channel: z.enum(['email', 'sms', 'voice']).optional() })
          .nullish(),
        description:
          'Sends nothing until called. Without `factorId` and `channel`, the first email address. The code completes only this pending sign-in, through /sign-in/second-factor.',
        tags: ['account'],
        security: pendingSignInAuth,
        response: { 200: codeSentView, 401: errorView, 404: errorView, 429: errorView, 503: errorView },
      },
    },
    async (request) => {
      return sendSignInCode(deps, {
        pendingToken: pendingTokenOf(request),
        factorId: request.body?.factorId,
        channel: request.body?.channel,
        ...originOf(request),
      });
    },
  );

  app.post(
    '/sign-out',
    {
      schema: {
        summary: 'End the current session',
        description: 'With `forgetDevice: true` this browser stops being a trusted device too.',
        tags: ['account'],
        body: z.object({ forgetDevice: z.boolean().default(false) }).nullish(),
        response: { 204: z.null(), 401: errorView },
      },
    },
    async (request, reply) => {
      const { session, user } = requireAuth(request);
      await signOut(deps, { session, user, ...clientOf(config, request), forgetDevice: request.body?.forgetDevice });
      clearCookie(config, reply, 'session');
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/email/verification',
    {
      schema: {
        summary: 'Send a new link that confirms the account’s email address',
        description: 'Until the address is confirmed it gets nothing else: no codes, no sign-in links, no notices.',
        tags: ['account'],
        response: { 200: codeSentView, 400: errorView, 401: errorView, 429: errorView, 503: errorView },
      },
    },
    async (request) => sendVerificationEmail(deps, requireAuth(request).user, request.ip),
  );

  app.post(
    '/email/change',
    {
      schema: {
        summary: 'Start moving the account to a new email address',
        description:
          'Needs the password and, with two-step verification on, a current `code` or `recoveryCode`. Sends a link to the new address; the account moves when it is confirmed through /email/verify.',
        tags: ['account'],
        body: protectedActionProof.and(z.object({ newEmail: email, password })),
        response: { ...sendAfterProofResponses, 403: errorView },
      },
    },
    async (request) => {
      const { newEmail, password: given } = request.body;
      const proof = optionalProof(request.body);
      const { stepUpId } = request.body;
      return startEmailChange(deps, {
        ...requireAuth(request),
        newEmail,
        password: given,
        proof,
        stepUpId,
        ...originOf(request),
      });
    },
  );

  app.post(
    '/email/verify',
    {
      schema: {
        summary: 'Confirm the email address with the `c` and `t` of the emailed link',
        description:
          'Needs no session: the link may be opened in another browser. A link from /email/change moves the account to the new address.',
        tags: ['account'],
        security: noAuth,
        body: emailedLink,
        response: { 200: z.object({ emailVerified: z.literal(true) }), 400: errorView },
      },
    },
    async (request) => {
      await verifyEmail(deps, { challengeId: request.body.c, token: request.body.t, ...originOf(request) });
      return { emailVerified: true as const };
    },
  );

  app.post(
    '/session/confirm',
    {
      schema: {
        summary: 'Confirm it is you with a second factor inside the session',
        description:
          'Makes the session’s second factor fresh (aal 2) and replaces its cookie. Adding a method once two-step verification is on needs this within the `factor.add` action’s window (`stepUp.actions`).',
        tags: ['account'],
        body: secondFactorProof,
        response: { 200: signedInView, 400: errorView, 401: errorView, 423: errorView },
      },
    },
    async (request, reply) => {
      const { user, session } = requireAuth(request);
      const { token } = await confirmSecondFactor(deps, { user, session, proof: toProof(request.body), ...originOf(request) });
      setCookie(config, reply, 'session', token, config.sessions.absoluteTimeoutHours * 3600);
      return toSignedInView(user, { ...session, aal: 2, mfaAt: deps.clock.now() });
    },
  );

  app.get(
    '/me',
    {
      schema: {
        summary: 'The signed-in person and their session',
        description: 'Also for a session that reaches only setting up a method (`session.enrollmentRequired`).',
        tags: ['account'],
        response: { 200: signedInView, 401: errorView },
      },
    },
    async (request) => {
      const { user, session } = requireAuth(request);
      return toSignedInView(user, session);
    },
  );

  app.post(
    '/password',
    {
      schema: {
        summary: 'Change the password',
        tags: ['account'],
        description:
          'With two-step verification on, this is the `password.change` protected action: give a `code`, `recoveryCode` or `webauthn` answer too, unless an approval in the session still covers it.',
        body: protectedActionProof.and(
          z.object({
            currentPassword: password,
            newPassword: password,
            endOtherSessions: z.boolean().default(true),
          }),
        ),
        response: {
          200: z.object({ endedSessions: z.number().int() }),
          400: errorView,
          401: errorView,
          403: errorView,
          423: errorView,
          429: errorView,
        },
      },
    },
    async (request) => {
      const { currentPassword, newPassword, endOtherSessions, stepUpId } = request.body;
      const proof = optionalProof(request.body);
      return changePassword(deps, {
        ...requireAuth(request),
        currentPassword,
        newPassword,
        endOtherSessions,
        proof,
        stepUpId,
        ...originOf(request),
      });
    },
  );

  app.post(
    '/account/delete',
    {
      schema: {
        summary: 'Delete the account, or schedule its deletion',
        description:
          'Needs `confirm: true`, the password and, with two-step verification on, a second factor (the `account.delete` protected action). With `accountDeletion.graceDays` the account is deleted after that many days and every session ends; signing in before then keeps it.',
        tags: ['account'],
        body: protectedActionProof.and(z.object({ password, confirm: z.literal(true, 'must be true') })),
        response: {
          200: z.object({ deletedAt: z.number().int().nullable(), dueAt: z.number().int().nullable() }),
          400: errorView,
          401: errorView,
          403: errorView,
          409: errorView,
          423: errorView,
          429: errorView,
        },
      },
    },
    async (request, reply) => {
      const outcome = await deleteAccount(deps, {
        ...requireAuth(request),
        password: request.body.password,
        confirm: request.body.confirm,
        proof: optionalProof(request.body),
        stepUpId: request.body.stepUpId,
        ...originOf(request),
      });
      clearCookie(config, reply, 'session');
      return outcome;
    },
  );
};
