import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { completePasswordless } from '../../core/flows/complete-second-factor.js';
import { sendPasswordlessCode, startPasswordless } from '../../core/flows/passwordless.js';
import { email, otpCode, recoveryCode } from '../api/schemas.js';
import { readCookie } from '../cookies.js';
import { applySignedIn, originOf, setPendingCookie } from '../sign-in-response.js';
import { passwordlessCodeView } from './account-views.js';
import { formFailure, type PageScope } from './page-kit.js';
import { afterSignInPath } from '../authentication.js';

const addressForm = z.object({ email });
const sendForm = z.object({ email: z.string().max(254), channel: z.enum(['email', 'sms', 'voice']) });
const codeForm = z.object({ email: z.string().max(254), code: otpCode.optional(), recoveryCode: recoveryCode.optional() });

/** Signing in without a password: the address, then one code on a page that reads alike for every address. */
export function passwordlessPages(app: FastifyInstance, { config, deps, render }: PageScope) {
  const renderCode = (
    request: FastifyRequest,
    reply: FastifyReply,
    address: string,
    failure?: { status: number; message: string },
    notice?: string,
  ) =>
    render(
      request,
      reply,
      'Enter your code',
      (csrfToken) =>
        passwordlessCodeView({ csrfToken, email: address, digits: config.totp.digits, error: failure?.message, notice }),
      failure?.status,
    );

  app.post('/sign-in/passwordless', async (request, reply) => {
    const { email: address } = addressForm.parse(request.body);
    const { pendingToken } = await startPasswordless(deps, { email: address, ...originOf(request) });
    setPendingCookie(config, reply, pendingToken);
    return renderCode(request, reply, address);
  });

  app.post('/sign-in/passwordless/send', async (request, reply) => {
    const { email: address, channel } = sendForm.parse(request.body);
    const pendingToken = readCookie(config, request, 'pending') ?? '';
    await sendPasswordlessCode(deps, { pendingToken, channel, ...originOf(request) });
    return renderCode(request, reply, address, undefined, 'If this address has that way to get a code, we sent one.');
  });

  app.post('/sign-in/passwordless/verify', async (request, reply) => {
    const input = codeForm.parse(request.body);
    try {
      const signedIn = await completePasswordless(deps, {
        pendingToken: readCookie(config, request, 'pending') ?? '',
        proof: input.code ? { code: input.code } : { recoveryCode: input.recoveryCode ?? '' },
        ...originOf(request),
      });
      applySignedIn(config, reply, signedIn);
      return reply.redirect(afterSignInPath(config, request, reply), 303);
    } catch (error) {
      return renderCode(request, reply, input.email, formFailure(error));
    }
  });
}
