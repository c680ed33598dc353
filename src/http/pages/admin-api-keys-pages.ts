import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { createApiKey, type KeyManager, listApiKeys, revokeApiKey } from '../../core/flows/api-keys.js';
import type { AsAdmin } from './admin-pages.js';
import { type ApiKeysState, apiKeysView } from './admin-api-keys-views.js';
import { instanceAdminPage } from './admin-instance-page.js';
import { type PageScope, typedField } from './page-kit.js';

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

  const { change } = instanceAdminPage(app, asAdmin, { path: '/admin/api-keys', show });

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
