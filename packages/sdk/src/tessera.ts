import { createHash } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { tesseraAddress } from './address.js';
import { acrValues, meetsAcr } from './assurance.js';

/** How the app reaches Tessera and who it is there. */
export interface TesseraOptions {
  /** Tessera's `server.publicUrl`, e.g. `https://auth.example.com`; its OpenID Connect issuer is this with `/oidc`. */
  url: string;
  /** The app's OpenID Connect client id, as registered at Tessera. */
  clientId: string;
  /** The client secret of a confidential client; none for a public client (PKCE alone). Default: none. */
  clientSecret?: string;
  /** Where Tessera sends the browser back after sign-in; one of the client's registered redirect URIs. */
  redirectUri: string;
  /** A host API key (`id.secret`), needed to redeem single-use grants. Default: none. */
  hostApiKey?: string;
  /** Allows an `http:` Tessera URL, for development on loopback only. Default: false. */
  allowHttp?: boolean;
}

/** What the app keeps (in its own session) between sending the browser to Tessera and its return. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  acrValues?: string[];
  maxAge?: number;
}

/** Who signed in, and how, from a verified ID token. */
export interface Identity {
  /** Tessera's id of the person. */
  sub: string;
  email?: string;
  /** The level the sign-in reached (see `acrValues`). */
  acr: string;
  /** The methods used, RFC 8176 values where one exists, with `mfa` for two factors. */
  amr: string[];
  /** When the person signed in at Tessera, in seconds since the epoch. */
  authTime: number;
  /** When the ID token expires, in seconds since the epoch. */
  expiresAt: number;
  /** The ID token itself, to keep in the app's session and verify again with `verifyIdToken`. */
  idToken: string;
}

/** A verified step-up grant: Tessera's yes to one action, bound to its details. */
export interface Grant {
  sub: string;
  sid: string;
  act: string;
  dh: string | null;
  amr: string[];
  su: boolean;
  jti: string;
  exp: number;
}

/** A grant that does not approve what the app is about to do, or a sign-in that did not go as asked. */
export class TesseraRefused extends Error {
  override name = 'TesseraRefused';
}

/** The SHA-256 (hex) of an action's details, NFC-normalised and trimmed, as Tessera binds grants to them. */
export const detailsHash = (details: string) =>
  createHash('sha256').update(details.normalize('NFC').trim(), 'utf8').digest('hex');

/**
 * A host app's connection to Tessera: sign-in over OpenID Connect (code flow with PKCE and a
 * nonce), ID tokens verified against the provider's JWKS, and step-up grants checked against
 * Tessera's grant keys and redeemed once when single use.
 */
