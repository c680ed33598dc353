import * as client from 'openid-client';
import { Secret, TOTP } from 'otpauth';
import { expect } from 'vitest';
import type { HttpBrowser } from './http-browser.js';
import { password } from './mfa.js';

/** A new account with an authenticator app, made over Tessera's JSON API; its secret and recovery codes. */
export async function accountWithTotp(browser: HttpBrowser, email: string) {
  expect((await browser.fetch('/api/v1/sign-up', { json: { email, password } })).status).toBe(201);
  const started = (await (await browser.fetch('/api/v1/factors/totp', { json: { password } })).json()) as {
    secret: string;
    enrollmentToken: string;
  };
  const code = TOTP.generate({ secret: Secret.fromBase32(started.secret) });
  const confirmed = await browser.fetch('/api/v1/factors/totp/confirm', {
    json: { enrollmentToken: started.enrollmentToken, code },
  });
  expect(confirmed.status).toBe(201);
  const { recoveryCodes } = (await confirmed.json()) as { recoveryCodes: string[] };
  return { secret: started.secret, recoveryCodes };
}

/** An authorization request of an app to `redirectUri`, with its PKCE verifier and state, and the app's exchange of the code. */
export async function authorizationRequest(rp: client.Configuration, redirectUri: string, extra: Record<string, string> = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(rp, {
    redirect_uri: redirectUri,
    scope: 'openid email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...extra,
  });
  const tokens = async (back: URL | Request) => {
    const granted = await client.authorizationCodeGrant(rp, back, { pkceCodeVerifier: verifier, expectedState: state });
    return { claims: granted.claims()!, accessToken: granted.access_token };
  };
  return {
    url: url.href,
    /** The app's exchange of the code the browser came back with. */
    tokens,
    /** The ID token's claims for the browser's return to the app. */
    claims: async (back: URL | Request) => (await tokens(back)).claims,
  };
}
