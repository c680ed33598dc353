import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AdminHandler, AsAdmin } from './admin-pages.js';
import { formFailure } from './page-kit.js';

/** What a page's changes show after them: a notice, or why they were refused and the form as typed. */
interface PageState {
  error?: string;
  typed?: unknown;
}

type Show<State> = (request: FastifyRequest, reply: FastifyReply, extra?: Partial<State>, status?: number) => Promise<unknown>;

/**
 * An admin console page that only instance administrators reach (anyone else: not found), with
 * its GET at `path`, and `change` for its forms: a change that is refused changes nothing and
 * shows the page again with why, and the form as typed. `available` (default: always) turns the
 * changes off, as while the OpenID Connect provider does not run.
 */
export function instanceAdminPage<State extends PageState>(
  app: FastifyInstance,
  asAdmin: AsAdmin,
  page: { path: string; show: Show<State>; available?: boolean },
) {
  const notFound = () => Object.assign(new Error('Page not found'), { statusCode: 404 });
  /** An instance administrator's handler; anyone else is not found. */
  const forInstance =
    (handler: AdminHandler): AdminHandler =>
    async (request, reply, context) => {
      if (!context.scope.instance) throw notFound();
      return handler(request, reply, context);
    };

  app.get(page.path, asAdmin(forInstance((request, reply) => page.show(request, reply))));

  return {
    forInstance,
    change: (
      path: string,
      act: (request: FastifyRequest) => Promise<Partial<State>>,
      refill: (body: unknown) => State['typed'] = () => undefined,
    ) =>
      app.post(
        path,
        asAdmin(
          forInstance(async (request, reply) => {
            if (page.available === false) throw notFound();
            try {
              return await page.show(request, reply, await act(request));
            } catch (error) {
              const { status, message } = formFailure(error);
              return page.show(request, reply, { error: message, typed: refill(request.body) } as Partial<State>, status);
            }
          }),
        ),
      ),
  };
}
