import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../support/http-client.js';
import { latestVerificationLink, password } from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

const secret = 'a'.repeat(40);
let server: TestServer;
let browser: TestBrowser;

beforeEach(async () => {
  server = await startTestServer({ config: testConfig({ hostApi: { keys: [{ id: 'app', secret }] } }) });
  browser = new TestBrowser(server.app);
  await browser.postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
  await browser.postJson('/api/v1/email/verify', await latestVerificationLink(server, 'ada@example.com'));
});
afterEach(() => server.close());

const register = (body: Record<string, string>, authorization = `Bearer app.${secret}`) =>
  server.app.inject({ method: 'POST', url: '/api/v1/host/phone-numbers', payload: body, headers: { authorization } });

describe('the host API', () => {
  it.each([
    ['no key', ''],
    ['a wrong secret', `Bearer app.${'b'.repeat(40)}`],
    ['an unknown key', `Bearer other.${secret}`],
    ['another scheme', `Basic app.${secret}`],
  ])('refuses %s and changes nothing', async (_name, authorization) => {
    const response = await register({ email: 'ada@example.com', number: '+447400123456' }, authorization);
    expect(response.statusCode).toBe(401);
    expect((await browser.get('/api/v1/factors')).json().factors).toEqual([]);
  });

  it('registers a number the host verified as a factor at once, returns the first recovery codes and tells the email', async () => {
    const response = await register({ email: 'Ada@example.com', number: '+44 7400 123456' });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ factor: { kind: 'phone', label: 'Phone •••• 3456' } });
    expect(response.json().recoveryCodes).toHaveLength(10);
    const [notice] = (await server.deps.store.outbox.latest(10)).filter((message) => message.purpose === 'phone_added');
    expect(notice?.to).toBe('ada@example.com');

    await browser.postJson('/api/v1/sign-out');
    const signIn = await browser.postJson('/api/v1/sign-in', { email: 'ada@example.com', password });
    expect(signIn.json().methods).toEqual(['phone', 'recovery_code']);
    expect((await register({ email: 'ada@example.com', number: '+447400123456' })).statusCode).toBe(409);
  });

  it('refuses an unknown account and a number outside the configured countries', async () => {
    expect((await register({ email: 'nobody@example.com', number: '+447400123456' })).statusCode).toBe(404);
    expect((await register({ email: 'ada@example.com', number: '+33612345678' })).statusCode).toBe(400);
  });
});
