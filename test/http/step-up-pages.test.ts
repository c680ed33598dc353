import { afterEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../support/http-client.js';
import { password, signUpWithTotp, totpAt } from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

const withdrawal = 'Withdraw £250.00 to account ••••1234';
const shop = 'https://shop.example/';

let server: TestServer;
afterEach(() => server.close());

const stepUpPage = (returnTo: string, action = 'funds.withdraw', details = withdrawal) =>
  `/step-up?${new URLSearchParams({ action, details, return_to: returnTo })}`;

/** The step-up id the page carries in its forms. */
const stepUpIdOf = (body: string) => /name="stepUpId" value="([^"]+)"/.exec(body)![1]!;

describe('the hosted step-up page', () => {
  it('shows what is approved, then sends the browser back to the app with a grant', async () => {
    server = await startTestServer({ config: testConfig({ stepUp: { returnUrls: [shop] } }) });
    const browser = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, browser, 'ada@example.com');

    const page = await browser.get(stepUpPage(`${shop}withdrawals/42`));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Confirm it’s you');
    expect(page.body).toContain('Withdraw funds');
    expect(page.body).toContain('Withdraw £250.00 to account ••••1234');
    expect(page.body).toContain('inputmode="numeric"');
    expect(page.body).toContain('autocomplete="one-time-code"');

    server.clock.advance(30_000);
    const fields = { stepUpId: stepUpIdOf(page.body), returnTo: `${shop}withdrawals/42` };
    const wrong = await browser.submitForm('/account', '/step-up/verify', { ...fields, code: '000000' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('Withdraw £250.00 to account ••••1234');
    const done = await browser.submitForm('/account', '/step-up/verify', { ...fields, code: totpAt(secret, server.clock.now()) });
    expect(done.statusCode).toBe(303);
    const back = new URL(done.headers.location as string);
    expect(`${back.origin}${back.pathname}`).toBe(`${shop}withdrawals/42`);
    expect(back.searchParams.get('grant')).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('refuses return addresses outside the allowlist, and changes nothing', async () => {
    server = await startTestServer({ config: testConfig({ stepUp: { returnUrls: [shop] } }) });
    const browser = new TestBrowser(server.app);
    await signUpWithTotp(server, browser, 'ada@example.com');
    for (const returnTo of [
      'https://evil.example/',
      '//evil.example/x',
      'https://shop.example.evil.example/',
      'javascript:alert(1)',
    ]) {
      const page = await browser.get(stepUpPage(returnTo));
      expect(page.statusCode, returnTo).toBe(400);
      expect(page.body).toContain('return address that is not allowed');
    }
    expect((await browser.get(stepUpPage('/account'))).statusCode).toBe(200);
  });

  it('asks people without two-step verification for their password', async () => {
    server = await startTestServer();
    const browser = new TestBrowser(server.app);
    await browser.postJson('/api/v1/sign-up', { email: 'bo@example.com', password });
    const page = await browser.get(stepUpPage('/account'));
    expect(page.body).toContain('autocomplete="current-password"');
    const done = await browser.submitForm('/account', '/step-up/verify', {
      stepUpId: stepUpIdOf(page.body),
      returnTo: '/account',
      password,
    });
    expect(done.headers.location).toMatch(/\/account\?grant=/);
  });

  it('sends a signed-out browser to sign in', async () => {
    server = await startTestServer();
    const page = await new TestBrowser(server.app).get(stepUpPage('/account'));
    expect(page.statusCode).toBe(303);
  });
});
