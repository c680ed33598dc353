import * as client from 'openid-client';
import { Secret, TOTP } from 'otpauth';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrganization, optionalPolicy, putMember } from '../../src/core/flows/organizations.js';
import { listOidcClients } from '../../src/core/flows/oidc-clients.js';
import { HttpBrowser } from '../support/http-browser.js';
import { TestBrowser } from '../support/http-client.js';
import { startLiveServer } from '../support/live-server.js';
import { authorizationRequest } from '../support/oidc.js';
import { confirmAdmin, password, signUpWithTotp } from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

let server: TestServer;
let live: Awaited<ReturnType<typeof startLiveServer>> | undefined;
afterEach(async () => {
  await (live ?? server).close();
  live = undefined;
});

const redirectUri = 'http://127.0.0.1:9/callback';
const configuredClient = {
  clientId: 'configured-app',
  clientSecret: 'c'.repeat(40),
  redirectUris: ['https://configured.example/cb'],
};

/** A server with the provider on and root@example.com as its administrator. */
const startWithProvider = (oidc: { enabled?: boolean; clients?: (typeof configuredClient)[] } = { enabled: true }) =>
  startTestServer({ config: testConfig({ admin: { emails: ['root@example.com'] }, oidc }) });

/** The instance administrator, signed in with an authenticator app and through the console's step-up. */
async function signedInRoot() {
  const root = new TestBrowser(server.app);
  const { secret } = await signUpWithTotp(server, root, 'root@example.com');
  await confirmAdmin(server, root, secret);
  return root;
}

const secretOn = (page: string) => /data-testid="client-secret">([^<]+)</.exec(page)?.[1];

