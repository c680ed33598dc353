import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { type DetailsOf, guardsFor, type MiddlewareOptions, type TesseraContext } from './adapter.js';
import type { Need } from './guards.js';
import type { Tessera } from './tessera.js';

declare global {
  namespace Express {
    interface Request {
      /** Who signed in and how, with the approval on step-up routes; set by the Tessera guards. */
      tessera?: TesseraContext;
    }
  }
}

/**
 * Tessera's guards as Express middleware: `requireSession()`, `requireAcr(...)` and
 * `requireStepUp(action, details)`. A request let through has `req.tessera`; a refused one is
 * answered with the RFC 9470 challenge, or by `onRefusal`.
 */
export function tesseraExpress(tessera: Tessera, options: MiddlewareOptions<Request, Response> = {}) {
  const guards = guardsFor<Request, Response>(tessera, options, {
    header: (request, name) => request.get(name),
    path: (request) => request.originalUrl,
    protocol: (request) => request.protocol,
    send: (response, status, headers, body) => response.status(status).set(headers).json(body),
  });
  const middleware =
    (guard: (request: Request, response: Response) => Promise<TesseraContext | undefined>): RequestHandler =>
    (request: Request, response: Response, next: NextFunction) => {
      guard(request, response).then((context) => {
        if (!context) return;
        request.tessera = context;
        next();
      }, next);
    };
  return {
    requireSession: (need?: Need) => middleware(guards.requireSession(need)),
    requireAcr: (...acrValues: string[]) => middleware(guards.requireAcr(...acrValues)),
    requireStepUp: (action: string, details?: DetailsOf<Request>) => middleware(guards.requireStepUp(action, details)),
  };
}
