import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Identity, PendingSignIn, PromptResult } from '@tessera/sdk';

/** The demo's own session: who signed in (their ID token) and, on the way to Tessera, what to check on return. */
export interface DemoSession {
  identity?: Identity;
  signingIn?: PendingSignIn & { returnTo: string };
  /** Who signed in with a Kestrel password, and how Tessera's prompt says the second step went. */
  classic?: { userId: string; email: string; result: PromptResult };
  /** A message for the next page, shown once. */
  notice?: string;
}

const cookie = 'kestrel_session';

/** Sessions kept in memory under a random cookie, HttpOnly and SameSite=Lax, separate from Tessera's. */
export function createSessions(secure: boolean) {
  const sessions = new Map<string, DemoSession>();
  return {
    /** This browser's session, started if it has none. */
    of(request: FastifyRequest, reply: FastifyReply): DemoSession {
      const id = request.cookies[cookie];
      const existing = id ? sessions.get(id) : undefined;
      if (existing) return existing;
      const started: DemoSession = {};
      const newId = randomBytes(32).toString('base64url');
      sessions.set(newId, started);
      reply.setCookie(cookie, newId, { path: '/', httpOnly: true, sameSite: 'lax', secure });
      return started;
    },
    /** This browser's session, if it has one. */
    find(request: FastifyRequest): DemoSession | undefined {
      const id = request.cookies[cookie];
      return id ? sessions.get(id) : undefined;
    },
    end(request: FastifyRequest, reply: FastifyReply) {
      const id = request.cookies[cookie];
      if (id) sessions.delete(id);
      reply.clearCookie(cookie, { path: '/' });
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
