import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../support/http-client.js';
import { latestEmailedCode, latestVerificationLink, password, reachChallenge, signUpWithEmailCodes } from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

let server: TestServer;
let browser: TestBrowser;

beforeEach(async () => {
  server = await startTestServer();
  browser = new TestBrowser(server.app);
});
afterEach(() => server.close());

const sendCode = (client: TestBrowser) => client.postJson('/api/v1/sign-in/send-code');
const answer = (client: TestBrowser, code: string) => client.postJson('/api/v1/sign-in/second-factor', { code });
const outboxCount = async () => (await server.deps.store.outbox.latest(1000)).length;

describe('turning on email codes', () => {
  it('asks for the password, proves the address with a code, and issues recovery codes with the first factor', async () => {
    await browser.postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
    const unconfirmed = await browser.postJson('/api/v1/factors/email', { password });
    expect(unconfirmed.json().error.code).toBe('ERR_EMAIL_UNVERIFIED');
    await browser.postJson('/api/v1/email/verify', await latestVerificationLink(server, 'ada@example.com'));
    expect((await browser.postJson('/api/v1/factors/email', { password: 'not my password' })).statusCode).toBe(401);
    const started = await browser.postJson('/api/v1/factors/email', { password });
    expect(started.json()).toMatchObject({ sentTo: 'a•••@e•••.com' });
    const [message] = await server.deps.store.outbox.latest(1);
    expect(message).toMatchObject({
      channel: 'email',
      to: 'ada@example.com',
      purpose: 'enroll_email',
      subject: 'Confirm email codes for Tessera',
    });

    const wrong = await browser.postJson('/api/v1/factors/email/confirm', { code: '000000' });
    expect(wrong.statusCode).toBe(401);
    expect((await browser.get('/api/v1/factors')).json().factors).toEqual([]);

    const confirmed = await browser.postJson('/api/v1/factors/email/confirm', {
      code: await latestEmailedCode(server, 'ada@example.com'),
    });
    expect(confirmed.statusCode).toBe(201);
    expect(confirmed.json()).toMatchObject({ factor: { kind: 'email', label: 'Email to a•••@e•••.com' } });
    expect(confirmed.json().recoveryCodes).toHaveLength(10);
  });
});

describe('signing in with an emailed code', () => {
  beforeEach(() => signUpWithEmailCodes(server, browser, 'ada@example.com'));

  it('sends nothing until asked, then signs in with the code at aal2 with amr pwd+email', async () => {
    const before = await outboxCount();
    const signIn = await reachChallenge(browser, 'ada@example.com');
    expect(signIn.json().methods).toEqual(['email', 'recovery_code']);
    expect(await outboxCount()).toBe(before);

    const sent = await sendCode(browser);
    expect(sent.json()).toMatchObject({ sentTo: 'a•••@e•••.com' });
    const [message] = await server.deps.store.outbox.latest(1);
    expect(message).toMatchObject({ purpose: 'sign_in', subject: 'Your Tessera sign-in code' });
    expect(message!.text).toContain('It expires in 10 minutes');

    const done = await answer(browser, await latestEmailedCode(server, 'ada@example.com'));
    expect(done.json()).toMatchObject({ status: 'signed_in', session: { aal: 2, amr: ['pwd', 'email'] } });
  });

  it('refuses a code sent for one sign-in on another sign-in of the same person', async () => {
    await reachChallenge(browser, 'ada@example.com');
    await sendCode(browser);
    const code = await latestEmailedCode(server, 'ada@example.com');
    const other = new TestBrowser(server.app);
    await reachChallenge(other, 'ada@example.com');
    expect((await answer(other, code)).statusCode).toBe(401);
    expect((await answer(browser, code)).statusCode).toBe(200);
  });

  it('refuses another person’s code', async () => {
    const eve = new TestBrowser(server.app);
    await signUpWithEmailCodes(server, eve, 'eve@example.com');
    await reachChallenge(eve, 'eve@example.com');
    await sendCode(eve);
    await reachChallenge(browser, 'ada@example.com');
    await sendCode(browser);
    expect((await answer(browser, await latestEmailedCode(server, 'eve@example.com'))).statusCode).toBe(401);
  });

  it('accepts a code once, even from ten parallel submissions', async () => {
    await reachChallenge(browser, 'ada@example.com');
    await sendCode(browser);
    const code = await latestEmailedCode(server, 'ada@example.com');
    const results = await Promise.all(Array.from({ length: 10 }, () => answer(browser, code)));
    expect(results.filter((result) => result.statusCode === 200)).toHaveLength(1);
  });

  it('stops accepting a code after five wrong tries, and counts them against the account', async () => {
    await reachChallenge(browser, 'ada@example.com');
    await sendCode(browser);
    const code = await latestEmailedCode(server, 'ada@example.com');
    for (let i = 0; i < 5; i++) expect((await answer(browser, '000000')).statusCode).toBe(401);
    expect((await answer(browser, code)).statusCode).toBe(401);
    const user = (await server.deps.store.users.findByEmail('ada@example.com'))!;
    const claim = await server.deps.store.lockout.claim(user.id, server.clock.now(), 10, 60_000);
    expect(claim).toEqual({ allowed: true, failures: 7 });
  });

  it('replaces the old code with a new one without resetting the failure count', async () => {
    await reachChallenge(browser, 'ada@example.com');
    await sendCode(browser);
    const first = await latestEmailedCode(server, 'ada@example.com');
    for (let i = 0; i < 3; i++) await answer(browser, '000000');
    server.clock.advance(31_000);
    await sendCode(browser);
    const second = await latestEmailedCode(server, 'ada@example.com');
    if (first !== second) expect((await answer(browser, first)).statusCode).toBe(401);
    const user = (await server.deps.store.users.findByEmail('ada@example.com'))!;
    expect(await server.deps.store.lockout.claim(user.id, server.clock.now(), 10, 60_000)).toMatchObject({
      failures: first !== second ? 5 : 4,
    });
  });

  it('makes people wait 30 seconds between codes and caps them at 10 an hour', async () => {
    server.clock.advance(3_600_000);
    await reachChallenge(browser, 'ada@example.com');
    expect((await sendCode(browser)).statusCode).toBe(200);
    const tooSoon = await sendCode(browser);
    expect(tooSoon.statusCode).toBe(429);
    expect(tooSoon.json().error.code).toBe('ERR_RESEND_TOO_SOON');
    for (let i = 0; i < 9; i++) {
      server.clock.advance(31_000);
      expect((await sendCode(browser)).statusCode, `send ${i + 2}`).toBe(200);
    }
    server.clock.advance(31_000);
    const capped = await sendCode(browser);
    expect(capped.json().error.code).toBe('ERR_SEND_LIMIT');
  });

  it('refuses a code once it has expired', async () => {
    await reachChallenge(browser, 'ada@example.com');
    await sendCode(browser);
    const code = await latestEmailedCode(server, 'ada@example.com');
    server.clock.advance(10 * 60_000 + 1);
    expect((await answer(browser, code)).statusCode).toBe(401);
  });

  it('sends no code without a pending sign-in', async () => {
    const stranger = new TestBrowser(server.app);
    expect((await sendCode(stranger)).statusCode).toBe(401);
  });
});

