import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { createApiKey, type KeyManager, listApiKeys, revokeApiKey } from '../../core/flows/api-keys.js';
import type { AsAdmin } from './admin-pages.js';
import { type ApiKeysState, apiKeysView } from './admin-api-keys-views.js';
import { formFailure, type PageScope, typedField } from './page-kit.js';

const ticked = z
  .union([z.string().max(40), z.array(z.string().max(40)).max(20)])
  .optional()
  .transform((value) => (value === undefined ? [] : [value].flat()));
const createForm = z.object({ name: z.string().max(200).default(''), scope: ticked });
const revokeForm = z.object({ id: z.string().max(64).default('') });

/**
 * The admin console's "API keys" page, for instance administrators only: keys for
 * server-to-server calls, created with their scopes (the token shown once) and revoked with the
 * same flow as `tessera api-key`. The configured keys are listed but only the configuration changes them.
 */
export function adminApiKeysPages(app: FastifyInstance, { config, deps, render }: PageScope, asAdmin: AsAdmin) {
  const notFound = () => Object.assign(new Error('Page not found'), { statusCode: 404 });
  const managerOf = (request: FastifyRequest): KeyManager => ({
    userId: request.auth!.user.id,
    ip: request.ip,
    userAgent: request.headers['user-agent'],
  });

  const show = async (request: FastifyRequest, reply: FastifyReply, extra: Partial<ApiKeysState> = {}, status?: number) => {
    const keys = await listApiKeys(deps);
    const configuredIds = config.hostApi.keys.map((key) => key.id);
    return render(request, reply, 'API keys', (csrfToken) => apiKeysView({ csrfToken, configuredIds, keys, ...extra }), status);
  };

  /** A change to the keys by an instance administrator; a refusal changes nothing and shows the page again with why. */
  const change = (
    path: string,
    act: (request: FastifyRequest) => Promise<Partial<ApiKeysState>>,
    refill: (body: unknown) => ApiKeysState['typed'] = () => undefined,
  ) =>
    app.post(
      path,
      asAdmin(async (request, reply, { scope }) => {
        if (!scope.instance) throw notFound();
        try {
          return await show(request, reply, await act(request));
        } catch (error) {
          const { status, message } = formFailure(error);
          return show(request, reply, { error: message, typed: refill(request.body) }, status);
        }
      }),
    );

  app.get(
    '/admin/api-keys',
    asAdmin(async (request, reply, { scope }) => {
      if (!scope.instance) throw notFound();
      return show(request, reply);
    }),
  );

  change(
    '/admin/api-keys',
    async (request) => {
      const form = createForm.parse(request.body ?? {});
      const created = await createApiKey(deps, { name: form.name, scopes: form.scope, by: managerOf(request) });
      return { notice: `${created.key.name} was created.`, created };
    },
    (body) => ({
      name: typedField(body, 'name'),
      scopes: ticked.safeParse((body as Record<string, unknown> | undefined)?.scope).data ?? [],
    }),
  );

  change('/admin/api-keys/revoke', async (request) => {
    const { id } = revokeForm.parse(request.body ?? {});
    const { key, alreadyRevoked } = await revokeApiKey(deps, { id, by: managerOf(request) });
    return {
      notice: alreadyRevoked ? `${key.name} was already revoked.` : `${key.name} was revoked: its next request is refused.`,
    };
  });
}
