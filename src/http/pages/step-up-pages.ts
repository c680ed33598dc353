import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { approveStepUp, describeStepUp, requestStepUp, sendStepUpCode, type StepUpOutcome } from '../../core/flows/step-up.js';
import { otpCode, password, recoveryCode, webauthnAssertion } from '../api/schemas.js';
import { requireSignedInPage } from '../authentication.js';
import { originOf } from '../sign-in-response.js';
import { formFailure, type PageScope } from './page-kit.js';
import { parseKeyAnswer } from './proof-field.js';
import { allowedReturnUrl } from './return-url.js';
import { stepUpView } from './step-up-views.js';

const asked = z.object({
  action: z.string().min(1).max(100),
  details: z.string().trim().min(1).max(200).optional(),
  return_to: z.string().min(1).max(2048),
});
const carried = { stepUpId: z.string().min(1).max(64), returnTo: z.string().min(1).max(2048) };
const sendForm = z.object({ ...carried, target: z.string().regex(/^[^:]{1,64}:(email|sms|voice)$/) });
const verifyForm = z.object({
  ...carried,
  code: otpCode.optional(),
  recoveryCode: recoveryCode.optional(),
  webauthn: z.string().max(48_000).optional(),
  password: password.optional(),
});

/** The grant goes back as `grant` on the return address. */
function returnWithGrant(reply: FastifyReply, returnTo: URL, grant: string) {
  returnTo.searchParams.set('grant', grant);
  return reply.redirect(returnTo.href, 303);
}

/**
 * The hosted step-up page for browser redirects: `/step-up?action=…&details=…&return_to=…`
 * shows what is being approved and the person's ways to approve it, then sends the browser
 * back with a grant. Return addresses outside `stepUp.returnUrls` are refused.
 */
export function stepUpPages(app: FastifyInstance, { config, deps, render }: PageScope) {
  const guard = { preHandler: requireSignedInPage };

  const show = async (
    request: FastifyRequest,
    reply: FastifyReply,
    challenge: Extract<StepUpOutcome, { status: 'challenge_required' }>,
    returnTo: URL,
    outcome: { error?: string; notice?: string; status?: number } = {},
  ) =>
    render(
      request,
      reply,
      'Confirm it’s you',
      (csrfToken) =>
        stepUpView({
          csrfToken,
          stepUpId: challenge.stepUp.id,
          label: challenge.label,
          details: challenge.stepUp.details,
          methods: challenge.methods,
          codeTargets: challenge.codeTargets,
          returnTo: returnTo.href,
          digits: config.totp.digits,
          sentDigits: config.emailCodes.digits,
          error: outcome.error,
          notice: outcome.notice,
        }),
      outcome.status,
    );

  /** Shows the same step-up again after a send or a failed attempt; an expired one is an error page. */
  const showAgain = async (
    request: FastifyRequest,
    reply: FastifyReply,
    form: { stepUpId: string; returnTo: string },
    outcome: { error?: string; notice?: string; status?: number },
  ) => {
    const returnTo = allowedReturnUrl(config, form.returnTo);
    return show(request, reply, await describeStepUp(deps, { ...request.auth!, stepUpId: form.stepUpId }), returnTo, outcome);
  };

  app.get('/step-up', guard, async (request, reply) => {
    const query = asked.parse(request.query);
    const returnTo = allowedReturnUrl(config, query.return_to);
    const outcome = await requestStepUp(deps, { ...request.auth!, action: query.action, details: query.details });
    if (outcome.status === 'satisfied') return returnWithGrant(reply, returnTo, outcome.grant);
    return show(request, reply, outcome, returnTo);
  });

  app.post('/step-up/send-code', guard, async (request, reply) => {
    const form = sendForm.parse(request.body);
    const [factorId, channel] = form.target.split(':') as [string, 'email' | 'sms' | 'voice'];
    try {
      const sent = await sendStepUpCode(deps, {
        ...request.auth!,
        stepUpId: form.stepUpId,
        factorId,
        channel,
        ...originOf(request),
      });
      return await showAgain(request, reply, form, { notice: `We sent a code to ${sent.sentTo}.` });
    } catch (error) {
      const failure = formFailure(error);
      return showAgain(request, reply, form, { error: failure.message, status: failure.status });
    }
  });

  app.post('/step-up/verify', guard, async (request, reply) => {
    const form = verifyForm.parse(request.body);
    const returnTo = allowedReturnUrl(config, form.returnTo);
    const proof = form.webauthn
      ? { webauthn: parseKeyAnswer(form.webauthn, webauthnAssertion) }
      : form.code
        ? { code: form.code }
        : form.recoveryCode
          ? { recoveryCode: form.recoveryCode }
          : undefined;
    try {
      const approved = await approveStepUp(deps, {
        ...request.auth!,
        stepUpId: form.stepUpId,
        proof,
        password: form.password,
        ...originOf(request),
      });
      return returnWithGrant(reply, returnTo, approved.grant);
    } catch (error) {
      const failure = formFailure(error);
      return showAgain(request, reply, form, { error: failure.message, status: failure.status });
    }
  });
}
