import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signInWithPassword } from '../../src/core/flows/sign-in.js';
import { completeSecondFactor } from '../../src/core/flows/complete-second-factor.js';
import { databaseKinds } from '../support/databases.js';
import { TestBrowser } from '../support/http-client.js';
import { password, reachChallenge, signUpWithTotp, totpAt } from '../support/mfa.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe.each(databaseKinds)('second-factor attacks on %s', (database) => {
  let server: TestServer;
  let browser: TestBrowser;
  let enrolled: Awaited<ReturnType<typeof signUpWithTotp>>;

  beforeEach(async () => {
    server = await startTestServer({ database });
    browser = new TestBrowser(server.app);
    enrolled = await signUpWithTotp(server, browser, 'ada@example.com');
    server.clock.advance(30_000);
  });
  afterEach(() => server.close());

  /** Pending sign-ins for Ada, made one after another (parallel passwords would meet the password throttle). */
  const pendingSignIns = async (count: number) => {
    const tokens: string[] = [];
    for (let i = 0; i < count; i++) {
      const outcome = await signInWithPassword(server.deps, { email: 'ada@example.com', password, ip: '192.0.2.1' });
      if (outcome.kind !== 'second_factor_required') throw new Error('expected a pending sign-in');
      tokens.push(outcome.pendingToken);
    }
    return tokens;
  };
  const settle = (attempts: Promise<unknown>[]) =>
    Promise.all(
      attempts.map((attempt) =>
        attempt.then(
          () => 'ok',
          (error: { code: string }) => error.code ?? String(error),
        ),
      ),
    );

  it('refuses a TOTP code for an already used time step and records the reuse', async () => {
    await reachChallenge(browser, 'ada@example.com');
    const code = totpAt(enrolled.secret, server.clock.now());
    expect((await browser.postJson('/api/v1/sign-in/second-factor', { code })).statusCode).toBe(200);

    const attacker = new TestBrowser(server.app);
    await reachChallenge(attacker, 'ada@example.com');
    const replay = await attacker.postJson('/api/v1/sign-in/second-factor', { code });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('ERR_CODE_INVALID');
    const events = await server.deps.store.events.listForUser(
      (await server.deps.store.users.findByEmail('ada@example.com'))!.id,
      50,
    );
    expect(events.map((event) => event.type)).toContain('totp_replay');
  });

  it('refuses a code from an earlier step once a later one was used', async () => {
    const earlier = totpAt(enrolled.secret, server.clock.now() - 30_000);
    await reachChallenge(browser, 'ada@example.com');
    expect(
      (await browser.postJson('/api/v1/sign-in/second-factor', { code: totpAt(enrolled.secret, server.clock.now()) })).statusCode,
    ).toBe(200);
    await reachChallenge(browser, 'ada@example.com');
    expect((await browser.postJson('/api/v1/sign-in/second-factor', { code: earlier })).statusCode).toBe(401);
  });

  it('lets exactly one of ten parallel submissions of one valid code sign in', async () => {
    const tokens = await pendingSignIns(10);
    const code = totpAt(enrolled.secret, server.clock.now());
    const results = await settle(
      tokens.map((pendingToken) => completeSecondFactor(server.deps, { pendingToken, proof: { code }, ip: '192.0.2.1' })),
    );
    expect(results.filter((result) => result === 'ok')).toHaveLength(1);
    // Each attempt is counted before it is checked, so the tenth may meet the lock the burst reached.
    expect(results.filter((result) => result === 'ERR_CODE_INVALID' || result === 'ERR_LOCKED')).toHaveLength(9);
  });

  it('lets exactly one of ten parallel submissions of one recovery code sign in', async () => {
    const tokens = await pendingSignIns(10);
    const recoveryCode = enrolled.recoveryCodes[0]!;
    const results = await settle(
      tokens.map((pendingToken) => completeSecondFactor(server.deps, { pendingToken, proof: { recoveryCode }, ip: '192.0.2.1' })),
    );
    expect(results.filter((result) => result === 'ok')).toHaveLength(1);
    const user = (await server.deps.store.users.findByEmail('ada@example.com'))!;
    expect(await server.deps.store.recoveryCodes.countUnused(user.id)).toBe(9);
  });

  it('lets one pending sign-in become exactly one session under parallel valid proofs', async () => {
    const [pendingToken] = await pendingSignIns(1);
    const results = await settle(
      enrolled.recoveryCodes
        .slice(0, 5)
        .map((recoveryCode) =>
          completeSecondFactor(server.deps, { pendingToken: pendingToken!, proof: { recoveryCode }, ip: '192.0.2.1' }),
        ),
    );
    expect(results.filter((result) => result === 'ok')).toHaveLength(1);
  });

  it('counts ten parallel wrong codes as ten failures and locks the account', async () => {
    const tokens = await pendingSignIns(12);
    const results = await settle(
      tokens.map((pendingToken) =>
        completeSecondFactor(server.deps, { pendingToken, proof: { code: '000000' }, ip: '192.0.2.1' }),
      ),
    );
    expect(results.filter((result) => result === 'ERR_CODE_INVALID')).toHaveLength(9);
    expect(results.filter((result) => result === 'ERR_LOCKED')).toHaveLength(3);
    const user = (await server.deps.store.users.findByEmail('ada@example.com'))!;
    expect(await server.deps.store.lockout.lockedUntil(user.id)).toBe(server.clock.now() + 15 * 60_000);
  });

  it('refuses a valid code submitted against another user’s pending sign-in', async () => {
    const eve = new TestBrowser(server.app);
    const eveEnrolled = await signUpWithTotp(server, eve, 'eve@example.com');
    await reachChallenge(browser, 'ada@example.com');
    server.clock.advance(30_000);
    const response = await browser.postJson('/api/v1/sign-in/second-factor', {
      code: totpAt(eveEnrolled.secret, server.clock.now()),
    });
    expect(response.statusCode).toBe(401);
    const eveRecovery = await browser.postJson('/api/v1/sign-in/second-factor', { recoveryCode: eveEnrolled.recoveryCodes[0] });
    expect(eveRecovery.statusCode).toBe(401);
    expect((await browser.get('/api/v1/me')).statusCode).toBe(401);
  });
});

