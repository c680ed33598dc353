import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { TesseraError } from '../../core/errors.js';
import { completeSecondFactor } from '../../core/flows/complete-second-factor.js';
import { describeChallenge, sendSignInCode } from '../../core/flows/sign-in-codes.js';
import { otpCode, recoveryCode, webauthnAssertion } from '../api/schemas.js';
import { clearCookie, readCookie } from '../cookies.js';
import { applySignedIn, clientOf, originOf } from '../sign-in-response.js';
import { signInView } from './account-views.js';
import { type ChallengeMethod, type ChallengeState, challengeView } from './challenge-views.js';
import { formFailure, type PageScope } from './page-kit.js';
import { parseKeyAnswer } from './proof-field.js';
import { afterSignInPath } from '../authentication.js';

const challengeForm = z.union([z.object({ code: otpCode }), z.object({ recoveryCode })]);
const methodNames: Record<string, ChallengeMethod> = {
  webauthn: 'webauthn',
  totp: 'totp',
  email: 'email',
  phone: 'phone',
  recovery: 'recovery',
};
const channels = ['email', 'sms', 'voice'] as const;

/** The `factorId:channel` of a Send button, if it names a known channel. */
function parseTarget(value: unknown): { factorId?: string; channel?: (typeof channels)[number] } {
  if (typeof value !== 'string') return {};
  const [factorId, channel] = value.split(':');
  const known = channels.find((candidate) => candidate === channel);
  return factorId && known ? { factorId, channel: known } : {};
}

/** The second step of signing in, reachable only with a live pending sign-in in this browser. */
export function challengePages(app: FastifyInstance, { config, deps, render }: PageScope) {
  /** The challenge page for this browser's pending sign-in, or the sign-in page when there is none. */
  const renderChallenge = async (
    request: FastifyRequest,
    reply: FastifyReply,
    wanted: ChallengeMethod | undefined,
    extra: Partial<Pick<ChallengeState, 'error' | 'notice' | 'codeSent'>> & { status?: number } = {},
  ) => {
    const pendingToken = readCookie(config, request, 'pending');
    const challenge = pendingToken ? await describeChallenge(deps, pendingToken) : undefined;
    if (!challenge) {
      clearCookie(config, reply, 'pending');
      const error = extra.error ?? (pendingToken ? 'Your sign-in has expired. Please sign in again.' : undefined);
      return render(
        request,
        reply,
        'Sign in',
        (csrfToken) =>
          signInView({ csrfToken, passkeys: config.webauthn.passkeys, magicLinks: config.magicLinks.enabled, error }),
        extra.status ?? (error ? 401 : 200),
      );
    }
    const offered = challenge.methods.map((method) => (method === 'recovery_code' ? 'recovery' : method));
    const method = wanted && offered.includes(wanted) ? wanted : (offered[0] as ChallengeMethod);
    const view = (csrfToken: string) =>
      challengeView({
        csrfToken,
        method,
        methods: challenge.methods,
        digits: config.totp.digits,
        sentDigits: config.emailCodes.digits,
        codeTargets: challenge.codeTargets,
        error: extra.error,
        notice: extra.notice,
        codeSent: extra.codeSent ?? challenge.codeSent,
        trustDays: config.trustedDevices.days,
        dialInNumber: config.support.dialInNumber,
      });
    return render(request, reply, 'Two-step verification', view, extra.status);
  };

  /** Sends a code for the pending sign-in and shows where it went, or why it could not be sent. */
  const sendAndRender = async (
    request: FastifyRequest,
    reply: FastifyReply,
    pendingToken: string,
    target: ReturnType<typeof parseTarget>,
  ) => {
    const method: ChallengeMethod = target.channel === 'sms' || target.channel === 'voice' ? 'phone' : 'email';
    try {
      const sent = await sendSignInCode(deps, { pendingToken, ...target, ...originOf(request) });
      return renderChallenge(request, reply, method, { codeSent: true, notice: `We sent a code to ${sent.sentTo}.` });
    } catch (error) {
      const { status, message } = formFailure(error);
      const codeSent = error instanceof TesseraError && error.code === 'ERR_RESEND_TOO_SOON';
      return renderChallenge(request, reply, method, { error: message, status, codeSent });
    }
  };

  app.get('/sign-in/verify', async (request, reply) => {
    const pendingToken = readCookie(config, request, 'pending');
    if (!pendingToken) return reply.redirect('/sign-in', 303);
    const wanted = methodNames[String((request.query as { method?: string }).method)];
    const challenge = config.emailCodes.sendOnChallenge ? await describeChallenge(deps, pendingToken) : undefined;
    const emailFirst = challenge && (wanted ?? challenge.methods[0]) === 'email';
    if (emailFirst && !challenge.codeSent) return sendAndRender(request, reply, pendingToken, {});
    return renderChallenge(request, reply, wanted);
  });

  app.post('/sign-in/verify/send', async (request, reply) => {
    const pendingToken = readCookie(config, request, 'pending');
    if (!pendingToken) return reply.redirect('/sign-in', 303);
    return sendAndRender(request, reply, pendingToken, parseTarget((request.body as { target?: unknown } | undefined)?.target));
  });

  app.post('/sign-in/verify', async (request, reply) => {
    const pendingToken = readCookie(config, request, 'pending');
    if (!pendingToken) return reply.redirect('/sign-in', 303);
    const body = request.body as
      { recoveryCode?: unknown; method?: unknown; webauthn?: unknown; trustDevice?: unknown } | undefined;
    const method: ChallengeMethod =
      typeof body?.recoveryCode === 'string' ? 'recovery' : (methodNames[String(body?.method)] ?? 'totp');
    try {
      const signedIn = await completeSecondFactor(deps, {
        pendingToken,
        proof:
          typeof body?.webauthn === 'string' && body.webauthn
            ? { webauthn: parseKeyAnswer(body.webauthn, webauthnAssertion) }
            : challengeForm.parse(request.body),
        trustDevice: body?.trustDevice === 'on',
        ...clientOf(config, request),
      });
      applySignedIn(config, reply, signedIn);
      return reply.redirect(afterSignInPath(config, request, reply), 303);
    } catch (error) {
      const { status, message } = formFailure(error);
      return renderChallenge(request, reply, method, {
        error: message,
        status,
        codeSent: method === 'email' || method === 'phone',
      });
    }
  });
}
