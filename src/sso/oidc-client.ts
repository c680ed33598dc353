import * as client from 'openid-client';
import type { SsoProvider, TesseraConfig } from '../config.js';
import { TesseraError } from '../core/errors.js';
import type { ProviderClaims } from '../core/flows/sso-sign-in.js';

/** What the browser carries between leaving for the provider and coming back, sealed. */
export interface SsoAttempt {
  provider: string;
  state: string;
  nonce: string;
  verifier: string;
}

export interface OidcClients {
  /** Where to send the browser, and what to keep for its return. */
  start(provider: SsoProvider): Promise<{ url: URL; attempt: SsoAttempt }>;
  /** Redeems the code the browser came back with and checks the ID token; the person's claims. */
  finish(provider: SsoProvider, callbackUrl: URL, attempt: SsoAttempt): Promise<ProviderClaims>;
}

/**
 * The authorization code flow with PKCE, state and nonce against upstream providers, with
 * openid-client; each provider's metadata is discovered once. Plain-http issuers are accepted
 * outside production only, for providers on a developer's machine.
 */
export function createOidcClients(config: TesseraConfig): OidcClients {
  const configurations = new Map<string, Promise<client.Configuration>>();
  const configurationOf = (provider: SsoProvider) => {
    const cached = configurations.get(provider.id);
    if (cached) return cached;
    const insecure = config.mode !== 'production' && provider.issuer.startsWith('http://');
    const discovered = client
      .discovery(
        new URL(provider.issuer),
        provider.clientId,
        provider.clientSecret,
        client.ClientSecretBasic(provider.clientSecret),
        {
          execute: insecure ? [client.allowInsecureRequests] : [],
        },
      )
      .catch((error: unknown) => {
        configurations.delete(provider.id);
        throw error;
      });
    configurations.set(provider.id, discovered);
    return discovered;
  };
  const redirectUri = (provider: SsoProvider) => new URL(`/sign-in/sso/${provider.id}/callback`, config.server.publicUrl).href;
  const failed = (provider: SsoProvider) =>
    new TesseraError('ERR_SSO_FAILED', `Signing in with ${provider.name} did not work. Try again, or sign in another way.`);

  return {
    async start(provider) {
      const configuration = await configurationOf(provider).catch(() => Promise.reject(failed(provider)));
      const attempt = {
        provider: provider.id,
        state: client.randomState(),
        nonce: client.randomNonce(),
        verifier: client.randomPKCECodeVerifier(),
      };
      const url = client.buildAuthorizationUrl(configuration, {
        redirect_uri: redirectUri(provider),
        scope: provider.scopes,
        code_challenge: await client.calculatePKCECodeChallenge(attempt.verifier),
        code_challenge_method: 'S256',
        state: attempt.state,
        nonce: attempt.nonce,
      });
      return { url, attempt };
    },

    async finish(provider, callbackUrl, attempt) {
      try {
        const configuration = await configurationOf(provider);
        const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
          pkceCodeVerifier: attempt.verifier,
          expectedState: attempt.state,
          expectedNonce: attempt.nonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims()!;
        // Many providers put the address only in the UserInfo answer, for the same subject.
        const profile =
          typeof claims.email === 'string' ? claims : await client.fetchUserInfo(configuration, tokens.access_token, claims.sub);
        return {
          sub: claims.sub,
          ...(typeof profile.email === 'string' ? { email: profile.email } : {}),
          emailVerified: profile.email_verified === true,
          amr: Array.isArray(claims.amr) ? claims.amr.filter((value): value is string => typeof value === 'string') : [],
        };
      } catch {
        throw failed(provider);
      }
    },
  };
}