describe('when the email cannot be sent', () => {
  it('tells the person plainly, reveals nothing of the provider’s error, and still creates the account', async () => {
    const failing = await startTestServer({ config: testConfig({ delivery: { smtp: { host: '127.0.0.1', port: 1 } } }) });
    const client = new TestBrowser(failing.app);
    expect((await client.postJson('/api/v1/sign-up', { email: 'ada@example.com', password })).statusCode).toBe(201);
    failing.clock.advance(31_000);
    const response = await client.postJson('/api/v1/email/verification');
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      error: { code: 'ERR_DELIVERY_FAILED', message: "We couldn't send the code. Try another method." },
    });
    await failing.close();
  });
});

describe('several addresses', () => {
  it('adds a second address once a code sent to it comes back, and signs in through either', async () => {
    await signUpWithEmailCodes(server, browser, 'ada@example.com');
    const started = await browser.postJson('/api/v1/factors/email', { password, address: 'ada@backup.example' });
    expect(started.json()).toMatchObject({ sentTo: 'a•••@b•••.example' });
    const confirmed = await browser.postJson('/api/v1/factors/email/confirm', {
      code: await latestEmailedCode(server, 'ada@backup.example'),
    });
    expect(confirmed.json()).toMatchObject({
      factor: { kind: 'email', label: 'Email to a•••@b•••.example' },
      recoveryCodes: null,
    });
    const twice = await browser.postJson('/api/v1/factors/email', { password, address: 'ada@backup.example' });
    expect(twice.json().error.code).toBe('ERR_ALREADY_ENROLLED');

    const backupId = confirmed.json().factor.id as string;
    server.clock.advance(31_000);
    await reachChallenge(browser, 'ada@example.com');
    const sent = await browser.postJson('/api/v1/sign-in/send-code', { factorId: backupId });
    expect(sent.json()).toMatchObject({ sentTo: 'a•••@b•••.example' });
    const done = await answer(browser, await latestEmailedCode(server, 'ada@backup.example'));
    expect(done.json()).toMatchObject({ session: { amr: ['pwd', 'email'] } });
  });

  it('lets an unconfirmed account prove another address instead, but not its own', async () => {
    await browser.postJson('/api/v1/sign-up', { email: 'bo@example.com', password });
    expect((await browser.postJson('/api/v1/factors/email', { password })).json().error.code).toBe('ERR_EMAIL_UNVERIFIED');
    expect((await browser.postJson('/api/v1/factors/email', { password, address: 'bo@work.example' })).statusCode).toBe(200);
  });

  it('refuses to send a code through another person’s factor', async () => {
    const eve = new TestBrowser(server.app);
    const eveFactor = (await signUpWithEmailCodes(server, eve, 'eve@example.com')).factor.id;
    await signUpWithEmailCodes(server, browser, 'ada@example.com');
    await reachChallenge(browser, 'ada@example.com');
    const response = await browser.postJson('/api/v1/sign-in/send-code', { factorId: eveFactor });
    expect(response.statusCode).toBe(404);
  });
});
