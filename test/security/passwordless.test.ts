import { afterEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../support/http-client.js';
import {
  latestEmailedCode,
  latestVerificationLink,
  password,
  signUpWithEmailCodes,
  signUpWithTotp,
  totpAt,
} from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

let server: TestServer;
afterEach(() => server.close());

const start = (overrides: Parameters<typeof testConfig>[0] = {}) =>
  startTestServer({ config: testConfig({ signIn: { passwordless: true }, ...overrides }) });

/** A browser that has asked to sign in as `email` without a password. */
async function asking(email: string) {
  const browser = new TestBrowser(server.app);
  const answer = await browser.postJson('/api/v1/sign-in/passwordless', { email });
  return { browser, answer };
}

const signInCodes = async () => (await server.deps.store.outbox.latest(50)).filter((message) => message.purpose === 'sign_in');

describe('signing in without a password', () => {
  it('answers alike for an address with an account and one without, and emails only the account', async () => {
    server = await start();
    await signUpWithEmailCodes(server, new TestBrowser(server.app), 'ada@example.com');
    const before = (await signInCodes()).length;
    const known = await asking('ada@example.com');
    const unknown = await asking('nobody@example.com');
    expect(known.answer.body).toBe(unknown.answer.body);
    expect(known.answer.statusCode).toBe(unknown.answer.statusCode);
    expect([...known.browser.cookies.keys()]).toEqual([...unknown.browser.cookies.keys()]);
    expect((await signInCodes()).map((message) => message.to).slice(0, (await signInCodes()).length - before)).toEqual([
      'ada@example.com',
    ]);

    const wrong = await known.browser.postJson('/api/v1/sign-in/passwordless/verify', { code: '000000' });
    const nobody = await unknown.browser.postJson('/api/v1/sign-in/passwordless/verify', { code: '000000' });
    expect(wrong.body).toBe(nobody.body);
    expect(wrong.statusCode).toBe(401);
  });

  it('signs in with the emailed code as one factor (aal 1), once', async () => {
    server = await start();
    await signUpWithEmailCodes(server, new TestBrowser(server.app), 'ada@example.com');
    const { browser } = await asking('ada@example.com');
    const code = await latestEmailedCode(server, 'ada@example.com');
    const signedIn = await browser.postJson('/api/v1/sign-in/passwordless/verify', { code });
    expect(signedIn.json()).toMatchObject({ status: 'signed_in', session: { aal: 1, amr: ['email'] } });
    const again = await new TestBrowser(server.app).postJson('/api/v1/sign-in/passwordless/verify', { code });
    expect(again.statusCode).toBe(401);
  });

  it('signs in with an authenticator app’s code, sending no email to someone without email codes', async () => {
    server = await start();
    const { secret } = await signUpWithTotp(server, new TestBrowser(server.app), 'ada@example.com');
    const { browser } = await asking('ada@example.com');
    expect(await signInCodes()).toEqual([]);
    server.clock.advance(30_000);
    const signedIn = await browser.postJson('/api/v1/sign-in/passwordless/verify', { code: totpAt(secret, server.clock.now()) });
    expect(signedIn.json()).toMatchObject({ session: { aal: 1, amr: ['otp'] } });
  });

  it('texts a code on request to someone with a phone number, answering alike for an address without one', async () => {
    const key = { id: 'app', secret: 'h'.repeat(40) };
    server = await start({ hostApi: { keys: [key] } });
    await new TestBrowser(server.app).postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
    const registered = await server.app.inject({
      method: 'POST',
      url: '/api/v1/host/phone-numbers',
      payload: { email: 'ada@example.com', number: '+447400123456' },
      headers: { authorization: `Bearer ${key.id}.${key.secret}` },
    });
    expect(registered.statusCode).toBe(201);
    const ada = await asking('ada@example.com');
    const nobody = await asking('nobody@example.com');
    const sent = await ada.browser.postJson('/api/v1/sign-in/passwordless/send', { channel: 'sms' });
    expect(sent.body).toBe((await nobody.browser.postJson('/api/v1/sign-in/passwordless/send', { channel: 'sms' })).body);
    const [text] = await server.deps.store.outbox.latest(1);
    expect(text).toMatchObject({ channel: 'sms', to: '+447400123456' });
    const code = /is (\d{6})\./.exec(text!.text)![1]!;
    const signedIn = await ada.browser.postJson('/api/v1/sign-in/passwordless/verify', { code });
    expect(signedIn.json()).toMatchObject({ session: { aal: 1, amr: ['sms'] } });
  });

  it('counts wrong codes against the account and locks it without saying so, and never turns a passwordless start into a second step', async () => {
    server = await start({ lockout: { maxFailures: 3 } });
    const { secret } = await signUpWithTotp(server, new TestBrowser(server.app), 'ada@example.com');
    const { browser } = await asking('ada@example.com');
    server.clock.advance(30_000);
    const asSecondStep = await browser.postJson('/api/v1/sign-in/second-factor', { code: totpAt(secret, server.clock.now()) });
    expect(asSecondStep.json().error.code).toBe('ERR_SIGN_IN_EXPIRED');
    for (const code of ['111111', '222222']) await browser.postJson('/api/v1/sign-in/passwordless/verify', { code });
    const locked = await browser.postJson('/api/v1/sign-in/passwordless/verify', { code: '333333' });
    expect(locked.statusCode).toBe(401);
    const right = await browser.postJson('/api/v1/sign-in/passwordless/verify', { code: totpAt(secret, server.clock.now()) });
    expect(right.json().error.code).toBe('ERR_CODE_INVALID');
    expect(right.headers['set-cookie']).toBeUndefined();
    const user = await server.deps.store.users.findByEmail('ada@example.com');
    expect((await server.deps.store.events.listForUser(user!.id, 20)).map((event) => event.type)).toContain('account_locked');
  });

  it('sets up the confirmed address when a policy requires a method and auto-setup is on', async () => {
    server = await start({ mfa: { required: true, autoSetupEmail: true } });
    const setUp = new TestBrowser(server.app);
    await setUp.postJson('/api/v1/sign-up', { email: 'bo@example.com', password });
    await setUp.postJson('/api/v1/email/verify', await latestVerificationLink(server, 'bo@example.com'));
    const { browser } = await asking('bo@example.com');
    const signedIn = await browser.postJson('/api/v1/sign-in/passwordless/verify', {
      code: await latestEmailedCode(server, 'bo@example.com'),
    });
    expect(signedIn.json()).toMatchObject({ session: { aal: 1, amr: ['email'], enrollmentRequired: false } });
  });

  it('is refused where it is not configured', async () => {
    server = await startTestServer();
    expect((await asking('ada@example.com')).answer.statusCode).toBe(404);
  });

  it('asks only for the address on the sign-in page, and its code page reads alike for every address', async () => {
    server = await start();
    await signUpWithEmailCodes(server, new TestBrowser(server.app), 'ada@example.com');
    const page = await new TestBrowser(server.app).get('/sign-in');
    expect(page.body).not.toContain('name="password"');
    expect(page.body).toContain('Use my password instead');
    expect(page.body).toContain('Sign in with a passkey');
    expect((await new TestBrowser(server.app).get('/sign-in?with=password')).body).toContain('name="password"');

    const codePage = async (email: string) => {
      const browser = new TestBrowser(server.app);
      const body = (await browser.submitForm('/sign-in', '/sign-in/passwordless', { email })).body;
      return body.replaceAll(email, 'EMAIL').replace(/name="_csrf" value="[^"]+"/g, '');
    };
    const known = await codePage('ada@example.com');
    expect(known).toContain('autocomplete="one-time-code"');
    expect(known).toBe(await codePage('zed@example.com'));
  });
});
