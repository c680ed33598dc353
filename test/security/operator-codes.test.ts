import { afterEach, describe, expect, it } from 'vitest';
import { adminResetMfa } from '../../src/core/flows/admin-actions.js';
import { issueOperatorCode } from '../../src/core/flows/operator-codes.js';
import { TestBrowser } from '../support/http-client.js';
import { latestEmailedCode, latestVerificationLink, password, reachChallenge, signUpWithTotp, totpAt } from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

let server: TestServer;
afterEach(() => server.close());

const issue = async (email: string, operator = 'Sam at support') => {
  const user = (await server.deps.store.users.findByEmail(email))!;
  return issueOperatorCode(server.deps, { user, operator, ip: '203.0.113.7' });
};

describe('operator-issued codes', () => {
  it('stand in for the second factor once, and are recorded with the operator', async () => {
    server = await startTestServer({ config: testConfig({ support: { dialInNumber: '+44 20 7946 0000' } }) });
    const browser = new TestBrowser(server.app);
    await signUpWithTotp(server, browser, 'ada@example.com');
    const { code, expiresAt } = await issue('ada@example.com');
    expect(code).toMatch(/^\d{8}$/);
    expect(expiresAt).toBe(server.clock.now() + 10 * 60_000);

    await reachChallenge(browser, 'ada@example.com');
    expect((await browser.get('/sign-in/verify')).body).toContain('Call us on <a href="tel:+442079460000">+44 20 7946 0000</a>');
    const signedIn = await browser.postJson('/api/v1/sign-in/second-factor', { code });
    expect(signedIn.json()).toMatchObject({ session: { aal: 2, amr: ['pwd', 'operator_code'] } });
    const { events } = (await browser.get('/api/v1/activity')).json();
    expect(events.map((event: { description: string }) => event.description)).toContain(
      'Support issued a one-time sign-in code (Sam at support)',
    );

    await reachChallenge(browser, 'ada@example.com');
    expect((await browser.postJson('/api/v1/sign-in/second-factor', { code })).statusCode).toBe(401);
  });

  it('expire after ten minutes', async () => {
    server = await startTestServer();
    const browser = new TestBrowser(server.app);
    await signUpWithTotp(server, browser, 'ada@example.com');
    const { code } = await issue('ada@example.com');
    server.clock.advance(10 * 60_000);
    await reachChallenge(browser, 'ada@example.com');
    expect((await browser.postJson('/api/v1/sign-in/second-factor', { code })).statusCode).toBe(401);
  });

  it('are never a first factor, nor the approval of a protected action', async () => {
    server = await startTestServer({ config: testConfig({ signIn: { passwordless: true } }) });
    const browser = new TestBrowser(server.app);
    await signUpWithTotp(server, browser, 'ada@example.com');
    const { code } = await issue('ada@example.com');
    const stepUp = (await browser.postJson('/api/v1/step-up', { action: 'funds.withdraw' })).json();
    expect((await browser.postJson('/api/v1/step-up/verify', { stepUpId: stepUp.stepUpId, code })).statusCode).toBe(401);
    expect((await browser.postJson('/api/v1/recovery-codes', { code })).statusCode).toBe(401);

    const stranger = new TestBrowser(server.app);
    await stranger.postJson('/api/v1/sign-in/passwordless', { email: 'ada@example.com' });
    expect((await stranger.postJson('/api/v1/sign-in/passwordless/verify', { code })).statusCode).toBe(401);
  });
});

describe('an administrator resetting two-step verification', () => {
  it('removes every method and signs the person out; they set up again after the password and an emailed code', async () => {
    server = await startTestServer();
    const browser = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, browser, 'ada@example.com');
    await browser.postJson('/api/v1/email/verify', await latestVerificationLink(server, 'ada@example.com'));
    await adminResetMfa(server.deps, (await server.deps.store.users.findByEmail('ada@example.com'))!, {
      name: 'admin@acme',
      ip: 'cli',
    });

    expect((await browser.get('/api/v1/me')).statusCode).toBe(401);
    const signedIn = await browser.postJson('/api/v1/sign-in', { email: 'ada@example.com', password });
    expect(signedIn.json()).toMatchObject({ status: 'signed_in', user: { mfaSetupRequired: true, mfaSetupLocked: true } });
    expect((await browser.postJson('/api/v1/factors/totp', { password })).json().error.code).toBe('ERR_SETUP_LOCKED');
    await browser.postJson('/api/v1/mfa/setup/send-code');
    await browser.postJson('/api/v1/mfa/setup/unlock', { password, code: await latestEmailedCode(server, 'ada@example.com') });
    const started = (await browser.postJson('/api/v1/factors/totp', { password })).json();
    expect(started.secret).not.toBe(secret);
    const confirmed = await browser.postJson('/api/v1/factors/totp/confirm', {
      enrollmentToken: started.enrollmentToken,
      code: totpAt(started.secret, server.clock.now()),
    });
    expect(confirmed.statusCode).toBe(201);
    expect(
      (await browser.get('/api/v1/activity')).json().events.map((event: { description: string }) => event.description),
    ).toContain('Two-step verification reset by admin@acme');
  });
});
