import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config.js';
import { TestBrowser } from '../support/http-client.js';
import {
  latestEmailedCode,
  latestVerificationLink,
  password,
  reachChallenge,
  signUpWithEmailCodes,
  signUpWithTotp,
  totpAt,
} from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

const newPassword = 'saffron kettle harbour';
const days = (count: number) => count * 86_400_000;

let server: TestServer;
afterEach(() => server.close());

/** The next time step's code of the authenticator app. */
const nextCode = (secret: string) => {
  server.clock.advance(30_000);
  return totpAt(secret, server.clock.now());
};

describe('Tessera’s own protected actions', () => {
  it('asks for a second factor to change the password every time, even on a trusted device', async () => {
    server = await startTestServer();
    const browser = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, browser, 'ada@example.com');
    await reachChallenge(browser, 'ada@example.com');
    await browser.postJson('/api/v1/sign-in/second-factor', { code: nextCode(secret), trustDevice: true });
    await browser.postJson('/api/v1/sign-out');
    expect((await browser.postJson('/api/v1/sign-in', { email: 'ada@example.com', password })).json().session.amr).toContain(
      'trusted_device',
    );

    const change = (body: object) => browser.postJson('/api/v1/password', { currentPassword: password, newPassword, ...body });
    expect((await change({})).json().error.code).toBe('ERR_STEP_UP_REQUIRED');
    expect((await change({ code: nextCode(secret) })).statusCode).toBe(200);
    const again = await browser.postJson('/api/v1/password', { currentPassword: newPassword, newPassword: password });
    expect(again.json().error.code).toBe('ERR_STEP_UP_REQUIRED');
  });

  it('lets someone with only email codes approve a change with a code sent for it, which approves nothing else', async () => {
    server = await startTestServer();
    const browser = new TestBrowser(server.app);
    await signUpWithEmailCodes(server, browser, 'ada@example.com');
    const { stepUpId } = (await browser.postJson('/api/v1/step-up', { action: 'password.change' })).json();
    expect((await browser.postJson('/api/v1/step-up/send-code', { stepUpId })).statusCode).toBe(200);
    const code = await latestEmailedCode(server, 'ada@example.com');

    const elsewhere = await browser.postJson('/api/v1/mfa/off', { code, stepUpId });
    expect(elsewhere.json().error.code).toBe('ERR_STEP_UP_EXPIRED');
    const withoutBinding = await browser.postJson('/api/v1/password', { currentPassword: password, newPassword, code });
    expect(withoutBinding.statusCode).toBe(401);
    const changed = await browser.postJson('/api/v1/password', { currentPassword: password, newPassword, code, stepUpId });
    expect(changed.statusCode).toBe(200);
    const replayed = await browser.postJson('/api/v1/password', {
      currentPassword: newPassword,
      newPassword: password,
      code,
      stepUpId,
    });
    expect(replayed.json().error.code).toBe('ERR_STEP_UP_EXPIRED');
  });

  it('offers “Email me a code” beside a change on the account page, and the form carries the code’s binding', async () => {
    server = await startTestServer();
    const browser = new TestBrowser(server.app);
    await signUpWithEmailCodes(server, browser, 'ada@example.com');
    const sent = await browser.submitForm('/account', '/account/action-code', { codeFor: await codeForPassword(browser) });
    expect(sent.body).toContain('We sent a code to a•••@e•••.com');
    const stepUpId = /name="stepUpId" value="([^"]+)"/.exec(sent.body)![1]!;
    const changed = await browser.submitForm('/account', '/account/password', {
      currentPassword: password,
      newPassword,
      proof: await latestEmailedCode(server, 'ada@example.com'),
      stepUpId,
    });
    expect(changed.headers.location).toBe('/account?done=password');
  });

  it('lets an operator-given window cover later requests of a built-in action', async () => {
    server = await startTestServer({
      config: testConfig({
        stepUp: {
          actions: { 'recovery_codes.regenerate': { label: 'Make new recovery codes', alwaysOn: true, windowSeconds: 300 } },
        },
      }),
    });
    const browser = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, browser, 'ada@example.com');
    expect((await browser.postJson('/api/v1/recovery-codes', { code: nextCode(secret) })).statusCode).toBe(201);
    server.clock.advance(240_000);
    expect((await browser.postJson('/api/v1/recovery-codes', {})).statusCode).toBe(201);
    server.clock.advance(60_000);
    expect((await browser.postJson('/api/v1/recovery-codes', {})).json().error.code).toBe('ERR_STEP_UP_REQUIRED');
  });

  it('refuses a configuration that makes a built-in action optional', () => {
    expect(() =>
      configSchema.parse({ stepUp: { actions: { 'password.change': { label: 'Change it', alwaysOn: false } } } }),
    ).toThrow(/must stay alwaysOn/);
  });
});

