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

/** A registered application as listed: when it was added, unless it was registered before that was kept. */
export interface ListedClient extends RegisteredClient {
  addedAt: number | null;
}

/** The ids of the configured clients (`oidc.clients`): the provider serves those before any registered under the same id. */
export interface ConfiguredIds {
  configuredIds?: readonly string[];
}

const fromConfiguration = (clientId: string) =>
  new TesseraError('ERR_INVALID_INPUT', `${clientId} comes from the configuration (oidc.clients): change it there.`);

/**
 * Registers an application with the OpenID Connect provider, or replaces its registration
 * (unless `onlyNew`). A confidential client gets a new secret, returned this once and kept
 * sealed under the server keys; redirect URIs must be https, or http on a loopback address
 * outside production. A configured client's id is refused: its registration would never be served.
 */
export async function registerOidcClient(
  deps: CoreDeps,
  input: RegisteredClient & ConfiguredIds & { production: boolean; onlyNew?: boolean },
): Promise<{ clientSecret?: string }> {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(input.clientId)) {
    throw new TesseraError('ERR_INVALID_INPUT', 'A client id is 1-64 letters, digits, ., _ or -.');
  }
  if (input.configuredIds?.includes(input.clientId)) throw fromConfiguration(input.clientId);
  if (input.redirectUris.length === 0) throw new TesseraError('ERR_INVALID_INPUT', 'Give at least one redirect URI.');
  for (const uri of input.redirectUris) assertRedirectUri(uri, input.production);
  if (input.onlyNew && (await deps.store.oidcPayloads.find(clientModel, input.clientId, deps.clock.now()))) {
    throw new TesseraError(
      'ERR_INVALID_INPUT',
      `There is already a client ${input.clientId}: remove it first, or choose another id.`,
    );
  }
  const clientSecret = input.confidential ? deps.random.bytes(32).toString('base64url') : undefined;
  const metadata = {
    client_id: input.clientId,
    client_id_issued_at: Math.floor(deps.clock.now() / 1000),
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

/** The registered applications, by id, with when each was added. */
export async function listOidcClientsWithDates(deps: CoreDeps): Promise<ListedClient[]> {
  return (await deps.store.oidcPayloads.list(clientModel, deps.clock.now())).map(({ id, payload }) => {
    const metadata = JSON.parse(payload) as {
      redirect_uris: string[];
      token_endpoint_auth_method: string;
      client_id_issued_at?: number;
    };
    return {
      clientId: id,
      redirectUris: metadata.redirect_uris,
      confidential: metadata.token_endpoint_auth_method !== 'none',
      addedAt: metadata.client_id_issued_at === undefined ? null : metadata.client_id_issued_at * 1000,
    };
  });
}

/** The registered applications, by id. */
export async function listOidcClients(deps: CoreDeps): Promise<RegisteredClient[]> {
  return (await listOidcClientsWithDates(deps)).map(({ clientId, redirectUris, confidential }) => ({
    clientId,
    redirectUris,
    confidential,
  }));
}

/** The provider's records that hold what a client was given; each payload names its client. */
const heldModels = ['AuthorizationCode', 'AccessToken', 'Grant'];

/**
 * Removes an application: its next request is refused as an unknown client, and its grants,
 * codes and tokens are forgotten, so registering the id again does not bring them back.
 */
export async function removeOidcClient(deps: CoreDeps, clientId: string, { configuredIds }: ConfiguredIds = {}): Promise<void> {
  if (configuredIds?.includes(clientId)) throw fromConfiguration(clientId);
  const now = deps.clock.now();
  if (!(await deps.store.oidcPayloads.find(clientModel, clientId, now))) {
    throw new TesseraError('ERR_NOT_FOUND', `There is no client ${clientId}.`);
  }
  await deps.store.oidcPayloads.destroy(clientModel, clientId);
  for (const model of heldModels) {
    for (const { id, payload } of await deps.store.oidcPayloads.list(model, now)) {
      if ((JSON.parse(payload) as { clientId?: unknown }).clientId === clientId) await deps.store.oidcPayloads.destroy(model, id);
    }
  }
}
