import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { TestBrowser } from '../support/http-client.js';
import { password, reachChallenge, signUpWithTotp, totpAt } from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

describe.each(databaseKinds)('trusted devices and sessions on %s', (database) => {
  let server: TestServer;
  afterEach(() => server.close());

  async function start(overrides: Parameters<typeof testConfig>[0] = {}) {
    server = await startTestServer({ database, config: testConfig(overrides, database) });
    const ada = new TestBrowser(server.app);
    const enrolled = await signUpWithTotp(server, ada, 'ada@example.com');
    return { ada, enrolled };
  }

  /** Passes the second step with the next TOTP code, trusting the browser when asked. */
  const passChallenge = async (browser: TestBrowser, secret: string, trustDevice = false) => {
    server.clock.advance(30_000);
    const response = await browser.postJson('/api/v1/sign-in/second-factor', {
      code: totpAt(secret, server.clock.now()),
      trustDevice,
    });
    expect(response.statusCode, response.body).toBe(200);
    return response;
  };
  const signIn = (browser: TestBrowser, email = 'ada@example.com') => browser.postJson('/api/v1/sign-in', { email, password });
  const deviceCookie = (browser: TestBrowser) => browser.cookies.get('tessera_device');

  it('skips the second step on a trusted browser at sign-in only, with aal 2 but no fresh second factor', async () => {
    const { ada, enrolled } = await start();
    await reachChallenge(ada, 'ada@example.com');
    const trusted = await passChallenge(ada, enrolled.secret, true);
    const cookie = trusted.cookies.find((each) => each.name === 'tessera_device');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/', maxAge: 30 * 86_400 });

    await ada.postJson('/api/v1/sign-out');
    const again = await signIn(ada);
    expect(again.json()).toMatchObject({ status: 'signed_in', session: { aal: 2, amr: ['pwd', 'trusted_device'] } });
    const [session] = (await ada.get('/api/v1/sessions')).json().sessions;
    expect(session).toMatchObject({ current: true, aal: 2 });
    const stored = await server.deps.store.sessions.listForUser(
      (await server.deps.store.users.findByEmail('ada@example.com'))!.id,
      server.clock.now(),
    );
    expect(stored[0]?.mfaAt).toBeNull();

    const elsewhere = new TestBrowser(server.app);
    expect((await signIn(elsewhere)).json()).toMatchObject({ status: 'second_factor_required' });
  });

  it('refuses one account’s trusted device for another account in the same browser', async () => {
    const { ada, enrolled } = await start();
    await reachChallenge(ada, 'ada@example.com');
    await passChallenge(ada, enrolled.secret, true);
    await ada.postJson('/api/v1/sign-out');
    const eve = new TestBrowser(server.app);
    await signUpWithTotp(server, eve, 'eve@example.com');
    await eve.postJson('/api/v1/sign-out');
    eve.cookies.set('tessera_device', deviceCookie(ada)!);
    expect((await signIn(eve, 'eve@example.com')).json()).toMatchObject({ status: 'second_factor_required' });
  });

  it('asks again after the device is revoked, after a password change, and after its days', async () => {
    const { ada, enrolled } = await start();
    const trustAgain = async () => {
      await reachChallenge(ada, 'ada@example.com');
      await passChallenge(ada, enrolled.secret, true);
    };
    await trustAgain();
    const [device] = (await ada.get('/api/v1/trusted-devices')).json().devices as { id: string }[];
    expect((await ada.request({ method: 'DELETE', url: `/api/v1/trusted-devices/${device!.id}` })).statusCode).toBe(204);
    await ada.postJson('/api/v1/sign-out');
    expect((await signIn(ada)).json().status).toBe('second_factor_required');

    await passChallenge(ada, enrolled.secret, true);
    server.clock.advance(30_000);
    const changed = await ada.postJson('/api/v1/password', {
      currentPassword: password,
      newPassword: password,
      endOtherSessions: false,
      code: totpAt(enrolled.secret, server.clock.now()),
    });
    expect(changed.statusCode, changed.body).toBe(200);
    await ada.postJson('/api/v1/sign-out');
    expect((await signIn(ada)).json().status).toBe('second_factor_required');

    await passChallenge(ada, enrolled.secret, true);
    await ada.postJson('/api/v1/sign-out');
    server.clock.advance(30 * 86_400_000);
    expect((await signIn(ada)).json().status).toBe('second_factor_required');
  });

  it('forgets the device at sign-out when asked, and always when so configured', async () => {
    const { ada, enrolled } = await start();
    await reachChallenge(ada, 'ada@example.com');
    await passChallenge(ada, enrolled.secret, true);
    await ada.postJson('/api/v1/sign-out', { forgetDevice: true });
    expect((await signIn(ada)).json().status).toBe('second_factor_required');
    await server.close();

    const ending = await start({ trustedDevices: { endOnSignOut: true } });
    await reachChallenge(ending.ada, 'ada@example.com');
    await passChallenge(ending.ada, ending.enrolled.secret, true);
    await ending.ada.postJson('/api/v1/sign-out');
    expect((await signIn(ending.ada)).json().status).toBe('second_factor_required');
  });

  it('offers no trust when it is configured to 0 days', async () => {
    const { ada, enrolled } = await start({ trustedDevices: { days: 0 } });
    await reachChallenge(ada, 'ada@example.com');
    expect((await ada.get('/sign-in/verify')).body).not.toContain('Trust this device');
    await passChallenge(ada, enrolled.secret, true);
    expect(deviceCookie(ada)).toBeUndefined();
  });

  it('signs another session out at once, and all others, never the current one by that route', async () => {
    const { ada, enrolled } = await start();
    const laptop = new TestBrowser(server.app);
    await signIn(laptop);
    await passChallenge(laptop, enrolled.secret);
    const phone = new TestBrowser(server.app);
    await signIn(phone);
    await passChallenge(phone, enrolled.secret);

    const sessions = (await ada.get('/api/v1/sessions')).json().sessions as { id: string; current: boolean }[];
    expect(sessions).toHaveLength(3);
    const current = sessions.find((session) => session.current)!;
    expect((await ada.request({ method: 'DELETE', url: `/api/v1/sessions/${current.id}` })).statusCode).toBe(400);
    const laptopSession = (await laptop.get('/api/v1/sessions'))
      .json()
      .sessions.find((session: { current: boolean }) => session.current);
    expect((await ada.request({ method: 'DELETE', url: `/api/v1/sessions/${laptopSession.id}` })).json()).toEqual({ ended: 1 });
    expect((await laptop.get('/api/v1/me')).statusCode).toBe(401);
    expect((await phone.get('/api/v1/me')).statusCode).toBe(200);

    expect((await ada.request({ method: 'DELETE', url: '/api/v1/sessions' })).json()).toEqual({ ended: 1 });
    expect((await phone.get('/api/v1/me')).statusCode).toBe(401);
    expect((await ada.get('/api/v1/me')).statusCode).toBe(200);
  });
});

