import { afterEach, describe, expect, it } from 'vitest';
import { sendSecurityNotices } from '../../src/core/flows/security-notices.js';
import type { OutboxMessage } from '../../src/core/ports.js';
import { TestBrowser } from '../support/http-client.js';
import { latestVerificationLink, password, reachChallenge, signUpWithTotp, totpAt } from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

const firefoxOnWindows = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
const chromeOnLinux = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const fiveMinutes = 5 * 60_000;

let server: TestServer;
afterEach(() => server.close());

/** The security notices the outbox kept for `to`, oldest first. */
async function noticesTo(to: string): Promise<OutboxMessage[]> {
  return (await server.deps.store.outbox.latest(200))
    .filter((each) => each.purpose === 'security_notice' && each.to === to)
    .reverse();
}

/** A person with an authenticator app and a confirmed address, signed in on `browser`. */
async function confirmedWithTotp(browser: TestBrowser, email: string) {
  const enrolled = await signUpWithTotp(server, browser, email);
  expect((await browser.postJson('/api/v1/email/verify', await latestVerificationLink(server, email))).statusCode).toBe(200);
  return enrolled;
}

describe('security notices', () => {
  it('tells the person once what changed, when, from which browser and IP, and what to do if it was not them', async () => {
    server = await startTestServer();
    const { secret, recoveryCodes } = await confirmedWithTotp(new TestBrowser(server.app, firefoxOnWindows), 'ada@example.com');

    expect(await server.sweepNotices()).toBe(1);
    expect(await server.sweepNotices()).toBe(0);
    const [notice, ...more] = await noticesTo('ada@example.com');
    expect(more).toEqual([]);
    expect(notice!.subject).toBe('Security alert: 2 events on your Tessera account');
    expect(notice!.text).toContain('Authenticator app added');
    expect(notice!.text).toContain('Two-step verification turned on');
    expect(notice!.text).toContain('22 Nov 2026, 12:00 UTC · Firefox 133 on Windows · IP address 127.0.0.1');
    expect(notice!.text).toContain('If it was not you, someone else may know your password.');
    expect(notice!.text).not.toContain(secret);
    for (const code of recoveryCodes) expect(notice!.text).not.toContain(code);
  });

  it('tells of a password that passed but a second step that failed, and of the lock that followed, with the stranger’s browser', async () => {
    server = await startTestServer({ config: testConfig({ lockout: { maxFailures: 3 } }) });
    await confirmedWithTotp(new TestBrowser(server.app), 'ada@example.com');
    await server.sweepNotices();
    server.clock.advance(fiveMinutes);

    const stranger = new TestBrowser(server.app, chromeOnLinux);
    await reachChallenge(stranger, 'ada@example.com');
    for (const code of ['111111', '222222', '333333']) await stranger.postJson('/api/v1/sign-in/second-factor', { code });
    expect(await server.sweepNotices()).toBe(1);

    const notice = (await noticesTo('ada@example.com')).at(-1)!;
    expect(notice.subject).toBe('Security alert: 4 events on your Tessera account');
    expect(notice.text.match(/Password accepted, but the second step failed/g)).toHaveLength(3);
    expect(notice.text).toContain('Locked for 15 minutes after too many wrong codes');
    expect(notice.text).toContain('Chrome 131 on Linux');
  });

  it('never puts a code or a link that signs in into a notice', async () => {
    server = await startTestServer();
    const browser = new TestBrowser(server.app);
    const { secret, recoveryCodes } = await confirmedWithTotp(browser, 'ada@example.com');
    await reachChallenge(browser, 'ada@example.com');
    expect((await browser.postJson('/api/v1/sign-in/second-factor', { recoveryCode: recoveryCodes[0] })).statusCode).toBe(200);
    server.clock.advance(30_000);
    const regenerated = await browser.postJson('/api/v1/recovery-codes', { code: totpAt(secret, server.clock.now()) });
    await browser.postJson('/api/v1/password/reset/send', { email: 'ada@example.com' });
    await server.sweepNotices();

    const [notice] = await noticesTo('ada@example.com');
    expect(notice!.text).toContain('Recovery code used (9 left)');
    expect(notice!.text).toContain('New recovery codes made; the old ones no longer work');
    for (const code of [...recoveryCodes, ...(regenerated.json().recoveryCodes as string[])]) {
      expect(notice!.text).not.toContain(code);
    }
    expect(notice!.text).not.toMatch(/\b\d{6,}\b/);
    expect(notice!.text).not.toMatch(/[?&][ct]=|reset-password|sign-in\/link|verify-email/);
  });

  it('gathers what happens within the quiet interval into one later email, per person', async () => {
    server = await startTestServer();
    const ada = new TestBrowser(server.app);
    const { secret } = await confirmedWithTotp(ada, 'ada@example.com');
    await server.sweepNotices();

    server.clock.advance(60_000);
    await ada.postJson('/api/v1/recovery-codes', { code: totpAt(secret, server.clock.now()) });
    await confirmedWithTotp(new TestBrowser(server.app), 'bob@example.com');
    expect(await server.sweepNotices()).toBe(1);
    expect(await noticesTo('bob@example.com')).toHaveLength(1);

    server.clock.advance(60_000);
    await ada.postJson('/api/v1/recovery-codes', { code: totpAt(secret, server.clock.now()) });
    server.clock.advance(fiveMinutes - 2 * 60_000 - 1);
    expect(await server.sweepNotices()).toBe(0);
    server.clock.advance(1);
    expect(await server.sweepNotices()).toBe(1);

    const notices = await noticesTo('ada@example.com');
    expect(notices).toHaveLength(2);
    expect(notices[1]!.subject).toBe('Security alert: 2 events on your Tessera account');
    expect(notices[1]!.text.match(/New recovery codes made/g)).toHaveLength(2);
  });

  it('tells of a trusted device, a changed password and two-step verification turned off, each in its own email', async () => {
    server = await startTestServer();
    const browser = new TestBrowser(server.app);
    const { secret, factorId } = await confirmedWithTotp(browser, 'ada@example.com');
    await server.sweepNotices();

    server.clock.advance(fiveMinutes);
    await reachChallenge(browser, 'ada@example.com');
    await browser.postJson('/api/v1/sign-in/second-factor', { code: totpAt(secret, server.clock.now()), trustDevice: true });
    await server.sweepNotices();
    server.clock.advance(fiveMinutes);
    const code = totpAt(secret, server.clock.now());
    await browser.postJson('/api/v1/password', { currentPassword: password, newPassword: 'saffron kettle harbour', code });
    await server.sweepNotices();
    server.clock.advance(fiveMinutes);
    await browser.request({
      method: 'DELETE',
      url: `/api/v1/factors/${factorId}`,
      payload: { code: totpAt(secret, server.clock.now()), confirmTurningOff: true },
    });
    await server.sweepNotices();

    expect((await noticesTo('ada@example.com')).map((notice) => notice.subject)).toEqual([
      'Security alert: 2 events on your Tessera account',
      'Security alert: Device trusted: it skips the second step for a while',
      'Security alert: Password changed',
      'Security alert: 2 events on your Tessera account',
    ]);
    const last = (await noticesTo('ada@example.com')).at(-1)!.text;
    expect(last).toContain('Authenticator app removed');
    expect(last).toContain('Two-step verification turned off');
  });

  it('drops notices for an address nobody has confirmed, which may be someone else’s', async () => {
    server = await startTestServer();
    await signUpWithTotp(server, new TestBrowser(server.app), 'typo@example.com');
    expect(await server.sweepNotices()).toBe(0);
    expect(await noticesTo('typo@example.com')).toEqual([]);
  });

  it('keeps a notice whose email could not be sent and tries again after the interval', async () => {
    server = await startTestServer();
    await confirmedWithTotp(new TestBrowser(server.app), 'ada@example.com');
    const providerDown = { ...server.deps, delivery: { send: async () => ({ delivered: false, provider: 'down' }) } };
    expect(await sendSecurityNotices(providerDown)).toBe(0);
    expect(await server.sweepNotices()).toBe(0);
    server.clock.advance(fiveMinutes);
    expect(await server.sweepNotices()).toBe(1);
    expect(await noticesTo('ada@example.com')).toHaveLength(1);
  });

  it('sends none when notices are turned off', async () => {
    server = await startTestServer({ config: testConfig({ securityNotices: { enabled: false } }) });
    await confirmedWithTotp(new TestBrowser(server.app), 'ada@example.com');
    expect(await server.sweepNotices()).toBe(0);
    expect(await noticesTo('ada@example.com')).toEqual([]);
  });
});
