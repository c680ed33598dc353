import { parseArgs } from 'node:util';
import type { TesseraConfig } from './config.js';
import { listOidcClients, registerOidcClient, removeOidcClient } from './core/flows/oidc-clients.js';
import { createServer } from './server.js';

export const oidcUsage = `  oidc client add --id ID --redirect-uri URL [--redirect-uri URL…]
                  [--public] [--json]
                                 Register an application with the OpenID Connect
                                 provider (oidc.enabled); prints its secret once
                                 (none with --public: PKCE alone)
  oidc client list [--json]      The registered applications
  oidc client remove --id ID     Remove one; its next request is refused
`;

/** `tessera oidc client …`: the applications that sign people in through Tessera. */
export async function runOidcCommand(config: TesseraConfig, args: string[], print: (text: string) => void): Promise<number> {
  const [noun, verb = '', ...rest] = args;
  if (noun !== 'client' || !['add', 'list', 'remove'].includes(verb)) {
    print(`Unknown command: oidc ${args.join(' ')}\n\n${oidcUsage}`);
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      id: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      public: { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  const server = await createServer(config, { warn: () => undefined, manualSweeps: true });
  try {
    if (verb === 'add') {
      const clientId = values.id ?? '';
      const { clientSecret } = await registerOidcClient(server.deps, {
        clientId,
        redirectUris: values['redirect-uri'] ?? [],
        confidential: !values.public,
        production: config.mode === 'production',
      });
      if (values.json) print(`${JSON.stringify({ clientId, ...(clientSecret ? { clientSecret } : {}) })}\n`);
      else {
        print(`Registered ${clientId} with ${config.server.publicUrl}/oidc as its issuer.\n`);
        print(clientSecret ? `Its secret, shown this once: ${clientSecret}\n` : 'A public client: it uses PKCE and no secret.\n');
      }
      return 0;
    }
    if (verb === 'list') {
      const clients = await listOidcClients(server.deps);
      if (values.json) print(`${JSON.stringify(clients)}\n`);
      else
        for (const client of clients) {
          print(`${client.clientId}\t${client.confidential ? 'confidential' : 'public'}\t${client.redirectUris.join(' ')}\n`);
        }
      return 0;
    }
    await removeOidcClient(server.deps, values.id ?? '');
    print(`Removed ${values.id ?? ''}.\n`);
    return 0;
  } finally {
    await server.close();
  }
}
