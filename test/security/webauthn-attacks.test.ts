import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { TestBrowser } from '../support/http-client.js';
import { password, reachChallenge, signUpWithTotp, totpAt } from '../support/mfa.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

const origin = 'http://localhost:4000';

describe.each(databaseKinds)('WebAuthn attacks on %s', (database) => {
  let server: TestServer;
  let ada: TestBrowser;

  const start = async (overrides: Parameters<typeof testConfig>[0] = {}) => {
    server = await startTestServer({ database, config: testConfig(overrides, database) });
    ada = new TestBrowser(server.app);
  };
  afterEach(() => server.close());

  const options = async (browser: TestBrowser, url: string, body: unknown = {}) => {
    const response = await browser.postJson(url, body);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as { challenge: string; rpId?: string };
  };

  /** Signs a new account up through the API and registers `key` as its first factor (a security key). */
  async function signUpWithKey(browser: TestBrowser, email: string, key: SoftAuthenticator) {
    expect((await browser.postJson('/api/v1/sign-up', { email, password })).statusCode).toBe(201);
    const ceremony = await options(browser, '/api/v1/factors/webauthn/options', { kind: 'security_key', password });
    const added = await browser.postJson('/api/v1/factors/webauthn', { credential: key.register(ceremony), label: 'Blue key' });
    expect(added.statusCode, added.body).toBe(201);
    return added.json() as { factor: { id: string }; recoveryCodes: string[] };
  }

  const answerChallenge = (browser: TestBrowser, webauthn: unknown) =>
    browser.postJson('/api/v1/sign-in/second-factor', { webauthn });

  describe('at the second step', () => {
    let key: SoftAuthenticator;
    beforeEach(async () => {
      await start();
      key = new SoftAuthenticator(origin);
      await signUpWithKey(ada, 'ada@example.com', key);
      await reachChallenge(ada, 'ada@example.com');
    });

    it('signs in once with a security key, refusing parallel copies and a later replay of the same answer', async () => {
      const answer = key.assert(await options(ada, '/api/v1/sign-in/webauthn-options'));
      const statuses = await Promise.all(Array.from({ length: 8 }, () => answerChallenge(ada, answer)));
      expect(statuses.map((response) => response.statusCode).sort()).toEqual([200, 401, 401, 401, 401, 401, 401, 401]);
      expect((await ada.get('/api/v1/me')).json().session).toMatchObject({ aal: 2, amr: ['pwd', 'hwk'] });

      await reachChallenge(ada, 'ada@example.com');
      expect((await answerChallenge(ada, answer)).statusCode).toBe(401);
    });

    it('refuses an answer to a challenge issued for another pending sign-in', async () => {
      const eve = new TestBrowser(server.app);
      await reachChallenge(eve, 'ada@example.com');
      const answer = key.assert(await options(ada, '/api/v1/sign-in/webauthn-options'));
      expect((await answerChallenge(eve, answer)).statusCode).toBe(401);
      expect((await eve.get('/api/v1/me')).statusCode).toBe(401);
    });

    it('refuses another person’s key, even answering this sign-in’s own challenge', async () => {
      const eve = new TestBrowser(server.app);
      const evesKey = new SoftAuthenticator(origin);
      await signUpWithKey(eve, 'eve@example.com', evesKey);
      const answer = evesKey.assert(await options(ada, '/api/v1/sign-in/webauthn-options'));
      expect((await answerChallenge(ada, answer)).statusCode).toBe(401);
      expect((await ada.get('/api/v1/me')).statusCode).toBe(401);
    });

    it('refuses an answer after its five minutes, signed for another site, or without the person’s touch', async () => {
      const late = await options(ada, '/api/v1/sign-in/webauthn-options');
      server.clock.advance(5 * 60_000);
      expect((await answerChallenge(ada, key.assert(late))).statusCode).toBe(401);

      const phished = key.assert(
        await options(ada, '/api/v1/sign-in/webauthn-options'),
        {},
        { origin: 'https://tessera-login.example' },
      );
      expect((await answerChallenge(ada, phished)).statusCode).toBe(401);
      const otherSite = key.assert({ ...(await options(ada, '/api/v1/sign-in/webauthn-options')), rpId: 'example.org' });
      expect((await answerChallenge(ada, otherSite)).statusCode).toBe(401);
      const untouched = key.assert(await options(ada, '/api/v1/sign-in/webauthn-options'), { up: false });
      expect((await answerChallenge(ada, untouched)).statusCode).toBe(401);

      expect((await answerChallenge(ada, key.assert(await options(ada, '/api/v1/sign-in/webauthn-options')))).statusCode).toBe(
        200,
      );
    });

    it('counts a refused answer against the account’s one failure budget', async () => {
      const forged = key.assert(await options(ada, '/api/v1/sign-in/webauthn-options'), { up: false });
      expect((await answerChallenge(ada, forged)).json().error.code).toBe('ERR_CODE_INVALID');
      const user = await server.deps.store.users.findByEmail('ada@example.com');
      const events = await server.deps.store.events.listForUser(user!.id, 10);
      expect(events.find((event) => event.type === 'second_factor_failed')).toMatchObject({ detail: { failures: 1 } });
    });

    it('refuses a key whose counter went backwards and blocks it from then on', async () => {
      key.signCount = 10;
      expect((await answerChallenge(ada, key.assert(await options(ada, '/api/v1/sign-in/webauthn-options')))).statusCode).toBe(
        200,
      );
      await reachChallenge(ada, 'ada@example.com');
      key.signCount = 3;
      expect((await answerChallenge(ada, key.assert(await options(ada, '/api/v1/sign-in/webauthn-options')))).statusCode).toBe(
        401,
      );
      const factors = (await ada.get('/api/v1/factors')).statusCode;
      expect(factors).toBe(401);
      expect((await ada.postJson('/api/v1/sign-in/webauthn-options')).statusCode).toBe(404);
      key.signCount = 50;
      expect((await ada.postJson('/api/v1/sign-in', { email: 'ada@example.com', password })).json().methods).toEqual([
        'recovery_code',
      ]);
    });
  });

  it('asks for user verification at the second step when configured to', async () => {
    await start({ webauthn: { secondFactorUserVerification: 'required' } });
    const key = new SoftAuthenticator(origin);
    expect((await ada.postJson('/api/v1/sign-up', { email: 'ada@example.com', password })).statusCode).toBe(201);
    const ceremony = await options(ada, '/api/v1/factors/webauthn/options', { kind: 'security_key', password });
    expect(
      (await ada.postJson('/api/v1/factors/webauthn', { credential: key.register(ceremony, { uv: true }) })).statusCode,
    ).toBe(201);
    await reachChallenge(ada, 'ada@example.com');
    const unverified = key.assert(await options(ada, '/api/v1/sign-in/webauthn-options'));
    expect((await answerChallenge(ada, unverified)).statusCode).toBe(401);
    const verified = key.assert(await options(ada, '/api/v1/sign-in/webauthn-options'), { uv: true });
    expect((await answerChallenge(ada, verified)).statusCode).toBe(200);
  });

  describe('registration', () => {
    beforeEach(() => start());

    it('leaves no trace when the answer is for another person’s challenge, another site or has no touch', async () => {
      const eve = new TestBrowser(server.app);
      expect((await eve.postJson('/api/v1/sign-up', { email: 'eve@example.com', password })).statusCode).toBe(201);
      expect((await ada.postJson('/api/v1/sign-up', { email: 'ada@example.com', password })).statusCode).toBe(201);
      const key = new SoftAuthenticator(origin);

      const evesCeremony = await options(eve, '/api/v1/factors/webauthn/options', { kind: 'security_key', password });
      const stolen = await ada.postJson('/api/v1/factors/webauthn', { credential: key.register(evesCeremony) });
      expect(stolen.json().error.code).toBe('ERR_ENROLLMENT_EXPIRED');

      const phished = key.register(
        await options(ada, '/api/v1/factors/webauthn/options', { kind: 'security_key', password }),
        {},
        { origin: 'https://evil.example' },
      );
      expect((await ada.postJson('/api/v1/factors/webauthn', { credential: phished })).json().error.code).toBe(
        'ERR_WEBAUTHN_FAILED',
      );
      const untouched = key.register(await options(ada, '/api/v1/factors/webauthn/options', { kind: 'security_key', password }), {
        up: false,
      });
      expect((await ada.postJson('/api/v1/factors/webauthn', { credential: untouched })).statusCode).toBe(400);

      for (const browser of [ada, eve])
        expect((await browser.get('/api/v1/factors')).json()).toMatchObject({ factors: [], recoveryCodesRemaining: 0 });
    });

    it('refuses a biometric before another method exists, and one that did not verify the person', async () => {
      expect((await ada.postJson('/api/v1/sign-up', { email: 'ada@example.com', password })).statusCode).toBe(201);
      const refused = await ada.postJson('/api/v1/factors/webauthn/options', { kind: 'biometric', password });
      expect(refused.json().error.code).toBe('ERR_OTHER_FACTOR_FIRST');

      await signUpWithKey(new TestBrowser(server.app), 'other@example.com', new SoftAuthenticator(origin));
      const key = new SoftAuthenticator(origin);
      const ceremony = await options(ada, '/api/v1/factors/webauthn/options', { kind: 'security_key', password });
      expect((await ada.postJson('/api/v1/factors/webauthn', { credential: key.register(ceremony) })).statusCode).toBe(201);
      const sensor = new SoftAuthenticator(origin);
      const biometric = await options(ada, '/api/v1/factors/webauthn/options', { kind: 'biometric', password });
      expect(
        (await ada.postJson('/api/v1/factors/webauthn', { credential: sensor.register(biometric, { uv: false }) })).statusCode,
      ).toBe(400);
      expect((await ada.get('/api/v1/factors')).json().factors).toHaveLength(1);
    });

    it('refuses the same key twice, on one account or on two', async () => {
      const key = new SoftAuthenticator(origin);
      await signUpWithKey(ada, 'ada@example.com', key);
      const again = await options(ada, '/api/v1/factors/webauthn/options', { kind: 'security_key', password });
      expect((await ada.postJson('/api/v1/factors/webauthn', { credential: key.register(again) })).statusCode).toBe(409);

      const eve = new TestBrowser(server.app);
      expect((await eve.postJson('/api/v1/sign-up', { email: 'eve@example.com', password })).statusCode).toBe(201);
      const evesCeremony = await options(eve, '/api/v1/factors/webauthn/options', { kind: 'security_key', password });
      expect((await eve.postJson('/api/v1/factors/webauthn', { credential: key.register(evesCeremony) })).statusCode).toBe(409);
      expect((await eve.get('/api/v1/factors')).json()).toMatchObject({ factors: [], recoveryCodesRemaining: 0 });
    });

    it('removes a key only with a fresh answer from a key, never with a used one', async () => {
      const key = new SoftAuthenticator(origin);
      const { factor } = await signUpWithKey(ada, 'ada@example.com', key);
      const removal = (proof: unknown) =>
        ada.request({
          method: 'DELETE',
          url: `/api/v1/factors/${factor.id}`,
          payload: { ...(proof as object), confirmTurningOff: true },
        });
      expect((await removal({})).json().error.code).toBe('ERR_STEP_UP_REQUIRED');
      const answer = key.assert(await options(ada, '/api/v1/factors/webauthn/proof-options'));
      expect((await ada.postJson('/api/v1/recovery-codes', { webauthn: answer })).statusCode).toBe(201);
      expect((await removal({ webauthn: answer })).statusCode).toBe(401);
      const fresh = key.assert(await options(ada, '/api/v1/factors/webauthn/proof-options'));
      expect((await removal({ webauthn: fresh })).json()).toEqual({ mfaEnabled: false });
      expect((await ada.get('/api/v1/factors')).json().factors).toEqual([]);
    });
  });

  describe('passkeys', () => {
    let sensor: SoftAuthenticator;
    let enrolled: Awaited<ReturnType<typeof signUpWithTotp>>;
    beforeEach(async () => {
      await start();
      enrolled = await signUpWithTotp(server, ada, 'ada@example.com');
      const { user } = (await ada.get('/api/v1/me')).json() as { user: { id: string } };
      sensor = new SoftAuthenticator(origin, { userHandle: Buffer.from(user.id).toString('base64url') });
      const ceremony = await options(ada, '/api/v1/factors/webauthn/options', { kind: 'biometric', password });
      expect(
        (await ada.postJson('/api/v1/factors/webauthn', { credential: sensor.register(ceremony, { uv: true }) })).statusCode,
      ).toBe(201);
      await ada.postJson('/api/v1/sign-out');
    });
    const signInWithPasskey = async (browser: TestBrowser, uv: boolean) =>
      browser.postJson('/api/v1/sign-in/passkey', {
        credential: sensor.assert(await options(browser, '/api/v1/sign-in/passkey/options'), { uv }),
      });

    it('signs in with two factors when the passkey verified the person', async () => {
      const response = await signInWithPasskey(ada, true);
      expect(response.json()).toMatchObject({ status: 'signed_in', session: { aal: 2, amr: ['hwk', 'user'] } });
    });

    it('asks for another factor when the passkey did not verify the person, and never the same key again', async () => {
      const response = await signInWithPasskey(ada, false);
      expect(response.json()).toMatchObject({ status: 'second_factor_required', methods: ['totp', 'recovery_code'] });
      expect((await ada.postJson('/api/v1/sign-in/webauthn-options')).statusCode).toBe(404);
      expect((await ada.get('/api/v1/me')).statusCode).toBe(401);
      server.clock.advance(30_000);
      const finished = await ada.postJson('/api/v1/sign-in/second-factor', { code: totpAt(enrolled.secret, server.clock.now()) });
      expect(finished.json()).toMatchObject({ status: 'signed_in', session: { aal: 2, amr: ['hwk', 'otp'] } });
    });

    it('refuses a passkey answer replayed, naming another account, or for a second-factor challenge', async () => {
      const answer = sensor.assert(await options(ada, '/api/v1/sign-in/passkey/options'), { uv: true });
      expect((await ada.postJson('/api/v1/sign-in/passkey', { credential: answer })).statusCode).toBe(200);
      await ada.postJson('/api/v1/sign-out');
      expect((await ada.postJson('/api/v1/sign-in/passkey', { credential: answer })).json().error.code).toBe(
        'ERR_PASSKEY_FAILED',
      );

      const impostor = sensor.assert(await options(ada, '/api/v1/sign-in/passkey/options'), { uv: true });
      impostor.response.userHandle = Buffer.from('someone-else').toString('base64url');
      expect((await ada.postJson('/api/v1/sign-in/passkey', { credential: impostor })).statusCode).toBe(401);

      await reachChallenge(ada, 'ada@example.com');
      const secondStep = sensor.assert(await options(ada, '/api/v1/sign-in/webauthn-options'), { uv: true });
      expect((await ada.postJson('/api/v1/sign-in/passkey', { credential: secondStep })).statusCode).toBe(401);
      expect((await ada.get('/api/v1/me')).statusCode).toBe(401);
    });

    it('offers no passkey sign-in when it is turned off', async () => {
      await server.close();
      await start({ webauthn: { passkeys: false } });
      expect((await ada.postJson('/api/v1/sign-in/passkey/options')).statusCode).toBe(404);
      expect((await ada.get('/sign-in')).body).not.toContain('Sign in with a passkey');
    });
  });

  describe('step-up', () => {
    it('refuses a key’s answer for one withdrawal as the approval of another, and accepts an answer once for its own', async () => {
      await start();
      const key = new SoftAuthenticator(origin);
      await signUpWithKey(ada, 'ada@example.com', key);
      const stepUp = async (details: string) =>
        (await ada.postJson('/api/v1/step-up', { action: 'funds.withdraw', details })).json().stepUpId as string;
      const first = await stepUp('Withdraw £250.00 to account ••••1234');
      const other = await stepUp('Withdraw £9,999.00 to account ••••6666');
      const answerFor = async (stepUpId: string) =>
        key.assert(await options(ada, '/api/v1/step-up/webauthn-options', { stepUpId }));

      const misused = await ada.postJson('/api/v1/step-up/verify', { stepUpId: other, webauthn: await answerFor(first) });
      expect(misused.statusCode).toBe(401);
      const answer = await answerFor(first);
      const approved = await ada.postJson('/api/v1/step-up/verify', { stepUpId: first, webauthn: answer });
      expect(approved.statusCode, approved.body).toBe(200);
      const replayed = await ada.postJson('/api/v1/step-up/verify', { stepUpId: other, webauthn: answer });
      expect(replayed.statusCode).toBe(401);
      const signInAnswer = await answerFor(other);
      await reachChallenge(ada, 'ada@example.com');
      expect((await answerChallenge(ada, signInAnswer)).statusCode).toBe(401);
    });
  });
});
