import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../support/http-client.js';
import { latestEmailedCode, latestVerificationLink, password, signUpWithEmailCodes } from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

let server: TestServer;
let browser: TestBrowser;

beforeEach(async () => {
  server = await startTestServer();
  browser = new TestBrowser(server.app);
  await signUpWithEmailCodes(server, browser, 'ada@example.com');
  await browser.postJson('/api/v1/sign-out');
});
afterEach(() => server.close());

const alertOf = (body: string) => /role="alert">([^<]+)</.exec(body)?.[1];

describe('the challenge page with email codes', () => {
  it('offers to send a code to the masked address and sends nothing until asked', async () => {
    const before = (await server.deps.store.outbox.latest(100)).length;
    await browser.submitForm('/sign-in', '/sign-in', { email: 'ada@example.com', password });
    const page = await browser.get('/sign-in/verify');
    expect(page.body).toContain('We will email you a 6-digit code.');
    expect(page.body).toContain('Send code to a•••@e•••.com');
    expect(page.body).toContain('action="/sign-in/verify/send"');
    expect(page.body).not.toContain('name="code"');
    expect(page.body).toContain('Use a recovery code');
    expect((await server.deps.store.outbox.latest(100)).length).toBe(before);
  });

  it('sends the code on request, says where it went, and signs in with it', async () => {
    await browser.submitForm('/sign-in', '/sign-in', { email: 'ada@example.com', password });
    const sent = await browser.submitForm('/sign-in/verify', '/sign-in/verify/send', {});
    expect(sent.body).toContain('We sent a code to a•••@e•••.com.');
    expect(sent.body).toMatch(/inputmode="numeric"\s+autocomplete="one-time-code"/);
    const done = await browser.submitForm('/sign-in/verify?method=email', '/sign-in/verify', {
      method: 'email',
      code: await latestEmailedCode(server, 'ada@example.com'),
    });
    expect(done.headers.location).toBe('/account');
  });

  it('explains the cooldown when a second code is asked for at once', async () => {
    await browser.submitForm('/sign-in', '/sign-in', { email: 'ada@example.com', password });
    await browser.submitForm('/sign-in/verify', '/sign-in/verify/send', {});
    const again = await browser.submitForm('/sign-in/verify', '/sign-in/verify/send', {});
    expect(again.statusCode).toBe(429);
    expect(alertOf(again.body)).toMatch(/^A code was just sent\. You can ask for another in \d+ seconds\.$/);
  });
});

describe('turning on email codes on the pages', () => {
  it('shows the option on the account page once and hides it when on', async () => {
    const other = new TestBrowser(server.app);
    await other.submitForm('/sign-up', '/sign-up', { email: 'bo@example.com', password });
    expect((await other.get('/account')).body).toContain('Not confirmed');
    const { c, t } = await latestVerificationLink(server, 'bo@example.com');
    expect((await other.get(`/verify-email?c=${c}&t=${encodeURIComponent(t)}`)).body).toContain('Confirm my email');
    const confirmed = await other.submitForm(`/verify-email?c=${c}&t=${encodeURIComponent(t)}`, '/verify-email', { c, t });
    expect(confirmed.body).toContain('Email confirmed');
    expect((await other.get('/account')).body).toContain('href="/account/email-codes"');
    const wrong = await other.submitForm('/account/email-codes', '/account/email-codes', {
      password: 'wrong password',
      consent: 'on',
    });
    expect(wrong.statusCode).toBe(401);
    const sent = await other.submitForm('/account/email-codes', '/account/email-codes', { password, consent: 'on' });
    expect(sent.body).toContain('We sent a 6-digit code to b•••@e•••.com');
    const done = await other.submitForm('/account/email-codes', '/account/email-codes/confirm', {
      code: await latestEmailedCode(server, 'bo@example.com'),
    });
    expect(done.body).toContain('Save your recovery codes');
    const account = (await other.get('/account')).body;
    expect(account).toContain('Email to b•••@e•••.com');
    expect(account).not.toContain('Turn on email codes');
  });
});

describe('sending the code automatically', () => {
  it('emails a code when the challenge opens, once, if configured and email is the first method', async () => {
    const auto = await startTestServer({ config: testConfig({ emailCodes: { sendOnChallenge: true } }) });
    const client = new TestBrowser(auto.app);
    await signUpWithEmailCodes(auto, client, 'cy@example.com');
    await client.postJson('/api/v1/sign-out');
    await client.submitForm('/sign-in', '/sign-in', { email: 'cy@example.com', password });
    const before = (await auto.deps.store.outbox.latest(100)).length;
    const page = await client.get('/sign-in/verify');
    expect(page.body).toContain('We sent a code to c•••@e•••.com.');
    expect((await client.get('/sign-in/verify')).body).toContain('name="code"');
    expect((await auto.deps.store.outbox.latest(100)).length).toBe(before + 1);
    await auto.close();
  });
});

describe('the development outbox', () => {
  it('makes the verification link clickable', async () => {
    const other = new TestBrowser(server.app);
    await other.submitForm('/sign-up', '/sign-up', { email: 'di@example.com', password });
    const page = await other.get('/dev/outbox');
    expect(page.body).toMatch(/<a href="http:\/\/localhost:4000\/verify-email\?c=[\w-]+&amp;t=[\w-]+">/);
  });
});
