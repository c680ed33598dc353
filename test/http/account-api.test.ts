import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../support/http-client.js';
import { password } from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

let server: TestServer;
let browser: TestBrowser;

beforeEach(async () => {
  server = await startTestServer();
  browser = new TestBrowser(server.app);
});
afterEach(() => server.close());

describe('account API', () => {
  it('signs up, reports the session, signs out and ends the session', async () => {
    const signUp = await browser.postJson('/api/v1/sign-up', { email: 'Ada@Example.com', password });
    expect(signUp.statusCode).toBe(201);
    expect(signUp.json()).toMatchObject({
      status: 'signed_in',
      user: { email: 'ada@example.com' },
      session: { aal: 1, amr: ['pwd'] },
    });

    const me = await browser.get('/api/v1/me');
    expect(me.statusCode).toBe(200);
    expect(me.json().user.email).toBe('ada@example.com');

    const token = browser.cookies.get('tessera_session')!;
    expect((await browser.postJson('/api/v1/sign-out')).statusCode).toBe(204);
    expect(browser.cookies.has('tessera_session')).toBe(false);
    const replayed = await server.app.inject({ url: '/api/v1/me', cookies: { tessera_session: token } });
    expect(replayed.statusCode).toBe(401);
  });

  it('answers a wrong password and an unknown account with the same status and text', async () => {
    await browser.postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
    const other = new TestBrowser(server.app);
    const wrong = await other.postJson('/api/v1/sign-in', { email: 'ada@example.com', password: 'not the password' });
    const unknown = await other.postJson('/api/v1/sign-in', { email: 'nobody@example.com', password: 'not the password' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(unknown.body).toBe(wrong.body);
    expect(other.cookies.has('tessera_session')).toBe(false);
  });

  it('issues a fresh session token at sign-in even when a session cookie was already set', async () => {
    await browser.postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
    const before = browser.cookies.get('tessera_session');
    await browser.postJson('/api/v1/sign-in', { email: 'ada@example.com', password });
    expect(browser.cookies.get('tessera_session')).not.toBe(before);
  });

  it('refuses a taken email, a short password and a common password with clear messages', async () => {
    await browser.postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
    const other = new TestBrowser(server.app);
    const taken = await other.postJson('/api/v1/sign-up', { email: 'ADA@example.com', password });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('ERR_EMAIL_TAKEN');
    const short = await other.postJson('/api/v1/sign-up', { email: 'b@example.com', password: 'short' });
    expect(short.json()).toEqual({ error: { code: 'ERR_PASSWORD_TOO_SHORT', message: 'Use at least 8 characters.' } });
    const common = await other.postJson('/api/v1/sign-up', { email: 'b@example.com', password: 'iloveyou' });
    expect(common.json().error.code).toBe('ERR_PASSWORD_COMMON');
  });

  it.each([
    ['an empty body', undefined],
    ['null', null],
    ['an array', [{ email: 'ada@example.com', password }]],
    ['an array as the password', { email: 'ada@example.com', password: [password] }],
    ['a number as the email', { email: 42, password }],
    ['a blank password', { email: 'ada@example.com', password: '' }],
    ['a malformed email', { email: 'ada', password }],
    ['a huge password', { email: 'ada@example.com', password: 'x'.repeat(5000) }],
  ])('refuses %s with a 400 that names the problem and creates nothing', async (_name, payload) => {
    const response = await browser.postJson('/api/v1/sign-up', payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('ERR_INVALID_INPUT');
    expect(response.json().error.message).toMatch(/\w+/);
    expect(browser.cookies.has('tessera_session')).toBe(false);
    expect(await server.deps.store.users.findByEmail('ada@example.com')).toBeUndefined();
  });

  it('refuses a body over the size limit with a 413', async () => {
    const response = await browser.postJson('/api/v1/sign-in', { email: 'ada@example.com', password: 'x'.repeat(70_000) });
    expect(response.statusCode).toBe(413);
  });

  it('refuses form-encoded bodies on the JSON API', async () => {
    const response = await browser.request({
      method: 'POST',
      url: '/api/v1/sign-up',
      payload: `email=ada%40example.com&password=${encodeURIComponent(password)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.statusCode).toBe(415);
    expect(await server.deps.store.users.findByEmail('ada@example.com')).toBeUndefined();
  });

  it('changes the password after the current one is given, ending the other sessions', async () => {
    await browser.postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
    const laptop = new TestBrowser(server.app);
    await laptop.postJson('/api/v1/sign-in', { email: 'ada@example.com', password });

    const wrong = await browser.postJson('/api/v1/password', {
      currentPassword: 'not it at all',
      newPassword: 'violet canyon drum',
    });
    expect(wrong.statusCode).toBe(401);
    const changed = await browser.postJson('/api/v1/password', { currentPassword: password, newPassword: 'violet canyon drum' });
    expect(changed.json()).toEqual({ endedSessions: 1 });

    expect((await laptop.get('/api/v1/me')).statusCode).toBe(401);
    expect((await browser.get('/api/v1/me')).statusCode).toBe(200);
    const old = await new TestBrowser(server.app).postJson('/api/v1/sign-in', { email: 'ada@example.com', password });
    expect(old.statusCode).toBe(401);
    const fresh = await new TestBrowser(server.app).postJson('/api/v1/sign-in', {
      email: 'ada@example.com',
      password: 'violet canyon drum',
    });
    expect(fresh.statusCode).toBe(200);
  });

  it('refuses every account route without a session', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/me'],
      ['POST', '/api/v1/sign-out'],
      ['POST', '/api/v1/password'],
    ] as const) {
      const response = await server.app.inject({ method, url, payload: method === 'POST' ? {} : undefined });
      expect(response.statusCode, url).toBe(method === 'POST' && url === '/api/v1/password' ? 400 : 401);
    }
    const unauthenticated = await server.app.inject({
      method: 'POST',
      url: '/api/v1/password',
      payload: { currentPassword: password, newPassword: 'violet canyon drum' },
    });
    expect(unauthenticated.statusCode).toBe(401);
  });

  it('publishes an OpenAPI document listing every API route and no page', async () => {
    const document = (await browser.get('/api/v1/openapi.json')).json();
    expect(Object.keys(document.paths).sort()).toEqual(
      [
        '/api/v1/account/delete',
        '/api/v1/activity',
        '/api/v1/email/change',
        '/api/v1/email/verification',
        '/api/v1/email/verify',
        '/api/v1/factors',
        '/api/v1/factors/email',
        '/api/v1/factors/email/confirm',
        '/api/v1/factors/phone',
        '/api/v1/factors/phone/confirm',
        '/api/v1/factors/totp',
        '/api/v1/factors/totp/confirm',
        '/api/v1/factors/webauthn',
        '/api/v1/factors/webauthn/options',
        '/api/v1/factors/webauthn/proof-options',
        '/api/v1/factors/{factorId}',
        '/api/v1/factors/{factorId}/primary',
        '/api/v1/grants/consume',
        '/api/v1/host/people/{externalId}',
        '/api/v1/host/people/{externalId}/sign-in-links',
        '/api/v1/host/phone-numbers',
        '/api/v1/host/prompt/exchange',
        '/api/v1/me',
        '/api/v1/mfa/off',
        '/api/v1/mfa/require-at-next-sign-in',
        '/api/v1/mfa/reset',
        '/api/v1/mfa/setup/send-code',
        '/api/v1/mfa/setup/unlock',
        '/api/v1/password',
        '/api/v1/password/reset',
        '/api/v1/password/reset/send',
        '/api/v1/recovery-codes',
        '/api/v1/sign-in',
        '/api/v1/sign-in/link',
        '/api/v1/sign-in/link/send',
        '/api/v1/sign-in/passkey',
        '/api/v1/sign-in/passkey/options',
        '/api/v1/sign-in/passwordless',
        '/api/v1/sign-in/passwordless/send',
        '/api/v1/sign-in/passwordless/verify',
        '/api/v1/sign-in/send-code',
        '/api/v1/sign-in/second-factor',
        '/api/v1/sign-in/webauthn-options',
        '/api/v1/sign-out',
        '/api/v1/sessions',
        '/api/v1/sessions/{id}',
        '/api/v1/step-up',
        '/api/v1/step-up/send-code',
        '/api/v1/step-up/verify',
        '/api/v1/step-up/webauthn-options',
        '/api/v1/session/confirm',
        '/api/v1/sign-up',
        '/api/v1/trusted-devices',
        '/api/v1/trusted-devices/{id}',
      ].sort(),
    );
    expect(document.paths['/api/v1/sign-in'].post.requestBody.content['application/json'].schema.required).toEqual([
      'email',
      'password',
    ]);
  });
});

describe('per-IP limit and the client address', () => {
  const burst = async (server: TestServer, forwardedFor: (attempt: number) => string, remoteAddress: string) => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await server.app.inject({
        method: 'POST',
        url: '/api/v1/sign-in',
        payload: { email: `p${i}@example.com`, password: 'whatever it is' },
        headers: { 'x-forwarded-for': forwardedFor(i) },
        remoteAddress,
      });
      statuses.push(response.statusCode);
    }
    return statuses;
  };

  it('ignores X-Forwarded-For from an untrusted peer, so spoofing it does not reset the budget', async () => {
    const limited = await startTestServer({ config: testConfig({ throttling: { ipAttempts: 3 } }) });
    expect(await burst(limited, (attempt) => `203.0.113.${attempt}`, '198.51.100.1')).toEqual([401, 401, 401, 429]);
    await limited.close();
  });

  it('believes X-Forwarded-For from a configured trusted proxy and answers 429 with Retry-After', async () => {
    const proxied = await startTestServer({
      config: testConfig({ throttling: { ipAttempts: 3 }, server: { trustedProxies: ['10.0.0.1'] } }),
    });
    expect(await burst(proxied, () => '203.0.113.1', '10.0.0.1')).toEqual([401, 401, 401, 429]);
    expect(await burst(proxied, () => '203.0.113.2', '10.0.0.1')).toEqual([401, 401, 401, 429]);
    const limited = await proxied.app.inject({
      method: 'POST',
      url: '/api/v1/sign-in',
      payload: { email: 'x@example.com', password: 'whatever it is' },
      headers: { 'x-forwarded-for': '203.0.113.1' },
      remoteAddress: '10.0.0.1',
    });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await proxied.close();
  });
});
