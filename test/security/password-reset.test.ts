import { afterEach, describe, expect, it } from 'vitest';
import { configWarnings } from '../../src/config.js';
import { TestBrowser } from '../support/http-client.js';
import { latestVerificationLink, password, reachChallenge, signUpWithTotp, totpAt } from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

let server: TestServer;
afterEach(() => server.close());
const newPassword = 'saffron kettle harbour';

/** The `c` and `t` of the newest reset link the outbox kept for `to`. */
async function latestResetLink(to: string): Promise<{ c: string; t: string }> {
  const [message] = (await server.deps.store.outbox.latest(50)).filter(
    (each) => each.to === to && each.purpose === 'password_reset',
  );
  const url = new URL(/(https?:\/\/\S+\/reset-password\?\S+)/.exec(message!.text)![1]!);
  return { c: url.searchParams.get('c')!, t: url.searchParams.get('t')! };
}

/** Ada with an authenticator app and a confirmed address, signed in; returns the app's secret. */
async function ada(browser: TestBrowser) {
  const { secret } = await signUpWithTotp(server, browser, 'ada@example.com');
  expect(
    (await browser.postJson('/api/v1/email/verify', await latestVerificationLink(server, 'ada@example.com'))).statusCode,
  ).toBe(200);
  return secret;
}

describe('password reset as recovery', () => {
  it('answers alike for every address and sends a link only to a confirmed one', async () => {
    server = await startTestServer();
    const browser = new TestBrowser(server.app);
    await ada(browser);
    expect((await browser.postJson('/api/v1/sign-up', { email: 'bob@example.com', password })).statusCode).toBe(201);
    const answers = await Promise.all(
      ['ada@example.com', 'bob@example.com', 'nobody@example.com'].map(
        async (email) => (await new TestBrowser(server.app).postJson('/api/v1/password/reset/send', { email })).body,
      ),
    );
    expect(new Set(answers)).toEqual(new Set(['{"status":"sent_if_known"}']));
    const resets = (await server.deps.store.outbox.latest(50)).filter((each) => each.purpose === 'password_reset');
    expect(resets.map((each) => each.to)).toEqual(['ada@example.com']);
  });

  it('still asks for the second factor, ends every session and trusted device, and works once', async () => {
    server = await startTestServer();
    const browser = new TestBrowser(server.app);
    const secret = await ada(browser);
    await reachChallenge(browser, 'ada@example.com');
    server.clock.advance(30_000);
    await browser.postJson('/api/v1/sign-in/second-factor', { code: totpAt(secret, server.clock.now()), trustDevice: true });

    const thief = new TestBrowser(server.app);
    await thief.postJson('/api/v1/password/reset/send', { email: 'ada@example.com' });
    const link = await latestResetLink('ada@example.com');
    const weak = await thief.postJson('/api/v1/password/reset', { ...link, newPassword: 'short' });
    expect(weak.statusCode).toBe(400);
    const reset = await thief.postJson('/api/v1/password/reset', { ...link, newPassword });
    expect(reset.json()).toMatchObject({ status: 'second_factor_required' });
    expect((await thief.get('/api/v1/me')).statusCode).toBe(401);
    expect((await browser.get('/api/v1/me')).statusCode).toBe(401);
    expect((await thief.postJson('/api/v1/password/reset', { ...link, newPassword })).json().error.code).toBe('ERR_LINK_INVALID');

    expect((await browser.postJson('/api/v1/sign-in', { email: 'ada@example.com', password })).statusCode).toBe(401);
    const again = await browser.postJson('/api/v1/sign-in', { email: 'ada@example.com', password: newPassword });
    expect(again.json()).toMatchObject({ status: 'second_factor_required' });
  });

  it('lets a reset past the second factor only when configured to, with a warning at start', async () => {
    server = await startTestServer({ config: testConfig({ passwordReset: { skipsSecondFactor: true } }) });
    expect(configWarnings(server.config).join('\n')).toContain('passwordReset.skipsSecondFactor is on');
    const browser = new TestBrowser(server.app);
    await ada(browser);
    await browser.postJson('/api/v1/password/reset/send', { email: 'ada@example.com' });
    const reset = await browser.postJson('/api/v1/password/reset', {
      ...(await latestResetLink('ada@example.com')),
      newPassword,
    });
    expect(reset.json()).toMatchObject({ status: 'signed_in', session: { aal: 2, amr: ['pwd', 'magic_link'] } });
  });

  it('sets the new password through the pages and leads to the second step', async () => {
    server = await startTestServer();
    const browser = new TestBrowser(server.app);
    await ada(browser);
    await browser.postJson('/api/v1/sign-out');
    expect((await browser.get('/sign-in')).body).toContain('href="/forgot-password"');
    const sent = await browser.submitForm('/forgot-password', '/forgot-password', { email: 'ada@example.com' });
    expect(sent.body).toContain('Check your email');
    const link = await latestResetLink('ada@example.com');
    const done = await browser.submitForm(`/reset-password?c=${link.c}&t=${link.t}`, '/reset-password', { ...link, newPassword });
    expect(done.headers.location).toBe('/sign-in/verify');
  });
});
