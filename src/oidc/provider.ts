import Provider, { type Configuration } from 'oidc-provider';
import { servedOverHttps, type TesseraConfig } from '../config.js';
import type { CoreDeps } from '../core/deps.js';
import { acrValues } from './assurance.js';
import { interactionPath, oidcMount } from './paths.js';
import { oidcSigningKeys } from './signing-keys.js';
import { storeAdapter } from './store-adapter.js';

/**
 * Tessera as an OpenID Connect provider, on oidc-provider: the authorization code flow with
 * PKCE required, for the configured clients; its records in Tessera's store; ID tokens signed
 * RS256 with keys sealed under the server keys; its cookies signed with keys derived from them.
 */
export async function createOidcProvider(config: TesseraConfig, deps: CoreDeps): Promise<Provider> {
  const issuer = new URL(oidcMount, config.server.publicUrl).href;
  const secure = servedOverHttps(config);
  const configuration: Configuration = {
    adapter: storeAdapter(deps.store.oidcPayloads, () => deps.clock.now()),
    clients: config.oidc.clients.map((client) => ({
      client_id: client.clientId,
      ...(client.clientSecret ? { client_secret: client.clientSecret } : {}),
      redirect_uris: client.redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: client.clientSecret ? 'client_secret_basic' : 'none',
    })),
    jwks: {
      keys: await oidcSigningKeys({
        keys: deps.store.signingKeys,
        secretBox: deps.secretBox,
        random: deps.random,
        now: () => deps.clock.now(),
      }),
    },
    cookies: {
      keys: deps.keyedHash.candidates('oidc-provider cookies'),
      long: { signed: true, secure, sameSite: 'lax' },
      short: { signed: true, secure, sameSite: 'lax' },
    },
    pkce: { required: () => true },
    responseTypes: ['code'],
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => interactionPath(interaction.uid) },
    acrValues: Object.values(acrValues),
    // The ID token itself says who signed in, how and when, so an app needs no userinfo call for it.
    claims: { sid: null, openid: ['sub', 'acr', 'amr', 'auth_time'], email: ['email', 'email_verified'] },
    conformIdTokenClaims: false,
    findAccount: async (_ctx, sub) => {
      const user = await deps.store.users.findById(sub);
      return (
        user && {
          accountId: sub,
          claims: async () => ({ sub, email: user.email, email_verified: user.emailVerifiedAt !== null }),
        }
      );
    },
  };
  const provider = new Provider(issuer, configuration);
  provider.proxy = config.server.trustedProxies.length > 0;
  return provider;
}