describe('second-factor lockout', () => {
  let server: TestServer;
  let browser: TestBrowser;
  let enrolled: Awaited<ReturnType<typeof signUpWithTotp>>;

  beforeEach(async () => {
    server = await startTestServer();
    browser = new TestBrowser(server.app);
    enrolled = await signUpWithTotp(server, browser, 'ada@example.com');
    server.clock.advance(30_000);
  });
  afterEach(() => server.close());

  const wrongCode = (client: TestBrowser) => client.postJson('/api/v1/sign-in/second-factor', { code: '000000' });

  it('keeps counting wrong codes across re-logins and new browsers, then locks for 15 minutes', async () => {
    for (let round = 0; round < 5; round++) {
      const client = new TestBrowser(server.app);
      await reachChallenge(client, 'ada@example.com');
      expect((await wrongCode(client)).statusCode).toBe(401);
      expect((await wrongCode(client)).statusCode, `round ${round}`).toBe(round === 4 ? 423 : 401);
    }
    const fresh = new TestBrowser(server.app);
    const signIn = await fresh.postJson('/api/v1/sign-in', { email: 'ada@example.com', password });
    expect(signIn.statusCode).toBe(423);
    expect(signIn.json().error.message).toMatch(/locked for 15 minutes/);

    server.clock.advance(14 * 60_000);
    expect((await fresh.postJson('/api/v1/sign-in', { email: 'ada@example.com', password })).statusCode).toBe(423);
    server.clock.advance(61_000);
    await reachChallenge(fresh, 'ada@example.com');
    const ok = await fresh.postJson('/api/v1/sign-in/second-factor', { code: totpAt(enrolled.secret, server.clock.now()) });
    expect(ok.statusCode).toBe(200);
  });

  it('refuses even the right code while locked', async () => {
    await reachChallenge(browser, 'ada@example.com');
    for (let i = 0; i < 10; i++) await wrongCode(browser);
    const right = await browser.postJson('/api/v1/sign-in/second-factor', { code: totpAt(enrolled.secret, server.clock.now()) });
    expect(right.statusCode).toBe(423);
    expect((await browser.get('/api/v1/me')).statusCode).toBe(401);
  });

  it('tells only someone with the right password that the account is locked', async () => {
    await reachChallenge(browser, 'ada@example.com');
    for (let i = 0; i < 10; i++) await wrongCode(browser);
    const stranger = new TestBrowser(server.app);
    const wrongPassword = await stranger.postJson('/api/v1/sign-in', { email: 'ada@example.com', password: 'a wrong password' });
    const unknown = await stranger.postJson('/api/v1/sign-in', { email: 'nobody@example.com', password: 'a wrong password' });
    expect(wrongPassword.statusCode).toBe(401);
    expect(wrongPassword.body).toBe(unknown.body);
  });

  it('resets the count after a success', async () => {
    await reachChallenge(browser, 'ada@example.com');
    for (let i = 0; i < 9; i++) await wrongCode(browser);
    expect(
      (await browser.postJson('/api/v1/sign-in/second-factor', { code: totpAt(enrolled.secret, server.clock.now()) })).statusCode,
    ).toBe(200);
    await reachChallenge(browser, 'ada@example.com');
    for (let i = 0; i < 9; i++) expect((await wrongCode(browser)).statusCode).toBe(401);
  });
});

