import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../support/http-client.js';
import { latestVerificationLink, password, signUpWithTotp, totpAt } from '../support/mfa.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;
let browser: TestBrowser;

beforeEach(async () => {
  server = await startTestServer();
  browser = new TestBrowser(server.app);
});
afterEach(() => server.close());

/** The newest link the outbox kept for `to` with `purpose`. */
async function linkTo(to: string, purpose: string) {
  const [message] = (await server.deps.store.outbox.latest(50)).filter(
    (candidate) => candidate.to === to && candidate.purpose === purpose,
  );
  const url = new URL(/(https?:\/\/\S+)/.exec(message!.text)![1]!);
  return { c: url.searchParams.get('c')!, t: url.searchParams.get('t')! };
}

describe('changing the email address', () => {
  it('needs the password and a current code, and moves the account only when the new address confirms', async () => {
    const { secret } = await signUpWithTotp(server, browser, 'ada@example.com');
    await browser.postJson('/api/v1/email/verify', await latestVerificationLink(server, 'ada@example.com'));
    server.clock.advance(30_000);

    const noPassword = await browser.postJson('/api/v1/email/change', {
      newEmail: 'ada@new.example',
      password: 'wrong password',
    });
    expect(noPassword.statusCode).toBe(401);
    const noCode = await browser.postJson('/api/v1/email/change', { newEmail: 'ada@new.example', password });
    expect(noCode.json().error.code).toBe('ERR_STEP_UP_REQUIRED');
    const started = await browser.postJson('/api/v1/email/change', {
      newEmail: 'Ada@New.example',
      password,
      code: totpAt(secret, server.clock.now()),
    });
    expect(started.json()).toMatchObject({ sentTo: 'a•••@n•••.example' });
    expect((await browser.get('/api/v1/me')).json().user.email).toBe('ada@example.com');

    const link = await linkTo('ada@new.example', 'change_email');
    expect((await browser.postJson('/api/v1/email/verify', link)).statusCode).toBe(200);
    expect((await browser.get('/api/v1/me')).json().user).toMatchObject({ email: 'ada@new.example', emailVerified: true });
    expect((await browser.postJson('/api/v1/email/verify', link)).statusCode).toBe(400);

    await server.sweepNotices();
    const notices = (await server.deps.store.outbox.latest(50)).filter((message) => message.purpose === 'security_notice');
    expect(notices.map((notice) => notice.to).sort()).toEqual(['ada@example.com', 'ada@new.example']);
    for (const notice of notices) expect(notice.text).toContain('Email address changed to a•••@n•••.example');
    expect(notices.find((notice) => notice.to === 'ada@example.com')!.subject).toBe(
      'Security alert: Email address changed to a•••@n•••.example',
    );

    const stranger = new TestBrowser(server.app);
    expect((await stranger.postJson('/api/v1/sign-in', { email: 'ada@example.com', password })).statusCode).toBe(401);
    expect((await stranger.postJson('/api/v1/sign-in', { email: 'ada@new.example', password })).json().status).toBe(
      'second_factor_required',
    );
  });

  it('refuses an address another account uses', async () => {
    await new TestBrowser(server.app).postJson('/api/v1/sign-up', { email: 'eve@example.com', password });
    await browser.postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
    const response = await browser.postJson('/api/v1/email/change', { newEmail: 'eve@example.com', password });
    expect(response.json().error.code).toBe('ERR_EMAIL_TAKEN');
  });

  it('changes the address on the account page without a code when two-step verification is off, telling only the confirmed address', async () => {
    await browser.submitForm('/sign-up', '/sign-up', { email: 'bo@example.com', password });
    const sent = await browser.submitForm('/account', '/account/email', { newEmail: 'bo@new.example', password });
    expect(sent.headers.location).toBe('/account?done=email-change-sent');
    const { c, t } = await linkTo('bo@new.example', 'change_email');
    const done = await browser.submitForm(`/verify-email?c=${c}&t=${encodeURIComponent(t)}`, '/verify-email', { c, t });
    expect(done.body).toContain('Email confirmed');
    expect((await browser.get('/account')).body).toContain('bo@new.example');
    await server.sweepNotices();
    const notices = (await server.deps.store.outbox.latest(50)).filter((message) => message.purpose === 'security_notice');
    expect(notices.map((notice) => notice.to)).toEqual(['bo@new.example']);
  });
});
