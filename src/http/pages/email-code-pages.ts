import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { maskEmail } from '../../core/factors/oob-code.js';
import { confirmEmailFactor, startEmailFactor } from '../../core/flows/email-codes.js';
import { email, otpCode, password } from '../api/schemas.js';
import { requireSignedInPage } from '../authentication.js';
import { requireFreshSecondFactorPage } from './confirm-pages.js';
import { showEnrolled } from './enrolled-page.js';
import { emailCodesConfirmView, emailCodesIntroView } from './email-code-views.js';
import { formFailure, type PageScope, typedField } from './page-kit.js';
import { originOf } from '../sign-in-response.js';

const startForm = z.object({
  address: z.union([z.literal(''), email]).optional(),
  password,
  consent: z.literal('on', 'tick the box to agree'),
});
const confirmForm = z.object({ code: otpCode });

/** Turning on email codes for the account's address. */
export function emailCodePages(app: FastifyInstance, { config, deps, render }: PageScope) {
  const guard = { preHandler: requireSignedInPage };
  const fresh = { preHandler: requireFreshSecondFactorPage({ deps }) };
  const title = 'Email codes';

  app.get('/account/email-codes', fresh, async (request, reply) =>
    render(request, reply, title, (csrfToken) =>
      emailCodesIntroView({ csrfToken, emailTo: maskEmail(request.auth!.user.email) }),
    ),
  );

  app.post('/account/email-codes', guard, async (request, reply) => {
    const { user, session } = request.auth!;
    try {
      const { password: given, address } = startForm.parse(request.body);
      const sent = await startEmailFactor(deps, {
        user,
        session,
        password: given,
        address: address || undefined,
        ...originOf(request),
      });
      return render(request, reply, title, (csrfToken) =>
        emailCodesConfirmView({ csrfToken, sentTo: sent.sentTo, digits: config.emailCodes.digits }),
      );
    } catch (error) {
      const { status, message } = formFailure(error);
      const address = typedField(request.body, 'address');
      const view = (csrfToken: string) =>
        emailCodesIntroView({ csrfToken, emailTo: maskEmail(user.email), address, error: message });
      return render(request, reply, title, view, status);
    }
  });

  app.post('/account/email-codes/confirm', guard, async (request, reply) => {
    const { user } = request.auth!;
    try {
      const { code } = confirmForm.parse(request.body);
      const { recoveryCodes } = await confirmEmailFactor(deps, { user, code, ...originOf(request) });
      return showEnrolled(config, render, request, reply, recoveryCodes, 'email-on');
    } catch (error) {
      const { status, message } = formFailure(error);
      const view = (csrfToken: string) =>
        emailCodesConfirmView({ csrfToken, sentTo: 'your address', digits: config.emailCodes.digits, error: message });
      return render(request, reply, title, view, status);
    }
  });
}
