import * as client from 'openid-client';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveServer } from '../support/live-server.js';
import { password } from '../support/mfa.js';

const redirectUri = 'http://127.0.0.1:9/callback';
const clientSecret = 'c'.repeat(40);

/** A browser over real HTTP that follows Tessera's redirects itself, keeping its cookies, until it is sent elsewhere. */
class Browser {
  readonly jar = new Map<string, string>();
  constructor(private readonly origin: string) {}

  async fetch(url: string, init: { method?: string; form?: Record<string, string>; json?: unknown } = {}) {
    const body = init.form
      ? new URLSearchParams(init.form).toString()
      : init.json === undefined
        ? undefined
        : JSON.stringify(init.json);
    const response = await fetch(new URL(url, this.origin), {
      method: init.method ?? (body === undefined ? 'GET' : 'POST'),
      redirect: 'manual',
      headers: {
        origin: this.origin,
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
        cookie: [...this.jar].map(([name, value]) => `${name}=${value}`).join('; '),
      },
      body,
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = cookie.split(';');
      const separator = pair.indexOf('=');
      const [name, value] = [pair.slice(0, separator).trim(), pair.slice(separator + 1)];
      if (value === '' || attributes.some((attribute) => /max-age=0/i.test(attribute))) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return response;
  }

  /** Follows redirects within Tessera from `url`; answers the last response and where it stopped. */
  async follow(url: string, init: Parameters<Browser['fetch']>[1] = {}): Promise<{ response: Response; url: URL }> {
    let next = new URL(url, this.origin);
    let response = await this.fetch(next.href, init);
    while (response.status >= 300 && response.status < 400) {
      next = new URL(response.headers.get('location')!, next);
      if (next.origin !== this.origin) return { response, url: next };
      response = await this.fetch(next.href);
    }
    return { response, url: next };
  }

  /** Posts a form of the page at `page` with its CSRF token, then follows where it leads. */
  async submit(page: string, fields: Record<string, string>) {
    const html = await (await this.fetch(page)).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? page;
    return this.follow(action, { form: { _csrf: csrf ?? '', ...fields } });
  }
}

describe('Tessera as an OpenID Connect provider', () => {
  let server: Awaited<ReturnType<typeof startLiveServer>>;
  let rp: client.Configuration;
  let secret: string;

  beforeAll(async () => {
    server = await startLiveServer({ oidc: { clients: [{ clientId: 'demo', clientSecret, redirectUris: [redirectUri] }] } });
    rp = await client.discovery(new URL(`${server.url}/oidc`), 'demo', clientSecret, undefined, {
      execute: [client.allowInsecureRequests],
    });
    const ada = new Browser(server.url);
    expect((await ada.fetch('/api/v1/sign-up', { json: { email: 'ada@example.com', password } })).status).toBe(201);
    const started = (await (await ada.fetch('/api/v1/factors/totp', { json: { password } })).json()) as {
      secret: string;
      enrollmentToken: string;
    };
    secret = started.secret;
    const code = TOTP.generate({ secret: Secret.fromBase32(secret) });
    expect(
      (await ada.fetch('/api/v1/factors/totp/confirm', { json: { enrollmentToken: started.enrollmentToken, code } })).status,
    ).toBe(201);
  });
  afterAll(() => server?.close());

  it('publishes discovery with PKCE, the code flow and its acr values', () => {
    const metadata = rp.serverMetadata();
    expect(metadata.issuer).toBe(`${server.url}/oidc`);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.response_types_supported).toEqual(['code']);
    expect(metadata.acr_values_supported).toEqual(['urn:tessera:acr:sf', 'urn:tessera:acr:mfa', 'phr', 'phrh']);
    expect(metadata.id_token_signing_alg_values_supported).toContain('RS256');
  });

  it('signs a person in through Tessera’s own pages, both steps, and tells the app how: amr, acr and auth_time', async () => {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const authorization = client.buildAuthorizationUrl(rp, {
      redirect_uri: redirectUri,
      scope: 'openid email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const browser = new Browser(server.url);
    const toSignIn = await browser.follow(authorization.href);
    expect(toSignIn.url.pathname).toBe('/sign-in');
    const challenge = await browser.submit('/sign-in', { email: 'ada@example.com', password });
    expect(challenge.url.pathname).toBe('/sign-in/verify');
    const back = await browser.submit('/sign-in/verify', {
      code: TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + 30_000 }),
    });
    expect(back.url.origin + back.url.pathname).toBe(redirectUri);

    const tokens = await client.authorizationCodeGrant(rp, back.url, { pkceCodeVerifier: verifier, expectedState: state });
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ email: 'ada@example.com', acr: 'urn:tessera:acr:mfa', amr: ['pwd', 'otp', 'mfa'] });
    expect(Math.abs(Number(claims.auth_time) - Date.now() / 1000)).toBeLessThan(60);
    // The provider's records are Tessera's: the access token is a row of its store.
    expect(await server.deps.store.oidcPayloads.find('AccessToken', tokens.access_token, Date.now())).toBeDefined();
    // The code is spent once: the store records its consumption and the second exchange is refused.
    await expect(
      client.authorizationCodeGrant(rp, back.url, { pkceCodeVerifier: verifier, expectedState: state }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('keeps Tessera’s security headers on the provider’s answers, and publishes only public keys', async () => {
    const discovery = await fetch(`${server.url}/oidc/.well-known/openid-configuration`);
    expect(discovery.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(discovery.headers.get('x-content-type-options')).toBe('nosniff');
    const jwks = (await (await fetch(`${server.url}/oidc/jwks`)).json()) as { keys: { kty: string; alg: string; d?: string }[] };
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'RSA', alg: 'RS256' })]);
    expect(jwks.keys[0]!.d).toBeUndefined();
  });

  it('refuses an authorization request without PKCE', async () => {
    const authorization = client.buildAuthorizationUrl(rp, {
      redirect_uri: redirectUri,
      scope: 'openid',
      state: client.randomState(),
    });
    const { url } = await new Browser(server.url).follow(authorization.href);
    expect(url.searchParams.get('error')).toBe('invalid_request');
    expect(url.searchParams.get('error_description')).toMatch(/requires PKCE/);
  });
});
