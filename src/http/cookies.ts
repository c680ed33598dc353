import type { FastifyReply, FastifyRequest } from 'fastify';
import { servedOverHttps, type TesseraConfig } from '../config.js';

/**
 * `session` holds a signed-in session; `pending` holds a sign-in waiting for its second factor;
 * `device` holds a trusted device's token, which outlives sessions for its days; `link` holds the
 * nonce that binds an emailed sign-in link to the browser that asked for it; `sso` holds the sealed
 * state, nonce and PKCE verifier of a sign-in at an upstream provider; `browser` holds the device
 * cookie by which adaptive sign-in recognises a device that signed in before; `return` holds the
 * page a signed-out browser asked for, to go back to once signed in; `prompt` holds the token of
 * an app's MFA-only prompt in progress.
 * Served over https (a public URL starting https://, as production requires, also behind a
 * TLS-terminating proxy) they use the `__Host-` prefix: Secure, Path=/, no Domain, so the browser
 * refuses them from any other origin or over http. On http://localhost Secure cookies cannot be
 * relied on in every browser, so they have plain names: `tessera_session`, `tessera_pending`.
 */
export type CookieKind = 'session' | 'pending' | 'device' | 'link' | 'sso' | 'browser' | 'return' | 'prompt';

export function cookieName(config: TesseraConfig, kind: CookieKind): string {
  return `${servedOverHttps(config) ? '__Host-' : ''}tessera_${kind}`;
}

const attributes = (config: TesseraConfig) =>
  ({ path: '/', httpOnly: true, sameSite: 'lax', secure: servedOverHttps(config) }) as const;

export function setCookie(
  config: TesseraConfig,
  reply: FastifyReply,
  kind: CookieKind,
  token: string,
  maxAgeSeconds?: number,
): void {
  reply.setCookie(cookieName(config, kind), token, {
    ...attributes(config),
    ...(maxAgeSeconds ? { maxAge: maxAgeSeconds } : {}),
  });
}

export function clearCookie(config: TesseraConfig, reply: FastifyReply, kind: CookieKind): void {
  reply.clearCookie(cookieName(config, kind), attributes(config));
}

export function readCookie(config: TesseraConfig, request: FastifyRequest, kind: CookieKind): string | undefined {
  return request.cookies[cookieName(config, kind)];
}
