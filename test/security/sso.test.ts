import { afterEach, describe, expect, it } from 'vitest';
import type { SsoProvider } from '../../src/config.js';
import { createOrganization, putMember } from '../../src/core/flows/organizations.js';
import { TestBrowser } from '../support/http-client.js';
import { IdentityProvider } from '../support/identity-provider.js';
import { password, signUpWithTotp, totpAt } from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

const callback = 'http://localhost:4000/sign-in/sso/acme-idp/callback';

let server: TestServer;
let idp: IdentityProvider;
afterEach(async () => {
  await server.close();
  await idp.close();
});

async function start(mfa: SsoProvider['mfa'] = 'provider') {
  idp = await IdentityProvider.start(callback);
  const provider = {
    id: 'acme-idp',
    name: 'Acme ID',
    issuer: idp.issuer,
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    scopes: 'openid email',
    mfa,
  };
  server = await startTestServer({ config: testConfig({ sso: { providers: [provider] } }) });
}

/** Signs in at the provider as `accountId` and comes back to Tessera; the callback's answer. */
async function throughProvider(browser: TestBrowser, accountId: string, amr: string[]) {
  idp.next = { accountId, amr };
  const leaving = await browser.get('/sign-in/sso/acme-idp');
  expect(leaving.statusCode, leaving.body).toBe(303);
  const back = await idp.signIn(leaving.headers.location as string);
  expect(`${back.origin}${back.pathname}`).toBe(callback);
  return browser.get(`${back.pathname}${back.search}`);
}

describe('signing in through an upstream identity provider', () => {
  it('offers the provider on the sign-in page and signs a new person in without Tessera’s second factor', async () => {
    await start();
    idp.accounts.set('u-ada', { email: 'ada@example.com', email_verified: true });
    const browser = new TestBrowser(server.app);
    expect((await browser.get('/sign-in')).body).toContain('Continue with Acme ID');
    const back = await throughProvider(browser, 'u-ada', ['pwd']);
    expect(back.headers.location, /alert[^<]*<[^<]*/.exec(back.body)?.[0]).toBe('/account');
    const me = (await browser.get('/api/v1/me')).json();
    expect(me).toMatchObject({ user: { email: 'ada@example.com', emailVerified: true }, session: { aal: 1, amr: ['sso'] } });
  });

  it('exempts a person with Tessera factors and a role that requires them: the provider’s MFA applies', async () => {
    await start();
    const local = new TestBrowser(server.app);
    await signUpWithTotp(server, local, 'ada@example.com');
    const ada = (await server.deps.store.users.findByEmail('ada@example.com'))!;
    const org = await createOrganization(server.deps, {
      name: 'Acme',
      policy: { mfa: 'required', roles: [], allowedMethods: [], graceDays: 0, graceSignIns: 0 },
    });
    await putMember(server.deps, { orgId: org.id, userId: ada.id, role: 'staff' });
    idp.accounts.set('u-ada', { email: 'ada@example.com', email_verified: true });

    const browser = new TestBrowser(server.app);
    expect((await throughProvider(browser, 'u-ada', ['pwd', 'otp'])).headers.location).toBe('/account');
    expect((await browser.get('/api/v1/me')).json().session).toMatchObject({
      aal: 2,
      amr: ['sso', 'mfa'],
      enrollmentRequired: false,
    });
  });

  it('with mfa: tessera_unless_amr, asks for Tessera’s second factor unless the provider says it did MFA', async () => {
    await start('tessera_unless_amr');
    const { secret } = await signUpWithTotp(server, new TestBrowser(server.app), 'ada@example.com');
    idp.accounts.set('u-ada', { email: 'ada@example.com', email_verified: true });

    const withPassword = new TestBrowser(server.app);
    expect((await throughProvider(withPassword, 'u-ada', ['pwd'])).headers.location).toBe('/sign-in/verify');
    expect((await withPassword.get('/api/v1/me')).statusCode).toBe(401);
    server.clock.advance(30_000);
    const done = await withPassword.postJson('/api/v1/sign-in/second-factor', { code: totpAt(secret, server.clock.now()) });
    expect(done.json()).toMatchObject({ session: { aal: 2, amr: ['sso', 'otp'] } });

    const withMfa = new TestBrowser(server.app);
    expect((await throughProvider(withMfa, 'u-ada', ['mfa'])).headers.location).toBe('/account');
  });

  it('never trusts an unverified address from the provider to find an account', async () => {
    await start();
    await new TestBrowser(server.app).postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
    idp.accounts.set('u-eve', { email: 'ada@example.com', email_verified: false });
    const browser = new TestBrowser(server.app);
    const back = await throughProvider(browser, 'u-eve', ['pwd']);
    expect(back.statusCode).toBe(400);
    expect(back.body).toContain('did not confirm an email address');
    expect((await browser.get('/api/v1/me')).statusCode).toBe(401);
  });

  it('refuses a callback from another browser, or replayed', async () => {
    await start();
    idp.accounts.set('u-ada', { email: 'ada@example.com', email_verified: true });
    const browser = new TestBrowser(server.app);
    idp.next = { accountId: 'u-ada', amr: ['pwd'] };
    const leaving = await browser.get('/sign-in/sso/acme-idp');
    const back = await idp.signIn(leaving.headers.location as string);
    const stranger = new TestBrowser(server.app);
    expect((await stranger.get(`${back.pathname}${back.search}`)).statusCode).toBe(400);
    expect((await browser.get(`${back.pathname}${back.search}`)).headers.location).toBe('/account');
    const replay = new TestBrowser(server.app);
    replay.cookies.set('tessera_sso', browser.cookies.get('tessera_sso') ?? '');
    expect((await replay.get(`${back.pathname}${back.search}`)).statusCode).toBe(400);
  });
});
