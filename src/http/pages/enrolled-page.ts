import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TesseraConfig } from '../../config.js';
import { recoveryCodesView } from './authenticator-views.js';
import type { Render } from './page-kit.js';

/** After an enrollment: the first factor's recovery codes, shown once, or back to the account page. */
export function showEnrolled(
  config: TesseraConfig,
  render: Render,
  request: FastifyRequest,
  reply: FastifyReply,
  recoveryCodes: string[] | null,
  done: string,
) {
  if (!recoveryCodes) return reply.redirect(`/account?done=${done}`, 303);
  return render(request, reply, 'Recovery codes', () =>
    recoveryCodesView({
      codes: recoveryCodes,
      productName: config.branding.productName,
      accountName: request.auth!.user.email,
      firstTime: true,
    }),
  );
}
