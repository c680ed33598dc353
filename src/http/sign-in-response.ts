import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TesseraConfig } from '../config.js';
import type { AfterFirstFactor } from '../core/flows/after-first-factor.js';
import type { SignedIn } from '../core/flows/complete-sign-in.js';
import type { RequestOrigin, SignInClient } from '../core/ports.js';
import { clearCookie, readCookie, setCookie } from './cookies.js';

/** The browser's pending sign-in: a token for the second step, or for a passwordless code. */
export function setPendingCookie(config: TesseraConfig, reply: FastifyReply, pendingToken: string): void {
  clearCookie(config, reply, 'session');
  setCookie(config, reply, 'pending', pendingToken, config.signIn.pendingMinutes * 60);
}

/** A year: browsers cap a cookie's life at 400 days. */
const browserCookieSeconds = 365 * 86_400;

/**
 * Puts the outcome of a first factor into the browser: a session cookie or a pending cookie,
 * and a device cookie where adaptive sign-in gave the browser its first.
 */
export function applyFirstFactorOutcome(config: TesseraConfig, reply: FastifyReply, outcome: AfterFirstFactor): void {
  if (outcome.browserToken) setCookie(config, reply, 'browser', outcome.browserToken, browserCookieSeconds);
  if (outcome.kind === 'signed_in') {
    applySignedIn(config, reply, outcome);
    return;
  }
  setPendingCookie(config, reply, outcome.pendingToken);
}

/**
 * A new session replaces whatever the browser held, including a pending sign-in; its cookie
 * lasts until the session's absolute end, so it survives a browser restart (the idle limit is
 * kept by the server). A newly trusted device gets its cookie.
 */
export function applySignedIn(
  config: TesseraConfig,
  reply: FastifyReply,
  signedIn: SignedIn & { trustedDevice?: { token: string } },
): void {
  clearCookie(config, reply, 'pending');
  setCookie(config, reply, 'session', signedIn.token, config.sessions.absoluteTimeoutHours * 3600);
  if (signedIn.trustedDevice) {
    setCookie(config, reply, 'device', signedIn.trustedDevice.token, config.trustedDevices.days * 86_400);
  }
}

/** Who is signing in from where, with what, and the browser's device cookies: what every sign-in flow is given. */
export function clientOf(config: TesseraConfig, request: FastifyRequest): SignInClient {
  return {
    ...originOf(request),
    deviceToken: readCookie(config, request, 'device'),
    browserToken: readCookie(config, request, 'browser'),
  };
}

/** Where a request came from, for the security events it leads to. */
export function originOf(request: FastifyRequest): RequestOrigin {
  return { ip: request.ip, userAgent: request.headers['user-agent'] };
}
