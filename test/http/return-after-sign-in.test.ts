import { afterEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../support/http-client.js';
import { password, signUpWithTotp, totpAt } from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

let server: TestServer;
afterEach(() => server.close());

const withdrawal = `/step-up?${new URLSearchParams({ action: 'funds.withdraw', details: 'Withdraw £10', return_to: '/account' })}`;

describe('coming back after signing in', () => {
  it('brings a signed-out person back to the step-up page they were sent to, after both steps', async () => {
    server = await startTestServer();
    const ada = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, ada, 'ada@example.com');
    await ada.postJson('/api/v1/sign-out');

    const asked = await ada.get(withdrawal);
    expect(asked.headers.location).toBe('/sign-in');
    expect(ada.cookies.get('tessera_return')).toBe(withdrawal);
    const signIn = await ada.submitForm('/sign-in', '/sign-in', { email: 'ada@example.com', password });
    expect(signIn.headers.location).toBe('/sign-in/verify');
    server.clock.advance(30_000);
    const verified = await ada.submitForm('/sign-in/verify', '/sign-in/verify', { code: totpAt(secret, server.clock.now()) });
    expect(verified.headers.location).toBe(withdrawal);
    expect(ada.cookies.has('tessera_return')).toBe(false);
    expect((await ada.get(withdrawal)).body).toContain('Withdraw £10');
  });

  it('brings an administrator back to the console, and anyone else to the security page once it is used', async () => {
    server = await startTestServer({ config: testConfig({ admin: { emails: ['root@example.com'] } }) });
    const root = new TestBrowser(server.app);
    await root.postJson('/api/v1/sign-up', { email: 'root@example.com', password });
    await root.postJson('/api/v1/sign-out');
    expect((await root.get('/admin/events')).headers.location).toBe('/sign-in');
    expect((await root.submitForm('/sign-in', '/sign-in', { email: 'root@example.com', password })).headers.location).toBe(
      '/admin/events',
    );
    await root.postJson('/api/v1/sign-out');
    expect((await root.submitForm('/sign-in', '/sign-in', { email: 'root@example.com', password })).headers.location).toBe(
      '/account',
    );
  });

  it('never sends anyone to another site, whatever the cookie says', async () => {
    server = await startTestServer();
    const eve = new TestBrowser(server.app);
    await eve.postJson('/api/v1/sign-up', { email: 'eve@example.com', password });
    for (const elsewhere of [
      '//evil.example/phish',
      'https://evil.example/',
      '/\\evil.example',
      '/sign-in',
      'javascript:alert(1)',
    ]) {
      await eve.postJson('/api/v1/sign-out');
      eve.cookies.set('tessera_return', elsewhere);
      const signedIn = await eve.submitForm('/sign-in', '/sign-in', { email: 'eve@example.com', password });
      expect(signedIn.headers.location, elsewhere).toBe('/account');
    }
    expect((await eve.get('//evil.example/')).headers['set-cookie'] ?? '').not.toContain('tessera_return');
  });
});
