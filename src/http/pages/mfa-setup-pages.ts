import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { turnOffMfa } from '../../core/flows/manage-factors.js';
import { requireMfaAtNextSignIn, resetMfa, sendSetupUnlockCode, unlockSetup } from '../../core/flows/mfa-setup.js';
import { otpCode, password } from '../api/schemas.js';
import { requireSignedInPage } from '../authentication.js';
import type { AccountRenderer } from './account-pages.js';
import { signedOutPage } from './signed-out-page.js';
import { formFailure, type PageScope } from './page-kit.js';
import { actionProofFromForm, proofFields } from './proof-field.js';
import { originOf } from '../sign-in-response.js';

const laterForm = z.object({ password, consent: z.literal('on', 'tick the box to agree') });
const resetForm = z.object({ ...proofFields, confirmReset: z.literal('on', 'tick the box to confirm') });
const offForm = z.object({ ...proofFields, confirmTurningOff: z.literal('on', 'tick the box to confirm') });
const unlockForm = z.object({ password, code: otpCode });

/** Turning two-step verification on later, off, or resetting it, and unlocking setup after a reset. */
export function mfaSetupPages(
  app: FastifyInstance,
  { config, deps, render, renderAccount }: PageScope & { renderAccount: AccountRenderer },
) {
  const guard = { preHandler: requireSignedInPage };

  app.post('/account/mfa/later', guard, async (request, reply) => {
    try {
      const input = laterForm.parse(request.body);
      await requireMfaAtNextSignIn(deps, { user: request.auth!.user, password: input.password, ...originOf(request) });
      return reply.redirect('/account?done=mfa-later', 303);
    } catch (error) {
      return renderAccount(request, reply, formFailure(error));
    }
  });

  app.post('/account/mfa/off', guard, async (request, reply) => {
    try {
      const input = offForm.parse(request.body);
      await turnOffMfa(deps, {
        ...request.auth!,
        ...actionProofFromForm(input),
        ...originOf(request),
      });
      return reply.redirect('/account?done=mfa-off', 303);
    } catch (error) {
      return renderAccount(request, reply, formFailure(error));
    }
  });

  app.post('/account/mfa/reset', guard, async (request, reply) => {
    try {
      const input = resetForm.parse(request.body);
      await resetMfa(deps, {
        ...request.auth!,
        ...actionProofFromForm(input),
        ...originOf(request),
      });
    } catch (error) {
      return renderAccount(request, reply, formFailure(error));
    }
    const notice = 'Two-step verification was reset and you were signed out everywhere. Sign in to set it up again.';
    return signedOutPage({ config, render }, request, reply, notice);
  });

  app.post('/account/setup/send-code', guard, async (request, reply) => {
    try {
      await sendSetupUnlockCode(deps, { user: request.auth!.user, ...originOf(request) });
      return reply.redirect('/account?done=setup-code-sent', 303);
    } catch (error) {
      return renderAccount(request, reply, formFailure(error));
    }
  });

  app.post('/account/setup/unlock', guard, async (request, reply) => {
    try {
      const input = unlockForm.parse(request.body);
      await unlockSetup(deps, { user: request.auth!.user, ...input, ...originOf(request) });
      return reply.redirect('/account?done=setup-unlocked', 303);
    } catch (error) {
      return renderAccount(request, reply, formFailure(error));
    }
  });
}
