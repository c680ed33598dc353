import type { ApiScope } from '../api-scopes.js';
import { constantTimeEqual } from '../constant-time.js';
import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import { apiKeySecretHashInput } from './api-keys.js';
import { rehashIfOld } from './rehash.js';

/** A key's use is written at most this often, so a busy app does not write on every call. */
const touchIntervalMs = 60_000;

const unauthenticated = () =>
  new TesseraError('ERR_UNAUTHENTICATED', 'A valid API key is required: Authorization: Bearer id.secret.');

/**
 * The API key of an `Authorization: Bearer id.secret` header, if it may call a route of
 * `scope`: a key of `hostApi.keys` in the configuration holds every scope (and is found before
 * a stored key of the same id), a stored key only its own and only until it is revoked. Secrets
 * are compared in constant time; a missing, unknown, wrong or revoked key is ERR_UNAUTHENTICATED,
 * a key without the scope ERR_SCOPE_REQUIRED, both before anything else happens.
 */
export async function authenticateApiKey(
  deps: CoreDeps,
  header: string | undefined,
  scope: ApiScope,
): Promise<{ id: string; name: string }> {
  const [scheme, credential = ''] = (header ?? '').split(' ');
  const separator = credential.indexOf('.');
  if (scheme !== 'Bearer' || separator < 1) throw unauthenticated();
  const id = credential.slice(0, separator);
  const secret = credential.slice(separator + 1);

  const configured = deps.settings.hostApi.keys.find((key) => key.id === id);
  if (configured) {
    if (!constantTimeEqual(configured.secret, secret)) throw unauthenticated();
    return { id, name: id };
  }

  const key = await deps.store.apiKeys.findActive(id);
  const hashInput = apiKeySecretHashInput(id, secret);
  // Every candidate is compared, so the time does not say which server key made the hash.
  const matched = key && deps.keyedHash.candidates(hashInput).map((hash) => constantTimeEqual(hash, key.secretHash));
  if (!key || !matched?.includes(true)) throw unauthenticated();
  if (!key.scopes.includes(scope)) {
    throw new TesseraError(
      'ERR_SCOPE_REQUIRED',
      `This API key does not have the scope ${scope}: create a key with it (admin console or tessera api-key create).`,
    );
  }
  const now = deps.clock.now();
  if (key.lastUsedAt === null || now - key.lastUsedAt >= touchIntervalMs) await deps.store.apiKeys.touch(key.id, now);
  await rehashIfOld(deps, hashInput, { id: key.id, tokenHash: key.secretHash }, deps.store.apiKeys);
  return { id: key.id, name: key.name };
}
