import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { TestBrowser } from '../support/http-client.js';
import { password } from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

describe('cross-site request forgery', () => {
  let server: TestServer;
  let victim: TestBrowser;
  beforeEach(async () => {
    server = await startTestServer();
    victim = new TestBrowser(server.app);
    await victim.postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
  });
  afterEach(() => server.close());

  // A foreign Origin and Sec-Fetch-Site: cross-site are refused on every state-changing route, with
  // a valid form token on the pages, and change nothing: cross-site.test.ts. These are the other
  // two ways a browser names another site.
  it.each([
    ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
    ['Origin: null', { origin: 'null' }],
  ])('refuses a cookie-authenticated API password change with %s', async (_name, headers) => {
    const response = await victim.postJson(
      '/api/v1/password',
      { currentPassword: password, newPassword: 'violet canyon drum' },
      headers,
    );
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('ERR_CSRF');
    const stillOld = await new TestBrowser(server.app).postJson('/api/v1/sign-in', { email: 'ada@example.com', password });
    expect(stillOld.statusCode).toBe(200);
  });

  it('accepts the same request from its own origin', async () => {
    const response = await victim.postJson(
      '/api/v1/password',
      { currentPassword: password, newPassword: 'violet canyon drum' },
      { origin: 'http://localhost:4000', 'sec-fetch-site': 'same-origin' },
    );
    expect(response.statusCode).toBe(200);
  });

  it('refuses a form token minted for another browser', async () => {
    const attacker = new TestBrowser(server.app);
    const page = await attacker.get('/sign-in');
    const attackerToken = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const response = await victim.request({
      method: 'POST',
      url: '/account/password',
      payload: new URLSearchParams({
        _csrf: attackerToken,
        currentPassword: password,
        newPassword: 'violet canyon drum',
      }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.statusCode).toBe(403);
  });
});

describe('security headers', () => {
  // Every GET page of a server with every feature, and the pages that must never be framed, are
  // walked in cross-site.test.ts; this is the rest of the headers, on every kind of answer.
  it('sends the strict policy, no framing, same-origin referrers and nosniff on pages, errors, the API and assets', async () => {
    const server = await startTestServer();
    for (const url of ['/sign-in', '/nowhere', '/api/v1/me', '/api/v1/nowhere', '/assets/styles.css']) {
      const response = await server.app.inject({ url });
      const csp = String(response.headers['content-security-policy']);
      expect(csp, url).toContain("default-src 'none'");
      expect(csp, url).toContain("script-src 'self'");
      expect(csp, url).toContain("style-src 'self'");
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).not.toContain('unsafe-inline');
      expect(response.headers['x-frame-options'], url).toBe('DENY');
      expect(response.headers['referrer-policy'], url).toBe('same-origin');
      expect(response.headers['x-content-type-options'], url).toBe('nosniff');
    }
    await server.close();
  });
});

describe('production cookies', () => {
  it('names the session cookie __Host-tessera_session and marks it Secure, HttpOnly, SameSite=Lax, Path=/', async () => {
    const production = loadConfig({
      env: {
        NODE_ENV: 'production',
        TESSERA_SERVER_PUBLIC_URL: 'https://auth.example.com',
        TESSERA_SECRETS_KEYS: `k1:${Buffer.alloc(32, 3).toString('base64')}`,
        TESSERA_DELIVERY_SMTP_HOST: 'smtp.example.com',
      },
      file: '/dev/null',
    });
    const server = await startTestServer({
      config: { ...testConfig({ mode: 'production' }), server: production.server, mode: 'production' },
    });
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/v1/sign-up',
      payload: { email: 'ada@example.com', password },
    });
    const cookie = [response.headers['set-cookie']].flat().find((header) => header?.startsWith('__Host-tessera_session=')) ?? '';
    expect(cookie).toMatch(/^__Host-tessera_session=[\w-]{43};/);
    expect(cookie).toContain('Path=/');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('Secure');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).not.toContain('Domain=');
    expect(response.headers['strict-transport-security']).toContain('max-age=31536000');

    const page = await server.app.inject({ url: '/sign-in' });
    expect(String(page.headers['set-cookie'])).toMatch(/^__Host-tessera_csrf=.*Secure/);
    await server.close();
  });

  it('keys the cookie and https rules on the public URL, so a TLS-terminating proxy in front gets them too', async () => {
    const behindProxy = await startTestServer({
      config: testConfig({ server: { publicUrl: 'https://auth.example.com', trustedProxies: ['10.0.0.5'] } }),
    });
    const response = await behindProxy.app.inject({
      method: 'POST',
      url: '/api/v1/sign-up',
      remoteAddress: '10.0.0.5',
      headers: { 'x-forwarded-for': '81.2.69.142', 'x-forwarded-proto': 'https', origin: 'https://auth.example.com' },
      payload: { email: 'ada@example.com', password },
    });
    expect(response.statusCode).toBe(201);
    const session = [response.headers['set-cookie']].flat().find((header) => header?.startsWith('__Host-tessera_session='));
    expect(session).toMatch(/^__Host-tessera_session=[\w-]{43};.*Secure/);
    expect(response.headers['strict-transport-security']).toContain('max-age=31536000');
    await behindProxy.close();

    const plain = await startTestServer();
    const local = await plain.app.inject({
      method: 'POST',
      url: '/api/v1/sign-up',
      payload: { email: 'ada@example.com', password },
    });
    const localSession = [local.headers['set-cookie']].flat().find((header) => header?.startsWith('tessera_session='));
    expect(localSession).toBeDefined();
    expect(localSession).not.toContain('Secure');
    expect(local.headers['strict-transport-security']).toBeUndefined();
    await plain.close();
  });
});