describe('the pending sign-in', () => {
  let server: TestServer;
  let browser: TestBrowser;

  beforeEach(async () => {
    server = await startTestServer();
    browser = new TestBrowser(server.app);
    await signUpWithTotp(server, browser, 'ada@example.com');
    await reachChallenge(browser, 'ada@example.com');
  });
  afterEach(() => server.close());

  it.each([
    ['GET', '/api/v1/me'],
    ['GET', '/api/v1/factors'],
    ['POST', '/api/v1/factors/totp'],
    ['POST', '/api/v1/factors/totp/confirm'],
    ['POST', '/api/v1/recovery-codes'],
    ['POST', '/api/v1/password'],
    ['POST', '/api/v1/sign-out'],
    ['DELETE', '/api/v1/factors/anything'],
  ] as const)('reaches no protected API: %s %s', async (method, url) => {
    const bodies: Record<string, unknown> = {
      '/api/v1/factors/totp': { password },
      '/api/v1/factors/totp/confirm': { enrollmentToken: 'x', code: '123456' },
      '/api/v1/recovery-codes': { code: '123456' },
      '/api/v1/password': { currentPassword: password, newPassword: 'violet canyon drum' },
      '/api/v1/factors/anything': { code: '123456' },
    };
    const response = await browser.request({ method, url, payload: bodies[url] as Record<string, unknown> | undefined });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('ERR_UNAUTHENTICATED');
  });

  it.each(['/account', '/account/authenticator'])('reaches no protected page: %s', async (url) => {
    const response = await browser.get(url);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/sign-in');
  });

  it('is not a session: using the pending token as a session cookie gets nothing', async () => {
    const pendingToken = browser.cookies.get('tessera_pending')!;
    const response = await server.app.inject({ url: '/api/v1/me', cookies: { tessera_session: pendingToken } });
    expect(response.statusCode).toBe(401);
  });

  it('expires after the configured minutes', async () => {
    server.clock.advance(10 * 60_000 + 1);
    const response = await browser.postJson('/api/v1/sign-in/second-factor', { code: '123456' });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('ERR_SIGN_IN_EXPIRED');
  });

  it.each([
    ['a blank code', { code: '' }],
    ['null', { code: null }],
    ['an array', { code: ['123456'] }],
    ['an object', { code: { $gt: '' } }],
    ['a huge code', { code: '1'.repeat(10_000) }],
    ['both a code and a recovery code', { code: '123456', recoveryCode: 'ABCD' }],
    ['nothing', {}],
  ])('refuses %s with a 400 and no session', async (_name, body) => {
    const response = await browser.postJson('/api/v1/sign-in/second-factor', body);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('ERR_INVALID_INPUT');
    expect(browser.cookies.has('tessera_session')).toBe(false);
  });
});
