import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOidcClients, registerOidcClient, removeOidcClient } from '../../src/core/flows/oidc-clients.js';
import { HttpBrowser as Browser } from '../support/http-browser.js';
import { startLiveServer } from '../support/live-server.js';
import { password } from '../support/mfa.js';
import { accountWithTotp, authorizationRequest } from '../support/oidc.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';

const redirectUri = 'http://127.0.0.1:9/callback';
const clientSecret = 'c'.repeat(40);

/** An authorization request of the test client. */
const authorization = (rp: client.Configuration, extra: Record<string, string> = {}) =>
  authorizationRequest(rp, redirectUri, extra);

describe('Tessera as an OpenID Connect provider', () => {
  let server: Awaited<ReturnType<typeof startLiveServer>>;
  let rp: client.Configuration;
  let secret: string;
  let recoveryCodes: string[];

  /** A new account with an authenticator app, through the API; its browser stays signed in. */
  async function signUpWithTotp(email: string) {
    const browser = new Browser(server.url);
    return { browser, ...(await accountWithTotp(browser, email)) };
  }

  beforeAll(async () => {
    server = await startLiveServer({ oidc: { clients: [{ clientId: 'demo', clientSecret, redirectUris: [redirectUri] }] } });
    rp = await client.discovery(new URL(`${server.url}/oidc`), 'demo', clientSecret, undefined, {
      execute: [client.allowInsecureRequests],
    });
    ({ secret, recoveryCodes } = await signUpWithTotp('ada@example.com'));
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
    const request = await authorization(rp);
    const browser = new Browser(server.url);
    const toSignIn = await browser.follow(request.url);
    expect(toSignIn.url.pathname).toBe('/sign-in');
    const challenge = await browser.submit('/sign-in', { email: 'ada@example.com', password });
    expect(challenge.url.pathname).toBe('/sign-in/verify');
    const back = await browser.submit('/sign-in/verify', {
      code: TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + 30_000 }),
    });
    expect(back.url.origin + back.url.pathname).toBe(redirectUri);

    const { claims, accessToken } = await request.tokens(back.url);
    expect(claims).toMatchObject({ email: 'ada@example.com', acr: 'urn:tessera:acr:mfa', amr: ['pwd', 'otp', 'mfa'] });
    expect(Math.abs(Number(claims.auth_time) - Date.now() / 1000)).toBeLessThan(60);
    // The provider's records are Tessera's: the access token is a row of its store.
    expect(await server.deps.store.oidcPayloads.find('AccessToken', accessToken, Date.now())).toBeDefined();
    // The code is spent once: the store records its consumption and the second exchange is refused.
    await expect(request.tokens(back.url)).rejects.toMatchObject({ error: 'invalid_grant' });
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

  /** A recovery code not used yet: the app's codes are spent one time step at a time, and these tests do not wait. */
  const nextCode = () => recoveryCodes.shift()!;

  /** A browser signed in to Tessera with both steps, the app's first sign-in done. */
  async function signedInBrowser(trustDevice = false) {
    const browser = new Browser(server.url);
    const first = await authorization(rp);
    await browser.follow(first.url);
    await browser.submit('/sign-in', { email: 'ada@example.com', password });
    const back = await browser.submit('/sign-in/verify', {
      recoveryCode: nextCode(),
      ...(trustDevice ? { trustDevice: 'on' } : {}),
    });
    expect(back.url.origin + back.url.pathname).toBe(redirectUri);
    await first.claims(back.url);
    return browser;
  }

  it('asks again once the person signed out of Tessera, rather than answering from the provider’s own session', async () => {
    const browser = await signedInBrowser();
    const again = await authorization(rp);
    expect((await browser.follow(again.url)).url.origin + (await browser.follow(again.url)).url.pathname).toBe(redirectUri);
    await browser.fetch('/api/v1/sign-out', { json: {} });
    const afterSignOut = await authorization(rp);
    expect((await browser.follow(afterSignOut.url)).url.pathname).toBe('/sign-in');
  });

  it('signs the person in again for max_age=0, and says so in auth_time', async () => {
    const browser = await signedInBrowser();
    const before = Math.floor(Date.now() / 1000);
    const fresh = await authorization(rp, { max_age: '0' });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await browser.follow(fresh.url)).url.pathname).toBe('/sign-in');
    await browser.submit('/sign-in', { email: 'ada@example.com', password });
    const back = await browser.submit('/sign-in/verify', { recoveryCode: nextCode() });
    expect(Number((await fresh.claims(back.url)).auth_time)).toBeGreaterThanOrEqual(before + 1);
  });

  it('asks a trusted device for the second factor when the app asks for acr mfa, and refuses phr without a key', async () => {
    const browser = await signedInBrowser(true);
    await browser.fetch('/api/v1/sign-out', { json: {} });
    const plain = await authorization(rp);
    await browser.follow(plain.url);
    const trusted = await browser.submit('/sign-in', { email: 'ada@example.com', password });
    expect(trusted.url.origin + trusted.url.pathname).toBe(redirectUri);
    expect(await plain.claims(trusted.url)).toMatchObject({ acr: 'urn:tessera:acr:sf', amr: ['pwd', 'trusted_device'] });

    const stronger = await authorization(rp, { acr_values: 'urn:tessera:acr:mfa' });
    const confirm = await browser.follow(stronger.url);
    expect(confirm.url.pathname).toBe('/account/confirm');
    expect(await confirm.response.text()).toContain('The app you are signing in to asks for a second step.');
    const back = await browser.submit(confirm.url.pathname + confirm.url.search, { proof: nextCode() }, '/account/confirm');
    expect(back.url.origin + back.url.pathname).toBe(redirectUri);
    expect(await stronger.claims(back.url)).toMatchObject({ acr: 'urn:tessera:acr:mfa' });

    const keyOnly = await authorization(rp, { acr_values: 'phr phrh' });
    const refused = await browser.follow(keyOnly.url);
    expect(refused.response.status).toBe(403);
    expect(await refused.response.text()).toContain(
      'This app needs you to sign in with a security key or passkey. You can add one on your Account security page.',
    );
  });

  it('raises a password and code sign-in to phr with the person’s passkey, refusing a code for it, and refuses phrh without a hardware key', async () => {
    const grace = await signUpWithTotp('grace@example.com');
    const passkey = new SoftAuthenticator(server.url, { backupEligible: true });
    const ceremony = await grace.browser.fetch('/api/v1/factors/webauthn/options', { json: { kind: 'security_key', password } });
    const added = await grace.browser.fetch('/api/v1/factors/webauthn', {
      json: { credential: passkey.register((await ceremony.json()) as { challenge: string }), label: 'Synced passkey' },
    });
    expect(added.status).toBe(201);

    const phr = await authorization(rp, { acr_values: 'phr' });
    const browser = new Browser(server.url);
    await browser.follow(phr.url);
    await browser.submit('/sign-in', { email: 'grace@example.com', password });
    const confirm = await browser.submit('/sign-in/verify', {
      code: TOTP.generate({ secret: Secret.fromBase32(grace.secret), timestamp: Date.now() + 30_000 }),
    });
    expect(confirm.url.pathname).toBe('/account/confirm');
    expect(confirm.url.searchParams.get('method')).toBe('key');
    expect(confirm.url.searchParams.get('next')).toMatch(/^\/oidc-interaction\//);
    const page = await confirm.response.text();
    expect(page).toContain('data-options="/api/v1/factors/webauthn/proof-options"');
    expect(page).not.toContain('name="proof"');

    const confirmPage = confirm.url.pathname + confirm.url.search;
    const code = await browser.submit(
      confirmPage,
      { proof: TOTP.generate({ secret: Secret.fromBase32(grace.secret) }) },
      '/account/confirm',
    );
    expect(code.response.status).toBe(409);
    expect(await code.response.text()).toContain('a code does not do here');

    const options = (await (await browser.fetch('/api/v1/factors/webauthn/proof-options', { json: {} })).json()) as {
      challenge: string;
    };
    const back = await browser.submit(confirmPage, { webauthn: JSON.stringify(passkey.assert(options)) }, '/account/confirm');
    expect(back.url.origin + back.url.pathname).toBe(redirectUri);
    expect(await phr.claims(back.url)).toMatchObject({ acr: 'phr', amr: ['pwd', 'otp', 'swk', 'mfa'] });

    const hardware = await browser.follow((await authorization(rp, { acr_values: 'phrh' })).url);
    expect(hardware.response.status).toBe(403);
    expect(await hardware.response.text()).toContain('This app needs a hardware security key');
  });

  it('answers response_mode=form_post with its own page, allowed by the CSP without unsafe-inline, whose code the app exchanges', async () => {
    expect(rp.serverMetadata().response_modes_supported).toContain('form_post');
    const browser = await signedInBrowser();
    const request = await authorization(rp, { response_mode: 'form_post' });
    const { response } = await browser.follow(request.url);
    expect(response.status).toBe(200);
    const page = await response.text();
    const [, action, inputs] = /<form method="post" action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(page) ?? [];
    expect(action).toBe(redirectUri);
    const fields = Object.fromEntries(
      [...inputs!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map(([, name, value]) => [name!, value!]),
    );
    expect(Object.keys(fields)).toEqual(expect.arrayContaining(['code', 'state']));
    expect(inputs).toContain('<button type="submit" class="button" autofocus>Continue</button>');

    const csp = response.headers.get('content-security-policy')!;
    const sources = (name: string) => csp.split(';').find((directive) => directive.trim().startsWith(`${name} `)) ?? '';
    const script = /<script>([\s\S]*?)<\/script>/.exec(page)![1]!;
    expect(sources('script-src')).toContain(`'sha256-${createHash('sha256').update(script).digest('base64')}'`);
    expect(sources('form-action')).toContain(new URL(redirectUri).origin);
    expect(csp).not.toContain('unsafe-inline');

    const post = new Request(redirectUri, { method: 'POST', body: new URLSearchParams(fields) });
    expect(await request.claims(post)).toMatchObject({ email: 'ada@example.com', acr: 'urn:tessera:acr:mfa' });
  });

  it('serves an application registered at run time, a public one with PKCE alone, until it is removed', async () => {
    const registered = await registerOidcClient(server.deps, {
      clientId: 'mobile',
      redirectUris: [redirectUri],
      confidential: false,
      production: false,
    });
    expect(registered).toEqual({});
    expect(await listOidcClients(server.deps)).toContainEqual({
      clientId: 'mobile',
      redirectUris: [redirectUri],
      confidential: false,
    });
    const mobile = await client.discovery(new URL(`${server.url}/oidc`), 'mobile', undefined, client.None(), {
      execute: [client.allowInsecureRequests],
    });
    const browser = await signedInBrowser();
    const request = await authorization(mobile);
    const back = await browser.follow(request.url);
    expect(back.url.origin + back.url.pathname).toBe(redirectUri);
    expect((await request.claims(back.url)).acr).toBe('urn:tessera:acr:mfa');

    await removeOidcClient(server.deps, 'mobile');
    const refused = await browser.follow((await authorization(mobile)).url);
    expect(refused.response.status).toBe(400);
    expect(await refused.response.text()).toContain('invalid_client');
    await expect(
      registerOidcClient(server.deps, {
        clientId: 'bad',
        redirectUris: ['http://app.example.com/cb'],
        confidential: true,
        production: false,
      }),
    ).rejects.toThrow(/must be https/);
  });
});
