import type { FastifyReply, FastifyRequest } from 'fastify';
import { clearCookie } from '../cookies.js';
import { signInView } from './account-views.js';
import type { PageScope } from './page-kit.js';

/** After a change that ended the session: the cookie goes, and the sign-in page says what happened. */
export function signedOutPage(
  { config, render }: Pick<PageScope, 'config' | 'render'>,
  request: FastifyRequest,
  reply: FastifyReply,
  notice: string,
) {
  clearCookie(config, reply, 'session');
  return render(request, reply, 'Sign in', (csrfToken) =>
    signInView({ csrfToken, passkeys: config.webauthn.passkeys, magicLinks: config.magicLinks.enabled, notice }),
  );
}
