import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { TesseraConfig } from '../config.js';
import type { CoreDeps } from '../core/deps.js';
import { TesseraError } from '../core/errors.js';
import { promptOnlySession } from '../core/flows/prompt.js';
import { resumeSession } from '../core/flows/session.js';
import type { Session, User } from '../core/ports.js';
import { clearCookie, readCookie, setCookie } from './cookies.js';

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
  /^\/(sign-out|verify-email|healthz|favicon\.ico|assets\/.*|dev\/outbox|prompt\/(continue|setup))$/,
];

/**
 * What an MFA-only prompt's own session reaches (`promptOnlySession`): the prompt, the step-up
 * page it sends the browser to (with the options for answering it with a key), and signing out.
 * Anywhere else the browser is not signed in.
 */
const promptRoutes =
  /^\/(prompt\/(continue|setup)|step-up(\/(send-code|verify))?|sign-out|api\/v1\/(sign-out|step-up\/webauthn-options))$/;

/** Resolves the session cookie on every request; routes then declare what they need. */
export const authentication = fp<{ config: TesseraConfig; deps: CoreDeps }>(async (app, { config, deps }) => {
  app.decorateRequest('auth', undefined);
  app.addHook('onRequest', async (request, reply) => {
    const token = readCookie(config, request, 'session');
    request.auth = token ? await resumeSession(deps, token) : undefined;
    const path = request.url.split('?')[0]!;
    if (request.auth && promptOnlySession(request.auth.session) && !promptRoutes.test(path)) request.auth = undefined;
    if (!request.auth?.session.enrollmentOnly) return;
    if (enrollmentRoutes.some((route) => route.test(path))) return;
    if (path.startsWith('/api/')) {
      throw new TesseraError('ERR_ENROLLMENT_REQUIRED', 'Set up two-step verification first: it is required for your account.');
    }
    await reply.redirect('/account', 303);
  });
  // Whichever guard sent a signed-out browser from a page to sign in, the page is remembered
  // for afterSignInPath, so the person comes back to it (the hosted step-up page, the console).
  app.addHook('onSend', async (request, reply) => {
    const toSignIn = reply.statusCode === 303 && reply.getHeader('location') === '/sign-in';
    if (toSignIn && !request.auth && request.method === 'GET' && rememberable(request.url)) {
      setCookie(config, reply, 'return', request.url, returnCookieSeconds);
    }
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

/** How long a page waits to be returned to while its visitor signs in. */
const returnCookieSeconds = 30 * 60;

/** A path on Tessera itself, other than signing in: never another origin, so never an open redirect. */
function rememberable(path: string): boolean {
  if (!path.startsWith('/') || path.startsWith('//') || path.includes('\\') || path.length > 2048) return false;
  return !/^\/(sign-in|sign-up|api\/)/.test(path) && new URL(path, 'http://tessera.invalid').origin === 'http://tessera.invalid';
}

/** Where a browser goes once signed in: the page it asked for before signing in, if any, else its security page. */
export function afterSignInPath(config: TesseraConfig, request: FastifyRequest, reply: FastifyReply): string {
  const asked = readCookie(config, request, 'return');
  if (asked === undefined) return '/account';
  clearCookie(config, reply, 'return');
  return rememberable(asked) ? asked : '/account';
}
