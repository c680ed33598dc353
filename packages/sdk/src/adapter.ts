import { type Refusal, refusalBody, wwwAuthenticate } from './challenge.js';
import { checkSession, checkStepUp, type GuardOutcome, type Need } from './guards.js';
import type { Grant, Identity, Tessera } from './tessera.js';

/** What a guarded request carries once let through. */
export interface TesseraContext {
  identity: Identity;
  /** The approval, on routes guarded by `requireStepUp`. */
  grant?: Grant;
}

/** How the middleware finds things on a framework's request and answers on its reply. */
export interface MiddlewareOptions<Request, Reply> {
  /** The request's ID token. Default: `Authorization: Bearer <token>`. */
  tokenOf?: (request: Request) => string | undefined | Promise<string | undefined>;
  /** The app's public URL, for step-up return addresses. Default: the request's own protocol and `Host`. */
  appUrl?: string;
  /** Answers a refused request. Default: its status, the RFC 9470 `WWW-Authenticate` challenge and a JSON body. */
  onRefusal?: (request: Request, reply: Reply, refusal: Refusal) => unknown;
}

/** Per framework: where a request's parts are and how to write a JSON answer. */
export interface FrameworkIo<Request, Reply> {
  header(request: Request, name: string): string | undefined;
  /** Path and query, as received. */
  path(request: Request): string;
  protocol(request: Request): string;
  send(reply: Reply, status: number, headers: Record<string, string>, body: unknown): unknown;
}

/** What the details of a step-up are, fixed or computed from the request (the amount and the account, say). */
export type DetailsOf<Request> = string | ((request: Request) => string | undefined | Promise<string | undefined>);

const bearer = (header: string | undefined) => /^Bearer ([\w.~+/-]+=*)$/i.exec(header ?? '')?.[1];

/** The three guards, for any framework: each runs a check and lets the request through or answers the refusal. */
export function guardsFor<Request, Reply>(
  tessera: Tessera,
  options: MiddlewareOptions<Request, Reply>,
  io: FrameworkIo<Request, Reply>,
) {
  const tokenOf = options.tokenOf ?? ((request: Request) => bearer(io.header(request, 'authorization')));
  const urlOf = (request: Request) =>
    new URL(io.path(request), options.appUrl ?? `${io.protocol(request)}://${io.header(request, 'host')}`);
  const refuse =
    options.onRefusal ??
    ((_request: Request, reply: Reply, refusal: Refusal) =>
      io.send(reply, refusal.status, { 'www-authenticate': wwwAuthenticate(refusal) }, refusalBody(refusal)));

  /** Runs `check`; on a refusal answers it and returns undefined, otherwise returns what the request may carry on. */
  const guarded =
    (check: (request: Request) => Promise<GuardOutcome>) =>
    async (request: Request, reply: Reply): Promise<TesseraContext | undefined> => {
      const outcome = await check(request);
      if ('refusal' in outcome) {
        await refuse(request, reply, outcome.refusal);
        return undefined;
      }
      return outcome;
    };

  return {
    /** A valid sign-in, meeting `need` if given (a level, how recent). */
    requireSession: (need: Need = {}) => guarded(async (request) => checkSession(tessera, await tokenOf(request), need)),
    /** A sign-in that reached one of these levels. */
    requireAcr: (...acrValues: string[]) =>
      guarded(async (request) => checkSession(tessera, await tokenOf(request), { acrValues })),
    /** Tessera's approval of `action` on these details, carried as `?grant=` or in the `Tessera-Grant` header. */
    requireStepUp: (action: string, details?: DetailsOf<Request>) =>
      guarded(async (request) => {
        const url = urlOf(request);
        return checkStepUp(
          tessera,
          { token: await tokenOf(request), grant: url.searchParams.get('grant') ?? io.header(request, 'tessera-grant'), url },
          action,
          typeof details === 'function' ? await details(request) : details,
        );
      }),
  };
}
