import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { TesseraError } from '../../core/errors.js';
import { securityOverview } from '../../core/flows/manage-factors.js';
import { confirmSecondFactor, mayChangeSignInMethods } from '../../core/flows/fresh-second-factor.js';
import { codeTargetsOf } from '../../core/flows/sign-in-codes.js';
import { requireSignedInPage } from '../authentication.js';
import { setCookie } from '../cookies.js';
import { confirmView } from './account-views.js';
import { formFailure, type PageScope } from './page-kit.js';
import { proofFields, proofFromForm } from './proof-field.js';
import { originOf } from '../sign-in-response.js';

/** Only pages of the security area, and an app's sign-in through the OpenID Connect provider, are places to come back to. */
const nextOf = (value: unknown) =>
  typeof value === 'string' && /^\/(account(\/[a-z-]*)?|oidc-interaction\/[\w-]{1,64})$/.test(value) ? value : '/account';
const confirmForm = z.object({ ...proofFields, next: z.string().max(100).optional() });
/** `method=key`: only a security key or passkey confirms, as when an app asks for a phishing-resistant sign-in. */
const keyOnlyOf = (value: unknown) => value === 'key';

/**
 * Page guard for re-entering setup: once two-step verification is on, adding a method needs a
 * second factor passed in this session within the fresh window, or the person confirms first.
 */
export function requireFreshSecondFactorPage({ deps }: Pick<PageScope, 'deps'>) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!request.auth) return void (await reply.redirect('/sign-in', 303));
    if (await mayChangeSignInMethods(deps, request.auth.user, request.auth.session)) return;
    await reply.redirect(`/account/confirm?next=${encodeURIComponent(request.url.split('?')[0]!)}`, 303);
  };
}

/** "Confirm it's you": a second factor inside the session, before changing how the person signs in. */
export function confirmPages(app: FastifyInstance, { config, deps, render }: PageScope) {
  const guard = { preHandler: requireSignedInPage };
  const renderConfirm = async (
    request: FastifyRequest,
    reply: FastifyReply,
    { next, keyOnly }: { next: string; keyOnly: boolean },
    failure?: { status: number; message: string },
  ) => {
    const { hasKey } = await securityOverview(deps, request.auth!.user);
    const canSendCodes = (await codeTargetsOf(deps, request.auth!.user)).length > 0;
    return render(
      request,
      reply,
      'Confirm it’s you',
      (csrfToken) => confirmView({ csrfToken, next, keyOnly, hasKey, canSendCodes, error: failure?.message }),
      failure?.status,
    );
  };

  app.get('/account/confirm', guard, (request, reply) => {
    const query = request.query as { next?: unknown; method?: unknown };
    return renderConfirm(request, reply, { next: nextOf(query.next), keyOnly: keyOnlyOf(query.method) });
  });

  app.post('/account/confirm', guard, async (request, reply) => {
    const body = request.body as { next?: unknown; method?: unknown } | undefined;
    const target = { next: nextOf(body?.next), keyOnly: keyOnlyOf(body?.method) };
    try {
      const input = confirmForm.parse(request.body);
      if (target.keyOnly && !input.webauthn) {
        throw new TesseraError(
          'ERR_METHOD_NOT_ALLOWED',
          'This app asks for your security key or passkey: a code does not do here.',
        );
      }
      const { token } = await confirmSecondFactor(deps, { ...request.auth!, proof: proofFromForm(input), ...originOf(request) });
      setCookie(config, reply, 'session', token, config.sessions.absoluteTimeoutHours * 3600);
      return reply.redirect(target.next, 303);
    } catch (error) {
      return renderConfirm(request, reply, target, formFailure(error));
    }
  });
}
