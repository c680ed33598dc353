import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { securityOverview } from '../../core/flows/manage-factors.js';
import { confirmPhoneFactor, startPhoneFactor } from '../../core/flows/phone-codes.js';
import { otpCode } from '../api/schemas.js';
import { requireSignedInPage } from '../authentication.js';
import { showEnrolled } from './enrolled-page.js';
import { formFailure, type PageScope, typedField } from './page-kit.js';
import { addPhoneView, confirmPhoneView } from './phone-views.js';
import { optionalProofFromForm, proofFields } from './proof-field.js';
import { originOf } from '../sign-in-response.js';

const startForm = z.object({
  number: z.string().trim().min(1, 'is required').max(32),
  channel: z.enum(['sms', 'voice']).default('sms'),
  password: z.string().max(4096).optional(),
  ...proofFields,
});
const confirmForm = z.object({ code: otpCode });

/** Adding a phone number for texted or called codes. */
export function phonePages(app: FastifyInstance, { config, deps, render }: PageScope) {
  const guard = { preHandler: requireSignedInPage };
  const title = 'Phone number';
  const countries = config.phone.countries;

  app.get('/account/phone', guard, async (request, reply) => {
    const { mfaEnabled, hasKey } = await securityOverview(deps, request.auth!.user);
    return render(request, reply, title, (csrfToken) => addPhoneView({ csrfToken, mfaEnabled, hasKey, countries }));
  });

  app.post('/account/phone', guard, async (request, reply) => {
    const { user } = request.auth!;
    try {
      const input = startForm.parse(request.body);
      const sent = await startPhoneFactor(deps, {
        user,
        number: input.number,
        channel: input.channel,
        password: input.password,
        proof: optionalProofFromForm(input),
        ...originOf(request),
      });
      return render(request, reply, title, (csrfToken) =>
        confirmPhoneView({ csrfToken, sentTo: sent.sentTo, digits: config.emailCodes.digits }),
      );
    } catch (error) {
      const { status, message } = formFailure(error);
      const { mfaEnabled, hasKey } = await securityOverview(deps, user);
      const number = typedField(request.body, 'number');
      return render(
        request,
        reply,
        title,
        (csrfToken) => addPhoneView({ csrfToken, mfaEnabled, hasKey, countries, number, error: message }),
        status,
      );
    }
  });

  app.post('/account/phone/confirm', guard, async (request, reply) => {
    const { user } = request.auth!;
    try {
      const { code } = confirmForm.parse(request.body);
      const { recoveryCodes } = await confirmPhoneFactor(deps, { user, code, ...originOf(request) });
      return showEnrolled(config, render, request, reply, recoveryCodes, 'phone-added');
    } catch (error) {
      const { status, message } = formFailure(error);
      const view = (csrfToken: string) =>
        confirmPhoneView({ csrfToken, sentTo: 'your phone', digits: config.emailCodes.digits, error: message });
      return render(request, reply, title, view, status);
    }
  });
}
