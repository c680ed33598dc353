import type { JWK } from 'jose';
import { createSealedSigningKey, openSigningKey, type SigningKeyStore } from '../crypto/sealed-signing-keys.js';

/**
 * The provider's ID token keys (RS256, which OpenID Connect requires every provider to offer),
 * private halves sealed under the server keys; the first start makes one. Newest first.
 */
export async function oidcSigningKeys(store: SigningKeyStore): Promise<JWK[]> {
  if ((await store.keys.list('oidc')).length === 0) await createSealedSigningKey(store, 'oidc', 'RS256');
  return (await store.keys.list('oidc')).map((key) => openSigningKey(store, key));
}
