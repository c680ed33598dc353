import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { TesseraConfig } from '../../config.js';
import {
  confirmTotpEnrollment,
  describeTotpEnrollment,
  startTotpEnrollment,
  type TotpEnrollment,
} from '../../core/flows/enroll-totp.js';
import { regenerateRecoveryCodes, removeFactor, setPrimaryFactor } from '../../core/flows/manage-factors.js';
import { otpCode, password } from '../api/schemas.js';
import { requireSignedInPage } from '../authentication.js';
import { requireFreshSecondFactorPage } from './confirm-pages.js';
import type { AccountRenderer } from './account-pages.js';
import { authenticatorIntroView, authenticatorScanView, recoveryCodesView } from './authenticator-views.js';
import { formFailure, type PageScope } from './page-kit.js';
import { actionProofFromForm, proofFields, proofFromForm } from './proof-field.js';
import { qrDataUrl } from './qr.js';
import { originOf } from '../sign-in-response.js';

const startForm = z.object({ password, consent: z.literal('on', 'tick the box to agree') });
const confirmForm = z.object({
  enrollmentToken: z.string().min(1).max(2048),
  code: otpCode,
  label: z.string().max(60).optional(),
});
const proofForm = z.object(proofFields);
const removeForm = proofForm.extend({ confirmTurningOff: z.literal('on').optional() });

/** What the scan step shows of an enrollment: its QR code, its setup key, and the suggested apps' QR codes. */
export async function scanState(config: TesseraConfig, enrollment: TotpEnrollment, accountName: string) {
  const [qrCode, apps] = await Promise.all([
    qrDataUrl(enrollment.otpauthUri, 200),
    Promise.all(
      config.totp.suggestedApps.map(async (suggested) => ({ ...suggested, qrCode: await qrDataUrl(suggested.url, 88) })),
    ),
  ]);
  return {
    secret: enrollment.secret,
    qrCode,
    enrollmentToken: enrollment.enrollmentToken,
    accountName,
    issuer: config.branding.productName,
    apps,
    totp: config.totp,
  };
}

/** Adding and removing an authenticator app, and recovery codes. */
export function authenticatorPages(
  app: FastifyInstance,
  { config, deps, render, renderAccount }: PageScope & { renderAccount: AccountRenderer },
) {
  const guard = { preHandler: requireSignedInPage };
  const fresh = { preHandler: requireFreshSecondFactorPage({ deps }) };

  const renderScan = async (
    request: FastifyRequest,
    reply: FastifyReply,
    enrollment: TotpEnrollment,
    extra: { error?: string; status?: number; label?: string } = {},
  ) => {
    const state = await scanState(config, enrollment, request.auth!.user.email);
    const view = (csrfToken: string) => authenticatorScanView({ ...state, csrfToken, error: extra.error, label: extra.label });
    return render(request, reply, 'Set up an authenticator app', view, extra.status);
  };

  const renderCodes = (request: FastifyRequest, reply: FastifyReply, codes: string[], firstTime: boolean) =>
    render(request, reply, 'Recovery codes', () =>
      recoveryCodesView({ codes, productName: config.branding.productName, accountName: request.auth!.user.email, firstTime }),
    );

  app.get('/account/authenticator', fresh, async (request, reply) =>
    render(request, reply, 'Set up an authenticator app', (csrfToken) => authenticatorIntroView({ csrfToken })),
  );

  app.post('/account/authenticator', guard, async (request, reply) => {
    const { user, session } = request.auth!;
    try {
      const input = startForm.parse(request.body);
      return renderScan(
        request,
        reply,
        await startTotpEnrollment(deps, { user, session, password: input.password, ...originOf(request) }),
      );
    } catch (error) {
      const { status, message } = formFailure(error);
      return render(
        request,
        reply,
        'Set up an authenticator app',
        (csrfToken) => authenticatorIntroView({ csrfToken, error: message }),
        status,
      );
    }
  });

  app.post('/account/authenticator/confirm', guard, async (request, reply) => {
    const { user, session } = request.auth!;
    const parsed = confirmForm.safeParse(request.body);
    const enrollment = parsed.success
      ? describeTotpEnrollment(deps, { user, session, enrollmentToken: parsed.data.enrollmentToken })
      : undefined;
    try {
      const input = confirmForm.parse(request.body);
      const { recoveryCodes } = await confirmTotpEnrollment(deps, { user, session, ...input, ...originOf(request) });
      return recoveryCodes ? renderCodes(request, reply, recoveryCodes, true) : reply.redirect('/account?done=app-added', 303);
    } catch (error) {
      const failure = formFailure(error);
      if (!enrollment) return renderAccount(request, reply, failure);
      return renderScan(request, reply, enrollment, {
        error: failure.message,
        status: failure.status,
        label: parsed.data?.label,
      });
    }
  });

  app.post('/account/factors/:factorId/remove', guard, async (request, reply) => {
    try {
      const input = removeForm.parse(request.body);
      const { mfaEnabled } = await removeFactor(deps, {
        ...request.auth!,
        factorId: (request.params as { factorId: string }).factorId,
        ...actionProofFromForm(input),
        confirmTurningOff: input.confirmTurningOff === 'on',
        ...originOf(request),
      });
      return reply.redirect(mfaEnabled ? '/account?done=factor-removed' : '/account?done=mfa-off', 303);
    } catch (error) {
      return renderAccount(request, reply, formFailure(error));
    }
  });

  app.post('/account/factors/:factorId/primary', guard, async (request, reply) => {
    try {
      const proof = proofFromForm(proofForm.parse(request.body));
      const factorId = (request.params as { factorId: string }).factorId;
      await setPrimaryFactor(deps, { user: request.auth!.user, factorId, proof, ...originOf(request) });
      return reply.redirect('/account?done=primary', 303);
    } catch (error) {
      return renderAccount(request, reply, formFailure(error));
    }
  });

  app.post('/account/recovery-codes', guard, async (request, reply) => {
    try {
      const input = proofForm.parse(request.body);
      const codes = await regenerateRecoveryCodes(deps, {
        ...request.auth!,
        ...actionProofFromForm(input),
        ...originOf(request),
      });
      return renderCodes(request, reply, codes, false);
    } catch (error) {
      return renderAccount(request, reply, formFailure(error));
    }
  });
}
