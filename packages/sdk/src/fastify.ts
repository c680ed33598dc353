import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { type DetailsOf, guardsFor, type MiddlewareOptions, type TesseraContext } from './adapter.js';
import type { Need } from './guards.js';
import type { Tessera } from './tessera.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who signed in and how, with the approval on step-up routes; set by the Tessera guards. */
    tessera?: TesseraContext;
  }
}

const header = (request: FastifyRequest, name: string) => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * Tessera's guards as Fastify `preHandler`s: `requireSession()`, `requireAcr(...)` and
 * `requireStepUp(action, details)`. A request let through has `request.tessera`; a refused one
 * is answered with the RFC 9470 challenge, or by `onRefusal`.
 */
export function tesseraFastify(tessera: Tessera, options: MiddlewareOptions<FastifyRequest, FastifyReply> = {}) {
  const guards = guardsFor<FastifyRequest, FastifyReply>(tessera, options, {
    header,
    path: (request) => request.url,
    protocol: (request) => request.protocol,
    send: (reply, status, headers, body) => reply.status(status).headers(headers).send(body),
  });
  const preHandler =
    (guard: (request: FastifyRequest, reply: FastifyReply) => Promise<TesseraContext | undefined>): preHandlerAsyncHookHandler =>
    async (request, reply) => {
      const context = await guard(request, reply);
      if (!context) return reply;
      request.tessera = context;
    };
  return {
    requireSession: (need?: Need) => preHandler(guards.requireSession(need)),
    requireAcr: (...acrValues: string[]) => preHandler(guards.requireAcr(...acrValues)),
    requireStepUp: (action: string, details?: DetailsOf<FastifyRequest>) => preHandler(guards.requireStepUp(action, details)),
  };
}
