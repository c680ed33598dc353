import { type ApiScope, apiScopes, isApiScope } from '../api-scopes.js';
import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { ApiKey, RequestOrigin } from '../ports.js';
import { recordEvent } from './security-events.js';

/** Who manages keys: an instance administrator in the console, or the operator at the command line. */
export interface KeyManager extends RequestOrigin {
  /** The administrator's user id; null at the command line. */
  userId: string | null;
}

/** What the stored hash is made of: the id binds the secret to its key, so a hash cannot be moved to another row. */
export const apiKeySecretHashInput = (id: string, secret: string) => `api-key:${id}:${secret}`;

const maxNameLength = 60;

function checkedScopes(given: readonly string[]): ApiScope[] {
  const unknown = given.find((scope) => !isApiScope(scope));
  if (unknown !== undefined) {
    throw new TesseraError('ERR_INVALID_INPUT', `There is no scope ${JSON.stringify(unknown)}: use ${apiScopes.join(', ')}.`);
  }
  // In the list's order, each once.
  const scopes = apiScopes.filter((scope) => given.includes(scope));
  if (scopes.length === 0) throw new TesseraError('ERR_INVALID_INPUT', `Choose at least one scope: ${apiScopes.join(', ')}.`);
  return scopes;
}

/**
 * Creates an API key with the given scopes. Its token, `id.secret` with 256 random bits of
 * secret, is returned this once; only a keyed hash under the server keys is stored.
 */
export async function createApiKey(
  deps: CoreDeps,
  input: { name: string; scopes: readonly string[]; by: KeyManager },
): Promise<{ key: ApiKey; token: string }> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > maxNameLength) {
    throw new TesseraError(
      'ERR_INVALID_INPUT',
      `Give the key a name of 1-${maxNameLength} characters, such as the app that uses it.`,
    );
  }
  const scopes = checkedScopes(input.scopes);
  const id = `key_${deps.random.bytes(16).toString('base64url')}`;
  const secret = deps.random.bytes(32).toString('base64url');
  const now = deps.clock.now();
  const key: ApiKey = {
    id,
    name,
    secretHash: deps.keyedHash.hash(apiKeySecretHashInput(id, secret)),
    scopes,
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
    createdBy: input.by.userId ?? 'cli',
  };
  await deps.store.transaction(async (store) => {
    await store.apiKeys.create(key);
    await recordEvent(deps, store, {
      type: 'api_key_created',
      userId: input.by.userId,
      ip: input.by.ip,
      userAgent: input.by.userAgent,
      at: now,
      detail: { keyId: id, name, scopes },
    });
  });
  return { key, token: `${id}.${secret}` };
}

/** Every API key created in the console or the CLI, revoked ones too, newest first. */
export function listApiKeys(deps: CoreDeps): Promise<ApiKey[]> {
  return deps.store.apiKeys.list();
}

/**
 * Revokes an API key: its next request is refused. Revoking it again changes nothing and
 * records nothing; `alreadyRevoked` says so.
 */
export async function revokeApiKey(
  deps: CoreDeps,
  input: { id: string; by: KeyManager },
): Promise<{ key: ApiKey; alreadyRevoked: boolean }> {
  const key = await deps.store.apiKeys.findById(input.id);
  if (!key) throw new TesseraError('ERR_NOT_FOUND', `There is no API key ${input.id}.`);
  const now = deps.clock.now();
  return deps.store.transaction(async (store) => {
    if (!(await store.apiKeys.revoke(key.id, now))) return { key, alreadyRevoked: true };
    await recordEvent(deps, store, {
      type: 'api_key_revoked',
      userId: input.by.userId,
      ip: input.by.ip,
      userAgent: input.by.userAgent,
      at: now,
      detail: { keyId: key.id, name: key.name, scopes: key.scopes },
    });
    return { key: { ...key, revokedAt: now }, alreadyRevoked: false };
  });
}
