import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TesseraConfig } from '../config.js';

/**
 * Production uses the `__Host-` prefix (Secure, Path=/, no Domain: the browser refuses it from
 * any other origin or over http). Development on http://localhost cannot set a Secure cookie in
 * every browser, so it uses the plain name `tessera_session`.
 */
export function sessionCookieName(config: TesseraConfig): string {
  return config.mode === 'production' ? '__Host-tessera_session' : 'tessera_session';
}

export function setSessionCookie(config: TesseraConfig, reply: FastifyReply, token: string): void {
  reply.setCookie(sessionCookieName(config), token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: config.mode === 'production',
  });
}

export function clearSessionCookie(config: TesseraConfig, reply: FastifyReply): void {
  reply.clearCookie(sessionCookieName(config), { path: '/', httpOnly: true, sameSite: 'lax', secure: config.mode === 'production' });
}

export function readSessionToken(config: TesseraConfig, request: FastifyRequest): string | undefined {
  return request.cookies[sessionCookieName(config)];
}
