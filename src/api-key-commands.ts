import { parseArgs } from 'node:util';
import type { TesseraConfig } from './config.js';
import { apiScopes } from './core/api-scopes.js';
import { createApiKey, type KeyManager, listApiKeys, revokeApiKey } from './core/flows/api-keys.js';
import type { ApiKey } from './core/ports.js';
import { createServer } from './server.js';

export const apiKeyUsage = `  api-key create --name NAME --scope S [--scope S…] [--json]
                                 Create an API key for server-to-server calls; prints
                                 its token (id.secret) once. Scopes: ${apiScopes.slice(0, 3).join(', ')},
                                 ${apiScopes.slice(3).join(', ')}
  api-key list [--json]          The keys, with their scopes, last use and revocation
  api-key revoke --id ID         Revoke one; its next request is refused
`;

/** The command line acts for the operator, recorded as `cli`. */
const operator: KeyManager = { userId: null, ip: 'cli' };

const when = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

/** A key as `list` prints it, never with its hash. */
const listed = ({ secretHash: _hash, ...key }: ApiKey) => key;

/** `tessera api-key …`: the keys apps use for server-to-server calls. */
export async function runApiKeyCommand(config: TesseraConfig, args: string[], print: (text: string) => void): Promise<number> {
  const [verb = '', ...rest] = args;
  if (!['create', 'list', 'revoke'].includes(verb)) {
    print(`Unknown command: api-key ${args.join(' ')}\n\n${apiKeyUsage}`);
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      name: { type: 'string' },
      scope: { type: 'string', multiple: true },
      id: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const server = await createServer(config, { warn: () => undefined, manualSweeps: true });
  try {
    if (verb === 'create') {
      const { key, token } = await createApiKey(server.deps, {
        name: values.name ?? '',
        scopes: values.scope ?? [],
        by: operator,
      });
      if (values.json) print(`${JSON.stringify({ id: key.id, name: key.name, scopes: key.scopes, token })}\n`);
      else
        print(
          `Created ${key.name} (${key.id}) with the scopes ${key.scopes.join(', ')}.\nIts token, shown this once: ${token}\n`,
        );
      return 0;
    }
    if (verb === 'list') {
      const keys = await listApiKeys(server.deps);
      if (values.json) print(`${JSON.stringify(keys.map(listed))}\n`);
      else
        for (const key of keys) {
          const state = key.revokedAt === null ? 'active' : `revoked ${when(key.revokedAt)}`;
          print(`${key.id}\t${key.name}\t${key.scopes.join(',')}\tlast used ${when(key.lastUsedAt)}\t${state}\n`);
        }
      return 0;
    }
    const { key, alreadyRevoked } = await revokeApiKey(server.deps, { id: values.id ?? '', by: operator });
    print(alreadyRevoked ? `${key.id} was already revoked.\n` : `Revoked ${key.id} (${key.name}).\n`);
    return 0;
  } finally {
    await server.close();
  }
}
