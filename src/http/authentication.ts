import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { TesseraConfig } from '../config.js';
import type { CoreDeps } from '../core/deps.js';
import { TesseraError } from '../core/errors.js';
import { resumeSession } from '../core/flows/session.js';
import type { Session, User } from '../core/ports.js';
import { readCookie } from './cookies.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in person, resolved once per request from the session cookie. */
    auth: { session: Session; user: User } | undefined;
  }
}

/**
 * What an enrollment-only session reaches: setting up a method (after the password and an
 * emailed code), confirming the address that code goes to, and signing out.
 */
const enrollmentRoutes = [
  /^\/api\/v1\/(me|sign-out|factors|factors\/(totp|email|phone|webauthn)(\/[a-z-]+)?|mfa\/setup\/[a-z-]+|email\/(verification|verify))$/,
  /^\/account(\/(authenticator|email-codes|phone|security-key|biometric|webauthn)(\/confirm)?|\/setup\/[a-z-]+|\/verify-email)?$/,
  /^\/(sign-out|verify-email|healthz|favicon\.ico|assets\/.*|dev\/outbox)$/,
];

/** Resolves the session cookie on every request; routes then declare what they need. */
export const authentication = fp<{ config: TesseraConfig; deps: CoreDeps }>(async (app, { config, deps }) => {
  app.decorateRequest('auth', undefined);
  app.addHook('onRequest', async (request, reply) => {
    const token = readCookie(config, request, 'session');
    request.auth = token ? await resumeSession(deps, token) : undefined;
    if (!request.auth?.session.enrollmentOnly) return;
    const path = request.url.split('?')[0]!;
    if (enrollmentRoutes.some((route) => route.test(path))) return;
    if (path.startsWith('/api/')) {
      throw new TesseraError('ERR_ENROLLMENT_REQUIRED', 'Set up two-step verification first: it is required for your account.');
    }
    await reply.redirect('/account', 303);
  });
});

/** The signed-in person, or an ERR_UNAUTHENTICATED for API routes. */
export function requireAuth(request: FastifyRequest): { session: Session; user: User } {
  if (!request.auth) throw new TesseraError('ERR_UNAUTHENTICATED', 'Sign in to continue.');
  return request.auth;
}

/** Page guard: sends people who are not signed in to the sign-in page. */
export async function requireSignedInPage(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (!request.auth) await reply.redirect('/sign-in', 303);
}
