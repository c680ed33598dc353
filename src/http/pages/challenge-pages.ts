import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { TesseraConfig } from '../../config.js';
import type { CoreDeps } from '../../core/deps.js';
import { TesseraError } from '../../core/errors.js';
import { findPendingSignIn } from '../../core/flows/after-first-factor.js';
import { completeSecondFactor } from '../../core/flows/complete-second-factor.js';
import { otpCode, recoveryCode } from '../api/schemas.js';
import { clearCookie, readCookie } from '../cookies.js';
import { applySignedIn } from '../sign-in-response.js';
import { signInView } from './account-views.js';
import { challengeView } from './challenge-views.js';
import { formFailure, type Render } from './page-kit.js';

const challengeForm = z.union([z.object({ code: otpCode }), z.object({ recoveryCode })]);

/** The second step of signing in, reachable only with a live pending sign-in in this browser. */
export function challengePages(
  app: FastifyInstance,
  { config, deps, render }: { config: TesseraConfig; deps: CoreDeps; render: Render },
) {
  app.get('/sign-in/verify', async (request, reply) => {
    const token = readCookie(config, request, 'pending');
    if (!token || !(await findPendingSignIn(deps, token))) return reply.redirect('/sign-in', 303);
    const method = (request.query as { method?: string }).method === 'recovery' ? 'recovery' : 'totp';
    return render(request, reply, 'Two-step verification', (csrfToken) =>
      challengeView({ csrfToken, method, digits: config.totp.digits }),
    );
  });

  app.post('/sign-in/verify', async (request, reply) => {
    const pendingToken = readCookie(config, request, 'pending');
    if (!pendingToken) return reply.redirect('/sign-in', 303);
    const method =
      typeof (request.body as { recoveryCode?: unknown } | undefined)?.recoveryCode === 'string' ? 'recovery' : 'totp';
    try {
      const signedIn = await completeSecondFactor(deps, {
        pendingToken,
        proof: challengeForm.parse(request.body),
        ip: request.ip,
      });
      applySignedIn(config, reply, signedIn);
      return reply.redirect('/account', 303);
    } catch (error) {
      const { status, message } = formFailure(error);
      if (error instanceof TesseraError && error.code === 'ERR_SIGN_IN_EXPIRED') {
        clearCookie(config, reply, 'pending');
        return render(request, reply, 'Sign in', (csrfToken) => signInView({ csrfToken, error: message }), status);
      }
      const view = (csrfToken: string) => challengeView({ csrfToken, method, digits: config.totp.digits, error: message });
      return render(request, reply, 'Two-step verification', view, status);
    }
  });
}