describe('the admin console’s apps (OpenID Connect)', () => {
  it('adds a confidential app, shows its secret once with a warning, and lists it without the secret', async () => {
    server = await startWithProvider();
    const root = await signedInRoot();
    expect((await root.get('/admin')).body).toContain('<a href="/admin/oidc">Apps (OpenID Connect)</a>');

    const added = await root.submitForm('/admin/oidc', '/admin/oidc', {
      clientId: 'coaching-app',
      redirectUris: 'https://app.example.com/callback\r\n\r\nhttps://app.example.com/other\r\n',
    });
    expect(added.statusCode).toBe(200);
    const clientSecret = secretOn(added.body);
    expect(clientSecret).toMatch(/^[\w-]{43}$/);
    expect(added.body).toContain('copy it now, it will not be shown again');

    const page = (await root.get('/admin/oidc')).body;
    expect(page).toContain('<td>coaching-app</td>');
    expect(page).toContain('<code>https://app.example.com/other</code>');
    expect(page).toContain('Confidential');
    expect(page).toContain('22 Nov 2026');
    expect(page).not.toContain(clientSecret);
    expect(page).not.toContain('data-testid="client-secret"');
    expect(await listOidcClients(server.deps)).toEqual([
      {
        clientId: 'coaching-app',
        redirectUris: ['https://app.example.com/callback', 'https://app.example.com/other'],
        confidential: true,
      },
    ]);
  });

  it('lets an app added there sign a person in with the authorization code flow at once, until it is removed there', async () => {
    live = await startLiveServer({ admin: { emails: ['ada@example.com'] }, oidc: { enabled: true } });
    const ada = new HttpBrowser(live.url);
    expect((await ada.fetch('/api/v1/sign-up', { json: { email: 'ada@example.com', password } })).status).toBe(201);
    const started = (await (await ada.fetch('/api/v1/factors/totp', { json: { password } })).json()) as {
      secret: string;
      enrollmentToken: string;
    };
    const codeIn = (steps: number) =>
      TOTP.generate({ secret: Secret.fromBase32(started.secret), timestamp: Date.now() + steps * 30_000 });
    const enrolled = await ada.fetch('/api/v1/factors/totp/confirm', {
      json: { enrollmentToken: started.enrollmentToken, code: codeIn(0) },
    });
    expect(enrolled.status).toBe(201);
    const { stepUpId } = (await (await ada.fetch('/api/v1/step-up', { json: { action: 'admin.act' } })).json()) as {
      stepUpId: string;
    };
    expect((await ada.fetch('/api/v1/step-up/verify', { json: { stepUpId, code: codeIn(1) } })).status).toBe(200);

    const added = await ada.submit('/admin/oidc', { clientId: 'coaching-app', redirectUris: redirectUri });
    const clientSecret = secretOn(await added.response.text())!;
    const rp = await client.discovery(new URL(`${live.url}/oidc`), 'coaching-app', clientSecret, undefined, {
      execute: [client.allowInsecureRequests],
    });
    const authorization = await authorizationRequest(rp, redirectUri);
    const back = await ada.follow(authorization.url);
    expect(back.url.origin + back.url.pathname).toBe(redirectUri);
    const { claims, accessToken } = await authorization.tokens(back.url);
    expect(claims).toMatchObject({ email: 'ada@example.com', aud: 'coaching-app' });

    const removed = await ada.submit('/admin/oidc', { clientId: 'coaching-app' }, '/admin/oidc/remove');
    expect(await removed.response.text()).toContain('coaching-app was removed');
    expect(await live.deps.store.oidcPayloads.find('AccessToken', accessToken, Date.now())).toBeUndefined();
    const refused = await ada.follow(authorization.url);
    expect(refused.response.status).toBe(400);
    expect(await refused.response.text()).toContain('invalid_client');
  });

  it('refuses a redirect URI that is not https, a bad client id and an id already taken with a 400 saying why, adding nothing', async () => {
    server = await startWithProvider();
    const root = await signedInRoot();

    const plainHttp = await root.submitForm('/admin/oidc', '/admin/oidc', {
      clientId: 'coaching-app',
      redirectUris: 'http://app.example.com/callback',
    });
    expect(plainHttp.statusCode).toBe(400);
    expect(plainHttp.body).toContain('http://app.example.com/callback: redirect URIs must be https');
    expect(plainHttp.body).toContain('value="coaching-app"');
    expect(plainHttp.body).not.toContain('data-testid="client-secret"');
    const badId = await root.submitForm('/admin/oidc', '/admin/oidc', { clientId: 'has space', redirectUris: redirectUri });
    expect(badId.statusCode).toBe(400);
    expect(badId.body).toContain('A client id is 1-64 letters, digits, ., _ or -.');
    const noUri = await root.submitForm('/admin/oidc', '/admin/oidc', { clientId: 'coaching-app', redirectUris: '  \r\n' });
    expect(noUri.statusCode).toBe(400);
    expect(await listOidcClients(server.deps)).toEqual([]);

    const first = await root.submitForm('/admin/oidc', '/admin/oidc', { clientId: 'coaching-app', redirectUris: redirectUri });
    const sealed = await server.deps.store.oidcPayloads.find('Client', 'coaching-app', server.clock.now());
    const again = await root.submitForm('/admin/oidc', '/admin/oidc', {
      clientId: 'coaching-app',
      redirectUris: redirectUri,
      public: 'on',
    });
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('There is already a client coaching-app');
    expect(again.body).not.toContain(secretOn(first.body)!);
    expect(await server.deps.store.oidcPayloads.find('Client', 'coaching-app', server.clock.now())).toEqual(sealed);
  });

  it('is not found for an organization admin or a person who administers nothing, and they change nothing', async () => {
    server = await startWithProvider();
    const owner = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, owner, 'owner@acme.example');
    const acme = await createOrganization(server.deps, { name: 'Acme', policy: optionalPolicy });
    const ownerId = (await server.deps.store.users.findByEmail('owner@acme.example'))!.id;
    await putMember(server.deps, { orgId: acme.id, userId: ownerId, role: 'owner' });
    await confirmAdmin(server, owner, secret);

    expect((await owner.get('/admin')).body).not.toContain('/admin/oidc');
    expect((await owner.get('/admin/oidc')).statusCode).toBe(404);
    const added = await owner.submitForm('/admin', '/admin/oidc', { clientId: 'sneaky', redirectUris: redirectUri });
    expect(added.statusCode).toBe(404);

    const bo = new TestBrowser(server.app);
    await bo.postJson('/api/v1/sign-up', { email: 'bo@example.com', password });
    expect((await bo.get('/admin/oidc')).statusCode).toBe(404);
    expect(await listOidcClients(server.deps)).toEqual([]);
  });

  it('removes an app added there, and lists a configured app as from configuration without letting it be removed', async () => {
    server = await startWithProvider({ clients: [configuredClient] });
    const root = await signedInRoot();
    await root.submitForm('/admin/oidc', '/admin/oidc', { clientId: 'mobile', redirectUris: redirectUri, public: 'on' });

    const page = (await root.get('/admin/oidc')).body;
    expect(page).toMatch(/<td>configured-app<\/td>\s*<td>Confidential<\/td>[\s\S]*?<td>From configuration<\/td>/);
    expect(page).toMatch(/<td>mobile<\/td>\s*<td>Public \(PKCE only\)<\/td>/);
    expect(page).not.toContain('name="clientId" value="configured-app"');
    expect(page).toContain('aria-label="Remove mobile"');

    const refused = await root.submitForm('/admin/oidc', '/admin/oidc/remove', { clientId: 'configured-app' });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('configured-app comes from the configuration (oidc.clients)');
    const shadowing = await root.submitForm('/admin/oidc', '/admin/oidc', {
      clientId: 'configured-app',
      redirectUris: redirectUri,
    });
    expect(shadowing.statusCode).toBe(400);

    const removed = await root.submitForm('/admin/oidc', '/admin/oidc/remove', { clientId: 'mobile' });
    expect(removed.statusCode).toBe(200);
    expect(removed.body).toContain('mobile was removed');
    expect(removed.body).not.toContain('<td>mobile</td>');
    expect(removed.body).toContain('<td>configured-app</td>');
    expect(await listOidcClients(server.deps)).toEqual([]);
    const twice = await root.submitForm('/admin/oidc', '/admin/oidc/remove', { clientId: 'mobile' });
    expect(twice.statusCode).toBe(404);
    expect(twice.body).toContain('There is no client mobile.');
  });

  it('says how to turn the provider on while it is off, instead of the form', async () => {
    server = await startWithProvider({});
    const root = await signedInRoot();
    const page = await root.get('/admin/oidc');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('The OpenID Connect provider is off');
    expect(page.body).toContain('<code>oidc.enabled: true</code>');
    expect(page.body).not.toContain('action="/admin/oidc"');
    expect((await root.submitForm('/admin/oidc', '/admin/oidc', { clientId: 'app', redirectUris: redirectUri })).statusCode).toBe(
      404,
    );
    expect(await listOidcClients(server.deps)).toEqual([]);
  });
});