describe('primary and fallback factors', () => {
  let server: TestServer;
  afterEach(() => server.close());

  it('opens the challenge with the primary factor, falls back to the others, and needs a second factor to change it', async () => {
    server = await startTestServer();
    const ada = new TestBrowser(server.app);
    const enrolled = await signUpWithTotp(server, ada, 'ada@example.com');
    server.clock.advance(30_000);
    const added = await ada.postJson('/api/v1/factors/phone', {
      number: '+447400123456',
      channel: 'sms',
      code: totpAt(enrolled.secret, server.clock.now()),
    });
    expect(added.statusCode, added.body).toBe(200);
    const [text] = (await server.deps.store.outbox.latest(50)).filter((message) => message.to === '+447400123456');
    const phone = await ada.postJson('/api/v1/factors/phone/confirm', { code: /#(\d{6})$/.exec(text!.text)![1] });
    expect(phone.statusCode, phone.body).toBe(201);
    const phoneId = phone.json().factor.id as string;

    expect((await reachChallenge(ada, 'ada@example.com')).json().methods).toEqual(['totp', 'phone', 'recovery_code']);
    server.clock.advance(30_000);
    await ada.postJson('/api/v1/sign-in/second-factor', { code: totpAt(enrolled.secret, server.clock.now()) });

    const unproven = await ada.postJson(`/api/v1/factors/${phoneId}/primary`, {});
    expect(unproven.statusCode).toBe(400);
    server.clock.advance(30_000);
    const proven = await ada.postJson(`/api/v1/factors/${phoneId}/primary`, {
      code: totpAt(enrolled.secret, server.clock.now()),
    });
    expect(proven.statusCode, proven.body).toBe(204);

    expect((await reachChallenge(ada, 'ada@example.com')).json().methods).toEqual(['phone', 'totp', 'recovery_code']);
    const page = (await ada.get('/sign-in/verify')).body;
    expect(page).toContain('Text a code to •••• 3456');
    expect(page).toContain('<a href="/sign-in/verify?method=totp">Use your authenticator app</a>');
    expect(page).toContain('Use a recovery code');

    server.clock.advance(30_000);
    const fallback = await ada.postJson('/api/v1/sign-in/second-factor', { code: totpAt(enrolled.secret, server.clock.now()) });
    expect(fallback.json()).toMatchObject({ status: 'signed_in', session: { amr: ['pwd', 'otp'] } });
  });
});

describe('turning two-step verification off', () => {
  let server: TestServer;
  afterEach(() => server.close());

  it('needs a current second factor, then removes every factor, recovery code and trusted device', async () => {
    server = await startTestServer();
    const ada = new TestBrowser(server.app);
    const enrolled = await signUpWithTotp(server, ada, 'ada@example.com');
    await reachChallenge(ada, 'ada@example.com');
    server.clock.advance(30_000);
    await ada.postJson('/api/v1/sign-in/second-factor', { code: totpAt(enrolled.secret, server.clock.now()), trustDevice: true });

    expect((await ada.postJson('/api/v1/mfa/off', {})).json().error.code).toBe('ERR_STEP_UP_REQUIRED');
    expect((await ada.postJson('/api/v1/mfa/off', { code: '000000' })).statusCode).toBe(401);
    expect((await ada.get('/api/v1/factors')).json().factors).toHaveLength(1);

    server.clock.advance(30_000);
    expect((await ada.postJson('/api/v1/mfa/off', { code: totpAt(enrolled.secret, server.clock.now()) })).statusCode).toBe(204);
    expect((await ada.get('/api/v1/factors')).json()).toMatchObject({
      mfaEnabled: false,
      factors: [],
      recoveryCodesRemaining: 0,
    });
    expect((await ada.get('/api/v1/trusted-devices')).json().devices).toEqual([]);
    await ada.postJson('/api/v1/sign-out');
    expect((await ada.postJson('/api/v1/sign-in', { email: 'ada@example.com', password })).json()).toMatchObject({
      status: 'signed_in',
      session: { aal: 1, amr: ['pwd'] },
    });
  });
});
