import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';

/** The provider's record model for registered applications. */
const clientModel = 'Client';

/** What the associated data of a client's sealed secret is, so it cannot pass for another client's. */
export const clientSecretContext = (clientId: string) => `oidc-client:${clientId}`;

export interface RegisteredClient {
  clientId: string;
  redirectUris: string[];
  /** Confidential clients authenticate with a secret; public ones rely on PKCE alone. */
  confidential: boolean;
}

/**
 * Registers an application with the OpenID Connect provider, or replaces its registration.
 * A confidential client gets a new secret, returned this once and kept sealed under the
 * server keys; redirect URIs must be https, or http on a loopback address outside production.
 */
export async function registerOidcClient(
  deps: CoreDeps,
  input: RegisteredClient & { production: boolean },
): Promise<{ clientSecret?: string }> {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(input.clientId)) {
    throw new TesseraError('ERR_INVALID_INPUT', 'A client id is 1-64 letters, digits, ., _ or -.');
  }
  if (input.redirectUris.length === 0) throw new TesseraError('ERR_INVALID_INPUT', 'Give at least one redirect URI.');
  for (const uri of input.redirectUris) assertRedirectUri(uri, input.production);
  const clientSecret = input.confidential ? deps.random.bytes(32).toString('base64url') : undefined;
  const metadata = {
    client_id: input.clientId,
    redirect_uris: input.redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: clientSecret ? 'client_secret_basic' : 'none',
    ...(clientSecret ? { client_secret_sealed: deps.secretBox.seal(clientSecret, clientSecretContext(input.clientId)) } : {}),
  };
  await deps.store.oidcPayloads.upsert(clientModel, input.clientId, { payload: JSON.stringify(metadata), expiresAt: null });
  return clientSecret ? { clientSecret } : {};
}

function assertRedirectUri(uri: string, production: boolean): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new TesseraError('ERR_INVALID_INPUT', `${uri} is not a URL.`);
  }
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback && !production)) {
    throw new TesseraError(
      'ERR_INVALID_INPUT',
      `${uri}: redirect URIs must be https (http only for loopback, outside production).`,
    );
  }
  if (url.hash) throw new TesseraError('ERR_INVALID_INPUT', `${uri}: a redirect URI cannot have a fragment.`);
}

/** The registered applications, by id. */
export async function listOidcClients(deps: CoreDeps): Promise<RegisteredClient[]> {
  return (await deps.store.oidcPayloads.list(clientModel, deps.clock.now())).map(({ id, payload }) => {
    const metadata = JSON.parse(payload) as { redirect_uris: string[]; token_endpoint_auth_method: string };
    return { clientId: id, redirectUris: metadata.redirect_uris, confidential: metadata.token_endpoint_auth_method !== 'none' };
  });
}

/** Removes an application: its next request is refused as an unknown client. */
export async function removeOidcClient(deps: CoreDeps, clientId: string): Promise<void> {
  if (!(await deps.store.oidcPayloads.find(clientModel, clientId, deps.clock.now()))) {
    throw new TesseraError('ERR_NOT_FOUND', `There is no client ${clientId}.`);
  }
  await deps.store.oidcPayloads.destroy(clientModel, clientId);
}
