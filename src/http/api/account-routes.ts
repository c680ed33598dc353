import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TesseraConfig } from '../../config.js';
import type { CoreDeps } from '../../core/deps.js';
import type { SignedIn } from '../../core/flows/complete-sign-in.js';
import { changePassword } from '../../core/flows/change-password.js';
import { signOut } from '../../core/flows/session.js';
import { signInWithPassword } from '../../core/flows/sign-in.js';
import { signUp } from '../../core/flows/sign-up.js';
import type { Session, User } from '../../core/ports.js';
import { requireAuth } from '../authentication.js';
import { clearSessionCookie, setSessionCookie } from '../session-cookie.js';
import { credentials, errorView, password, sessionView, userView } from './schemas.js';

const signedInView = z.object({ user: userView, session: sessionView });

export function toSignedInView(user: User, session: Session): z.infer<typeof signedInView> {
  return {
    user: { id: user.id, email: user.email },
    session: { aal: session.aal, amr: session.amr, authTime: session.authTime, expiresAt: session.expiresAt },
  };
}

/** JSON account routes under /api/v1: the same flows the pages call. */
export const accountRoutes: FastifyPluginAsyncZod<{ config: TesseraConfig; deps: CoreDeps }> = async (app, { config, deps }) => {
  const startSession = (signedIn: SignedIn, reply: Parameters<typeof setSessionCookie>[1]) => {
    setSessionCookie(config, reply, signedIn.token);
    return toSignedInView(signedIn.user, signedIn.session);
  };

  app.post(
    '/sign-up',
    {
      schema: {
        summary: 'Create an account and sign in',
        tags: ['account'],
        body: credentials,
        response: { 201: signedInView, 400: errorView, 409: errorView, 429: errorView },
      },
    },
    async (request, reply) => {
      const signedIn = await signUp(deps, { ...request.body, ip: request.ip });
      return reply.status(201).send(startSession(signedIn, reply));
    },
  );

  app.post(
    '/sign-in',
    {
      schema: {
        summary: 'Sign in with email and password',
        tags: ['account'],
        body: credentials,
        response: { 200: signedInView, 400: errorView, 401: errorView, 429: errorView },
      },
    },
    async (request, reply) => startSession(await signInWithPassword(deps, { ...request.body, ip: request.ip }), reply),
  );

  app.post(
    '/sign-out',
    { schema: { summary: 'End the current session', tags: ['account'], response: { 204: z.null(), 401: errorView } } },
    async (request, reply) => {
      const { session } = requireAuth(request);
      await signOut(deps, session, request.ip);
      clearSessionCookie(config, reply);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/me',
    { schema: { summary: 'The signed-in person and their session', tags: ['account'], response: { 200: signedInView, 401: errorView } } },
    async (request) => {
      const { user, session } = requireAuth(request);
      return toSignedInView(user, session);
    },
  );

  app.post(
    '/password',
    {
      schema: {
        summary: 'Change the password',
        tags: ['account'],
        body: z.object({
          currentPassword: password,
          newPassword: password,
          endOtherSessions: z.boolean().default(true),
        }),
        response: { 200: z.object({ endedSessions: z.number().int() }), 400: errorView, 401: errorView, 429: errorView },
      },
    },
    async (request) => {
      const { user, session } = requireAuth(request);
      return changePassword(deps, { user, session, ...request.body, ip: request.ip });
    },
  );
};
