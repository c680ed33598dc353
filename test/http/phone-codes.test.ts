import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../support/http-client.js';
import { latestVerificationLink, password, reachChallenge, signUpWithTotp, totpAt } from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

let server: TestServer;
let browser: TestBrowser;

beforeEach(async () => {
  server = await startTestServer();
  browser = new TestBrowser(server.app);
});
afterEach(() => server.close());

const mobile = '+447400123456';

/** The newest text or call the outbox kept for `to`. */
async function lastMessageTo(to: string) {
  const [message] = (await server.deps.store.outbox.latest(50)).filter((candidate) => candidate.to === to);
  if (!message) throw new Error(`nothing sent to ${to}`);
  return message;
}
const codeIn = (text: string) => /#(\d{6})$/.exec(text)?.[1] ?? /: (\d(?:\. \d){5})\./.exec(text)?.[1]?.replaceAll('. ', '');

async function addPhone(client: TestBrowser, number: string, channel: 'sms' | 'voice', auth: Record<string, string>) {
  const started = await client.postJson('/api/v1/factors/phone', { number, channel, ...auth });
  expect(started.statusCode, started.body).toBe(200);
  return client.postJson('/api/v1/factors/phone/confirm', { code: codeIn((await lastMessageTo(number)).text) });
}

describe('adding a phone number', () => {
  it('validates the number, the country and whether it can take texts', async () => {
    await browser.postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
    const refuse = async (number: string, channel: string) =>
      (await browser.postJson('/api/v1/factors/phone', { number, channel, password })).json().error.message as string;
    expect(await refuse('12345', 'sms')).toMatch(/valid phone number/);
    expect(await refuse('+33612345678', 'sms')).toMatch(/numbers in this country/);
    expect(await refuse('+442071838750', 'sms')).toMatch(/cannot receive texts/);
    expect(
      (await browser.postJson('/api/v1/factors/phone', { number: '+442071838750', channel: 'voice', password })).statusCode,
    ).toBe(200);
  });

  it('proves the number with a texted code that ends with the WebOTP line, and tells the confirmed email', async () => {
    await browser.postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
    await browser.postJson('/api/v1/email/verify', await latestVerificationLink(server, 'ada@example.com'));
    expect(
      (await browser.postJson('/api/v1/factors/phone', { number: mobile, channel: 'sms', password: 'wrong password' }))
        .statusCode,
    ).toBe(401);
    const confirmed = await addPhone(browser, mobile, 'sms', { password });
    const text = (await server.deps.store.outbox.latest(50)).find((message) => message.to === mobile)!.text;
    expect(text).toMatch(/^Your Tessera set-up code is \d{6}\. .*\n\n@localhost:4000 #\d{6}$/s);
    expect(confirmed.json()).toMatchObject({ factor: { kind: 'phone', label: 'Phone •••• 3456' } });
    expect(confirmed.json().recoveryCodes).toHaveLength(10);
    const notice = await lastMessageTo('ada@example.com');
    expect(notice).toMatchObject({ purpose: 'phone_added', subject: 'A phone number was added to your Tessera account' });
  });

  it('needs a current second factor, not just the password, once two-step verification is on (SIM-swap path)', async () => {
    const { secret } = await signUpWithTotp(server, browser, 'ada@example.com');
    const withPassword = await browser.postJson('/api/v1/factors/phone', { number: mobile, channel: 'sms', password });
    expect(withPassword.statusCode).toBe(400);
    server.clock.advance(30_000);
    await addPhone(browser, mobile, 'sms', { code: totpAt(secret, server.clock.now()) });
    expect((await browser.get('/api/v1/factors')).json().factors).toHaveLength(2);
  });
});

describe('signing in with a texted or called code', () => {
  beforeEach(async () => {
    await browser.postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
    await addPhone(browser, mobile, 'sms', { password });
    server.clock.advance(31_000);
  });

  it('texts a code for the pending sign-in and signs in with amr pwd+sms', async () => {
    const signIn = await reachChallenge(browser, 'ada@example.com');
    expect(signIn.json().methods).toEqual(['phone', 'recovery_code']);
    const factorId = (
      await server.deps.store.factors.listForUser((await server.deps.store.users.findByEmail('ada@example.com'))!.id)
    )[0]!.id;
    const sent = await browser.postJson('/api/v1/sign-in/send-code', { factorId, channel: 'sms' });
    expect(sent.json()).toMatchObject({ sentTo: '•••• 3456' });
    const done = await browser.postJson('/api/v1/sign-in/second-factor', { code: codeIn((await lastMessageTo(mobile)).text) });
    expect(done.json()).toMatchObject({ session: { aal: 2, amr: ['pwd', 'sms'] } });
  });

  it('calls with the digits read slowly twice and signs in with amr pwd+tel', async () => {
    await reachChallenge(browser, 'ada@example.com');
    const sent = await browser.postJson('/api/v1/sign-in/send-code', { channel: 'voice' });
    expect(sent.statusCode).toBe(200);
    const call = await lastMessageTo(mobile);
    expect(call.channel).toBe('voice');
    expect(call.text).toMatch(/^This is Tessera\. Your sign-in code is: (\d\. ){5}\d\.\nAgain, your code is: (\d\. ){5}\d\.$/);
    const done = await browser.postJson('/api/v1/sign-in/second-factor', { code: codeIn(call.text) });
    expect(done.json()).toMatchObject({ session: { amr: ['pwd', 'tel'] } });
  });
});

describe('the toll-fraud guard', () => {
  it('refuses premium-rate prefixes and records the refusal', async () => {
    await browser.postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
    const response = await browser.postJson('/api/v1/factors/phone', { number: '+19005550123', channel: 'voice', password });
    expect(response.json()).toEqual({
      error: { code: 'ERR_SEND_LIMIT', message: "We can't send a code to this number right now. Use another method." },
    });
    const user = (await server.deps.store.users.findByEmail('ada@example.com'))!;
    const events = await server.deps.store.events.listForUser(user.id, 10);
    const refused = events.find((event) => event.type === 'send_refused');
    expect(refused).toMatchObject({ ip: '127.0.0.1', detail: { reason: 'blocked_prefix', country: 'US' } });
  });

  it('holds the hourly budget per country across accounts', async () => {
    const limited = await startTestServer({ config: testConfig({ phone: { hourlyLimitPerCountry: 2 } }) });
    const results: number[] = [];
    for (const [index, number] of ['+447400123451', '+447400123452', '+447400123453'].entries()) {
      const client = new TestBrowser(limited.app);
      await client.postJson('/api/v1/sign-up', { email: `p${index}@example.com`, password });
      results.push((await client.postJson('/api/v1/factors/phone', { number, channel: 'sms', password })).statusCode);
    }
    expect(results).toEqual([200, 200, 429]);
    await limited.close();
  });

  it('caps how many different numbers one account can be sent codes in a day', async () => {
    await browser.postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
    const statuses: number[] = [];
    for (const number of ['+447400123451', '+447400123452', '+447400123453', '+447400123454']) {
      statuses.push((await browser.postJson('/api/v1/factors/phone', { number, channel: 'sms', password })).statusCode);
      server.clock.advance(31_000);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('does not offer texts or calls for numbers outside the configured countries', async () => {
    await browser.postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
    await addPhone(browser, mobile, 'sms', { password });
    const narrowed = await startTestServer({
      config: { ...server.config, phone: { ...server.config.phone, countries: ['US'] } },
    });
    const client = new TestBrowser(narrowed.app);
    await client.postJson('/api/v1/sign-in', { email: 'ada@example.com', password });
    const page = await client.get('/sign-in/verify');
    expect(page.body).not.toContain('Text or call ');
    expect(page.body).not.toContain('•••• 3456');
    expect((await client.postJson('/api/v1/sign-in/send-code', { channel: 'sms' })).statusCode).toBe(404);
    await narrowed.close();
  });
});

describe('a phone number required first', () => {
  it('refuses an authenticator app until a number is added, then allows it', async () => {
    const strict = await startTestServer({ config: testConfig({ phone: { requiredFirst: true } }) });
    const client = new TestBrowser(strict.app);
    await client.postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
    const early = await client.postJson('/api/v1/factors/totp', { password });
    expect(early.json().error).toEqual({
      code: 'ERR_PHONE_REQUIRED_FIRST',
      message: 'Add a phone number first; you can add an authenticator app after that.',
    });
    await client.postJson('/api/v1/factors/phone', { number: mobile, channel: 'sms', password });
    const [text] = (await strict.deps.store.outbox.latest(10)).filter((message) => message.to === mobile);
    await client.postJson('/api/v1/factors/phone/confirm', { code: codeIn(text!.text) });
    expect((await client.postJson('/api/v1/factors/totp', { password })).statusCode).toBe(200);
    await strict.close();
  });
});
