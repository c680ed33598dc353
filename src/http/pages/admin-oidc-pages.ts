import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  type ConfiguredIds,
  listOidcClientsWithDates,
  registerOidcClient,
  removeOidcClient,
} from '../../core/flows/oidc-clients.js';
import { oidcMount } from '../../oidc/paths.js';
import type { AsAdmin } from './admin-pages.js';
import { type AppsState, appsView } from './admin-oidc-views.js';
import { instanceAdminPage } from './admin-instance-page.js';
import { type PageScope, typedField } from './page-kit.js';

const addForm = z.object({
  clientId: z.string().max(64).default(''),
  redirectUris: z.string().max(8000).default(''),
  public: z.literal('on').optional(),
});
const removeForm = z.object({ clientId: z.string().max(64).default('') });

/**
 * The admin console's "Apps (OpenID Connect)" page, for instance administrators only: the
 * applications of the OpenID Connect provider, added and removed with the same flow as
 * `tessera oidc client`. The provider finds a registration in the store at each request, so a
 * change takes effect at once; the configured clients are listed but only the configuration changes them.
 */
export function adminOidcPages(app: FastifyInstance, { config, deps, render }: PageScope, asAdmin: AsAdmin) {
  // As the provider itself decides at start whether it runs.
  const on = config.oidc.enabled || config.oidc.clients.length > 0;
  const configured: ConfiguredIds = { configuredIds: config.oidc.clients.map((client) => client.clientId) };

  const show = async (request: FastifyRequest, reply: FastifyReply, extra: Partial<AppsState> = {}, status?: number) => {
    const registered = on ? await listOidcClientsWithDates(deps) : [];
    return render(
      request,
      reply,
      'Apps (OpenID Connect)',
      (csrfToken) =>
        appsView({
          csrfToken,
          issuer: on ? new URL(oidcMount, config.server.publicUrl).href : null,
          configured: config.oidc.clients.map((client) => ({
            clientId: client.clientId,
            redirectUris: client.redirectUris,
            confidential: client.clientSecret !== '',
          })),
          registered,
          ...extra,
        }),
      status,
    );
  };

  const { change } = instanceAdminPage(app, asAdmin, { path: '/admin/oidc', show, available: on });

  change(
    '/admin/oidc',
    async (request) => {
      const form = addForm.parse(request.body ?? {});
      const clientId = form.clientId.trim();
      const { clientSecret } = await registerOidcClient(deps, {
        clientId,
        redirectUris: form.redirectUris
          .split(/\r?\n/)
          .map((uri) => uri.trim())
          .filter(Boolean),
        confidential: form.public !== 'on',
        production: config.mode === 'production',
        onlyNew: true,
        ...configured,
      });
      return clientSecret
        ? { notice: `${clientId} was added.`, added: { clientId, clientSecret } }
        : { notice: `${clientId} was added: a public client, it uses PKCE and no secret.` };
    },
    (body) => ({
      clientId: typedField(body, 'clientId'),
      redirectUris: typedField(body, 'redirectUris'),
      public: typedField(body, 'public') === 'on',
    }),
  );

  change('/admin/oidc/remove', async (request) => {
    const { clientId } = removeForm.parse(request.body ?? {});
    await removeOidcClient(deps, clientId, configured);
    return { notice: `${clientId} was removed: its sign-ins and tokens no longer work.` };
  });
}
