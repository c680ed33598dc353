import type { FastifyInstance, FastifyRequest } from 'fastify';
import { endOtherSessions } from '../../core/flows/session.js';
import { revokeTrustedDevices } from '../../core/flows/trusted-devices.js';
import { requireSignedInPage } from '../authentication.js';
import type { AccountRenderer } from './account-pages.js';
import { formFailure, type PageScope } from './page-kit.js';
import { originOf } from '../sign-in-response.js';

const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

/** Trusted devices and sessions on the security page: revoke one or all, sign one or all others out. */
export function devicePages(
  app: FastifyInstance,
  { deps, renderAccount }: Pick<PageScope, 'deps'> & { renderAccount: AccountRenderer },
) {
  const guard = { preHandler: requireSignedInPage };
  const act = (path: string, done: string, action: (request: FastifyRequest) => Promise<unknown>) =>
    app.post(path, guard, async (request, reply) => {
      try {
        await action(request);
        return reply.redirect(`/account?done=${done}`, 303);
      } catch (error) {
        return renderAccount(request, reply, formFailure(error));
      }
    });

  act('/account/devices/:id/revoke', 'device-revoked', (request) =>
    revokeTrustedDevices(deps, { user: request.auth!.user, deviceId: idOf(request), ...originOf(request) }),
  );
  act('/account/devices/revoke-all', 'devices-revoked', (request) =>
    revokeTrustedDevices(deps, { user: request.auth!.user, ...originOf(request) }),
  );
  act('/account/sessions/:id/end', 'session-ended', (request) =>
    endOtherSessions(deps, {
      user: request.auth!.user,
      current: request.auth!.session,
      sessionId: idOf(request),
      ...originOf(request),
    }),
  );
  act('/account/sessions/end-others', 'sessions-ended', (request) =>
    endOtherSessions(deps, { user: request.auth!.user, current: request.auth!.session, ...originOf(request) }),
  );
}