export function createTessera(options: TesseraOptions) {
  const { base, grantKeys } = tesseraAddress(options.url, options.allowHttp);
  const issuer = new URL(`${base}/oidc`);
  let discovered: Promise<oidc.Configuration> | undefined;
  const configuration = () => {
    discovered ??= oidc
      .discovery(
        issuer,
        options.clientId,
        options.clientSecret,
        options.clientSecret ? undefined : oidc.None(),
        options.allowHttp ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((error: unknown) => ((discovered = undefined), Promise.reject(error)));
    return discovered;
  };
  const idTokenKeys = createRemoteJWKSet(new URL(`${issuer.href}/jwks`));

  /** Who an ID token names, once its signature, issuer, audience and expiry check out. */
  async function verifyIdToken(idToken: string): Promise<Identity> {
    const { payload } = await jwtVerify(idToken, idTokenKeys, {
      issuer: issuer.href,
      audience: options.clientId,
      algorithms: ['RS256'],
    }).catch(() =>
      Promise.reject(new TesseraRefused('The ID token is not valid: it was altered, has expired or is not for this app.')),
    );
    return {
      sub: payload.sub!,
      ...(typeof payload.email === 'string' ? { email: payload.email } : {}),
      acr: typeof payload.acr === 'string' ? payload.acr : acrValues.singleFactor,
      amr: Array.isArray(payload.amr) ? payload.amr.map(String) : [],
      authTime: Number(payload.auth_time),
      expiresAt: payload.exp!,
      idToken,
    };
  }

  return {
    issuer: issuer.href,

    /**
     * Where to send the browser to sign in, and what to keep until it comes back. `acrValues`
     * asks for a level (Tessera raises the session to it or refuses), `maxAge` for a sign-in at
     * most that many seconds old (0: sign in again), as in RFC 9470.
     */
    async startSignIn(request: { acrValues?: string[]; maxAge?: number; loginHint?: string } = {}) {
      const pending: PendingSignIn = {
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        codeVerifier: oidc.randomPKCECodeVerifier(),
        ...(request.acrValues?.length ? { acrValues: request.acrValues } : {}),
        ...(request.maxAge !== undefined ? { maxAge: request.maxAge } : {}),
      };
      const url = oidc.buildAuthorizationUrl(await configuration(), {
        redirect_uri: options.redirectUri,
        scope: 'openid email',
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
        ...(pending.acrValues ? { acr_values: pending.acrValues.join(' ') } : {}),
        ...(pending.maxAge !== undefined ? { max_age: String(pending.maxAge) } : {}),
        ...(request.loginHint ? { login_hint: request.loginHint } : {}),
      });
      return { url: url.href, pending };
    },

    /**
     * The browser's return to `redirectUri`: exchanges the code and checks that the sign-in is
     * what was asked for — the level in `acrValues`, no older than `maxAge`.
     */
    async finishSignIn(callbackUrl: string | URL, pending: PendingSignIn): Promise<Identity> {
      const tokens = await oidc.authorizationCodeGrant(await configuration(), new URL(callbackUrl), {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
        ...(pending.maxAge !== undefined ? { maxAge: pending.maxAge } : {}),
      });
      const identity = await verifyIdToken(tokens.id_token!);
      if (pending.acrValues && !meetsAcr(identity.acr, pending.acrValues)) {
        throw new TesseraRefused(`The sign-in reached ${identity.acr}, not ${pending.acrValues.join(' or ')}.`);
      }
      return identity;
    },

    verifyIdToken,

    /** Tessera's page that asks the person to approve `action` (showing `details`) and returns to `returnTo` with `?grant=…`. */
    stepUpUrl(request: { action: string; details?: string; returnTo: string }): string {
      const url = new URL(`${base}/step-up`);
      url.searchParams.set('action', request.action);
      if (request.details) url.searchParams.set('details', request.details);
      url.searchParams.set('return_to', request.returnTo);
      return url.href;
    },

    /**
     * Checks that a grant approves exactly this: signed by Tessera, unexpired, for this person,
     * this action and these details. A single-use grant is redeemed with Tessera, so it approves once.
     */
    async verifyGrant(grant: string, expected: { sub: string; action: string; details?: string }): Promise<Grant> {
      const { payload } = await jwtVerify(grant, grantKeys, {
        issuer: base,
        typ: 'tessera-grant+jwt',
        algorithms: ['EdDSA'],
      }).catch(() => Promise.reject(new TesseraRefused('The approval is not valid: it was altered or has expired.')));
      const claims = payload as unknown as Grant;
      const boundTo = expected.details === undefined ? null : detailsHash(expected.details);
      if (claims.sub !== expected.sub || claims.act !== expected.action || claims.dh !== boundTo) {
        throw new TesseraRefused('The approval was given for something else.');
      }
      if (claims.su) await redeem(grant);
      return claims;
    },
  };

  async function redeem(grant: string) {
    if (!options.hostApiKey) throw new TypeError('A single-use grant can only be redeemed with a hostApiKey.');
    const response = await fetch(`${base}/api/v1/grants/consume`, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.hostApiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ grant }),
    });
    if (response.status === 401) throw new TypeError('Tessera refused the hostApiKey.');
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
      throw new TesseraRefused(body.error?.message ?? 'The approval was refused.');
    }
  }
}

export type Tessera = ReturnType<typeof createTessera>;
