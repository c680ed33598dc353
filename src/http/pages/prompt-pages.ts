import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { afterFirstFactor } from '../../core/flows/after-first-factor.js';
import {
  confirmFirstTotpInPrompt,
  describeTotpEnrollment,
  startFirstTotpEnrollmentInPrompt,
} from '../../core/flows/enroll-totp.js';
import { completePrompt, openPrompt, startPrompt } from '../../core/flows/prompt.js';
import { signOut } from '../../core/flows/session.js';
import { consumeGrant, hashDetails, secondFactorsOf } from '../../core/flows/step-up.js';
import { TesseraError } from '../../core/errors.js';
import type { Prompt, PromptOutcome } from '../../core/ports.js';
import { acrOf, amrOf } from '../../oidc/assurance.js';
import { otpCode } from '../api/schemas.js';
import { clearCookie, readCookie, setCookie } from '../cookies.js';
import { applyFirstFactorOutcome, clientOf, originOf } from '../sign-in-response.js';
import { authenticatorScanView, recoveryCodesView } from './authenticator-views.js';
import { scanState } from './authenticator-pages.js';
import { backToAppPage } from './oidc-views.js';
import { formFailure, type PageScope } from './page-kit.js';

const continuePath = '/prompt/continue';
const setupPath = '/prompt/setup';
const setupForm = z.object({ enrollmentToken: z.string().min(1).max(2048), code: otpCode, label: z.string().max(60).optional() });

/**
 * The MFA-only prompt, for apps that keep their own login. `/prompt?request=<signed JWT>` opens
 * it; `/prompt/continue` moves it on, whichever page the person comes back from: the app's
 * sign-in stands in for the first factor, then Tessera's own challenge (with trusted devices
 * and adaptive sign-in), or for an action its step-up bound to the details, or — for a person
 * with no method yet — setting up an authenticator app. At the end the browser goes back to the
 * app with a one-time code, and the prompt's own Tessera session ends.
 */
export function promptPages(app: FastifyInstance, { config, deps, render }: PageScope) {
  /** The browser's Tessera session, if it is this prompt's person's and began with this prompt. */
  const promptSession = (request: FastifyRequest, prompt: Prompt) =>
    request.auth && request.auth.user.id === prompt.userId && request.auth.session.createdAt >= prompt.createdAt
      ? request.auth
      : undefined;

  const finish = async (request: FastifyRequest, reply: FastifyReply, prompt: Prompt, outcome: PromptOutcome) => {
    const back = await completePrompt(deps, prompt, outcome);
    await signOut(deps, { ...request.auth!, ...originOf(request) });
    clearCookie(config, reply, 'session');
    clearCookie(config, reply, 'prompt');
    // Ends the chain of redirects after a form, which browsers hold to Tessera's own form-action.
    return reply.header('refresh', `0;url=${back}`).type('text/html').send(backToAppPage(config, back));
  };

  app.get('/prompt', { schema: { hide: true } }, async (request, reply) => {
    const { request: token } = z.object({ request: z.string().min(1).max(8192) }).parse(request.query);
    const { browserToken } = await startPrompt(deps, token);
    setCookie(config, reply, 'prompt', browserToken, config.prompt.lifetimeMinutes * 60);
    return reply.redirect(continuePath, 303);
  });

  app.get(continuePath, { schema: { hide: true } }, async (request, reply) => {
    const prompt = await openPrompt(deps, readCookie(config, request, 'prompt'));
    const signedIn = promptSession(request, prompt);
    const user = signedIn?.user ?? (await deps.store.users.findById(prompt.userId));
    if (!user) throw new TesseraError('ERR_PROMPT_INVALID', 'This person’s account is gone.');

    if (!signedIn) {
      // The app's own sign-in is the first factor; an action's second factor is its step-up, not the sign-in's.
      const outcome = await afterFirstFactor(deps, {
        user,
        amr: ['host'],
        secondFactorAtAction: prompt.action !== null,
        ...clientOf(config, request),
      });
      applyFirstFactorOutcome(config, reply, outcome);
      if (outcome.kind === 'second_factor_required') {
        setCookie(config, reply, 'return', continuePath, config.prompt.lifetimeMinutes * 60);
        return reply.redirect('/sign-in/verify', 303);
      }
      return reply.redirect(continuePath, 303);
    }

    const { session } = signedIn;
    if ((await secondFactorsOf(deps, user)).length === 0) return reply.redirect(setupPath, 303);
    if (prompt.action === null) {
      return finish(request, reply, prompt, {
        amr: amrOf(session),
        acr: acrOf(session),
        authTime: session.mfaAt ?? session.authTime,
        detailsHash: null,
      });
    }
    const grant = (request.query as { grant?: unknown }).grant;
    if (typeof grant !== 'string') {
      const stepUp = new URLSearchParams({ action: prompt.action, return_to: continuePath });
      if (prompt.details) stepUp.set('details', prompt.details);
      return reply.redirect(`/step-up?${stepUp}`, 303);
    }
    const claims = await consumeGrant(deps, grant);
    const detailsHash = prompt.details === null ? null : hashDetails(prompt.details);
    if (claims.sid !== session.id || claims.act !== prompt.action || claims.dh !== detailsHash) {
      throw new TesseraError('ERR_PROMPT_INVALID', 'That approval was for something else: go back to the app and start again.');
    }
    const approved = {
      amr: [...session.amr, ...claims.amr.filter((method) => !session.amr.includes(method))],
      mfaAt: deps.clock.now(),
    };
    return finish(request, reply, prompt, { amr: amrOf(approved), acr: acrOf(approved), authTime: approved.mfaAt, detailsHash });
  });

  /** A person with no method yet sets up an authenticator app here; the app's sign-in stands in for the password. */
  const showSetup = async (request: FastifyRequest, reply: FastifyReply, failure?: { status: number; message: string }) => {
    const { user, session } = request.auth!;
    const token = (request.body as { enrollmentToken?: string } | undefined)?.enrollmentToken;
    const enrollment =
      (token && describeTotpEnrollment(deps, { user, session, enrollmentToken: token })) ||
      (await startFirstTotpEnrollmentInPrompt(deps, { user, session }));
    const state = await scanState(config, enrollment, user.email);
    return render(
      request,
      reply,
      'Set up two-step verification',
      (csrfToken) => authenticatorScanView({ ...state, csrfToken, action: setupPath, error: failure?.message }),
      failure?.status,
    );
  };

  const requirePromptSession = async (request: FastifyRequest, reply: FastifyReply) => {
    const prompt = await openPrompt(deps, readCookie(config, request, 'prompt'));
    if (!promptSession(request, prompt)) return reply.redirect(continuePath, 303);
  };

  app.get(setupPath, { schema: { hide: true }, preHandler: requirePromptSession }, (request, reply) => showSetup(request, reply));

  app.post(setupPath, { schema: { hide: true }, preHandler: requirePromptSession }, async (request, reply) => {
    try {
      const input = setupForm.parse(request.body);
      const { recoveryCodes, token } = await confirmFirstTotpInPrompt(deps, { ...request.auth!, ...input, ...originOf(request) });
      setCookie(config, reply, 'session', token, config.sessions.absoluteTimeoutHours * 3600);
      if (!recoveryCodes) return reply.redirect(continuePath, 303);
      return render(request, reply, 'Recovery codes', () =>
        recoveryCodesView({
          codes: recoveryCodes,
          productName: config.branding.productName,
          accountName: request.auth!.user.email,
          firstTime: true,
          next: continuePath,
        }),
      );
    } catch (error) {
      return showSetup(request, reply, formFailure(error));
    }
  });
}