/** The value of the page's "Email me a code" button for a password change. */
async function codeForPassword(browser: TestBrowser): Promise<string> {
  const page = (await browser.get('/account')).body;
  return /name="codeFor"\s+value="(password\.change\|[^"]+)"/.exec(page)![1]!;
}

describe('deleting an account', () => {
  it('needs a confirmation, the password and a second factor, then leaves nothing of the person', async () => {
    server = await startTestServer();
    const browser = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, browser, 'ada@example.com');
    await browser.postJson('/api/v1/email/verify', await latestVerificationLink(server, 'ada@example.com'));
    const { id } = (await browser.get('/api/v1/me')).json().user;

    const remove = (body: object) => browser.postJson('/api/v1/account/delete', { password, confirm: true, ...body });
    expect((await browser.postJson('/api/v1/account/delete', { password })).statusCode).toBe(400);
    expect((await remove({ password: 'not it' })).statusCode).toBe(401);
    expect((await remove({})).json().error.code).toBe('ERR_STEP_UP_REQUIRED');
    expect((await browser.get('/api/v1/me')).statusCode).toBe(200);

    const deleted = await remove({ code: nextCode(secret) });
    expect(deleted.json()).toMatchObject({ deletedAt: server.clock.now(), dueAt: null });
    expect((await browser.get('/api/v1/me')).statusCode).toBe(401);
    expect(
      (await new TestBrowser(server.app).postJson('/api/v1/sign-in', { email: 'ada@example.com', password })).statusCode,
    ).toBe(401);
    expect(await server.deps.store.users.findById(id)).toBeUndefined();
    expect(await server.deps.store.events.listForUser(id, 10)).toEqual([]);
    expect(await server.deps.store.factors.listForUser(id)).toEqual([]);
    const [goodbye] = await server.deps.store.outbox.latest(1);
    expect(goodbye).toMatchObject({ to: 'ada@example.com', subject: 'Your Tessera account was deleted' });
  });

  it('with a grace period, signs out everywhere, and a sign-in before the end keeps the account', async () => {
    server = await startTestServer({ config: testConfig({ accountDeletion: { graceDays: 7 } }) });
    const browser = new TestBrowser(server.app);
    await browser.postJson('/api/v1/sign-up', { email: 'bo@example.com', password });
    await new TestBrowser(server.app).postJson('/api/v1/sign-up', { email: 'cy@example.com', password });
    const laptop = new TestBrowser(server.app);
    await laptop.postJson('/api/v1/sign-in', { email: 'cy@example.com', password });

    const bo = await browser.postJson('/api/v1/account/delete', { password, confirm: true });
    expect(bo.json().dueAt).toBe(server.clock.now() + days(7));
    const cy = await laptop.postJson('/api/v1/account/delete', { password, confirm: true });
    expect((await laptop.get('/api/v1/me')).statusCode).toBe(401);

    server.clock.advance(days(6));
    expect((await server.sweep()).deletedAccounts).toBe(0);
    expect((await browser.postJson('/api/v1/sign-in', { email: 'bo@example.com', password })).statusCode).toBe(200);
    server.clock.advance(days(2));
    expect((await server.sweep()).deletedAccounts).toBe(1);
    expect(cy.statusCode).toBe(200);
    expect(await server.deps.store.users.findByEmail('cy@example.com')).toBeUndefined();
    expect(await server.deps.store.users.findByEmail('bo@example.com')).toMatchObject({ deletionDueAt: null });
  });

  it('deletes from the account page and says so on the sign-in page', async () => {
    server = await startTestServer();
    const browser = new TestBrowser(server.app);
    await browser.submitForm('/sign-up', '/sign-up', { email: 'di@example.com', password });
    const done = await browser.submitForm('/account', '/account/delete', { password, confirmDeletion: 'on' });
    expect(done.body).toContain('Your account was deleted.');
    expect(await server.deps.store.users.findByEmail('di@example.com')).toBeUndefined();
  });
});
