import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { TesseraError } from '../../core/errors.js';
import { confirmWebAuthnEnrollment, type WebAuthnKind } from '../../core/flows/enroll-webauthn.js';
import { renameFactor } from '../../core/flows/manage-factors.js';
import { webauthnRegistration } from '../api/schemas.js';
import { requireSignedInPage } from '../authentication.js';
import { requireFreshSecondFactorPage } from './confirm-pages.js';
import type { AccountRenderer } from './account-pages.js';
import { showEnrolled } from './enrolled-page.js';
import { formFailure, type PageScope, typedField } from './page-kit.js';
import { parseKeyAnswer } from './proof-field.js';
import { addKeyView } from './webauthn-views.js';
import { originOf } from '../sign-in-response.js';

const kinds = z.enum(['security_key', 'biometric']);
const finishForm = z.object({
  kind: kinds,
  label: z.string().trim().max(60).optional(),
  credential: z.string().max(48_000).optional(),
});
const renameForm = z.object({ label: z.string().trim().min(1, 'is required').max(60) });

const titles: Record<WebAuthnKind, string> = { security_key: 'Add a security key', biometric: 'Use your fingerprint or face' };

/** Registering security keys and biometrics, and naming any factor. The ceremonies run in webauthn.js. */
export function webauthnPages(
  app: FastifyInstance,
  { config, deps, render, renderAccount }: PageScope & { renderAccount: AccountRenderer },
) {
  const guard = { preHandler: requireSignedInPage };
  const fresh = { preHandler: requireFreshSecondFactorPage({ deps }) };

  const renderAddKey = (
    request: FastifyRequest,
    reply: FastifyReply,
    kind: WebAuthnKind,
    failure?: { status: number; message: string },
  ) =>
    render(
      request,
      reply,
      titles[kind],
      (csrfToken) =>
        addKeyView({
          csrfToken,
          kind,
          passkeys: config.webauthn.passkeys,
          label: typedField(request.body, 'label') || undefined,
          error: failure?.message,
        }),
      failure?.status,
    );

  app.get('/account/security-key', fresh, (request, reply) => renderAddKey(request, reply, 'security_key'));
  app.get('/account/biometric', fresh, (request, reply) => renderAddKey(request, reply, 'biometric'));

  app.post('/account/webauthn', guard, async (request, reply) => {
    const kind = kinds.safeParse((request.body as { kind?: unknown } | undefined)?.kind).data ?? 'security_key';
    try {
      const input = finishForm.parse(request.body);
      if (!input.credential) {
        throw new TesseraError(
          'ERR_INVALID_INPUT',
          'Your browser did not send an answer from the key. Turn on JavaScript and try again.',
        );
      }
      const { recoveryCodes } = await confirmWebAuthnEnrollment(deps, {
        user: request.auth!.user,
        response: parseKeyAnswer(input.credential, webauthnRegistration),
        label: input.label,
        ...originOf(request),
      });
      return showEnrolled(config, render, request, reply, recoveryCodes, kind === 'biometric' ? 'biometric-added' : 'key-added');
    } catch (error) {
      return renderAddKey(request, reply, kind, formFailure(error));
    }
  });

  app.post('/account/factors/:factorId/rename', guard, async (request, reply) => {
    try {
      const { label } = renameForm.parse(request.body);
      const factorId = (request.params as { factorId: string }).factorId;
      await renameFactor(deps, { user: request.auth!.user, factorId, label, ...originOf(request) });
      return reply.redirect('/account?done=renamed', 303);
    } catch (error) {
      return renderAccount(request, reply, formFailure(error));
    }
  });
}
