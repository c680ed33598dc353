import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../support/http-client.js';
import { password, reachChallenge, signUpWithTotp, totpAt } from '../support/mfa.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;
let browser: TestBrowser;

beforeEach(async () => {
  server = await startTestServer();
  browser = new TestBrowser(server.app);
});
afterEach(() => server.close());

/** The SQLite file as an operator (or a thief with a backup) would read it. */
const rawDatabase = () => new SQLite(server.config.database.url.slice('sqlite:'.length), { readonly: true });

const startEnrollment = async () => {
  await browser.postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
  const response = await browser.postJson('/api/v1/factors/totp', { password });
  return response.json() as { secret: string; enrollmentToken: string; otpauthUri: string };
};

describe('adding an authenticator app', () => {
  it('asks for the password again before showing a secret', async () => {
    await browser.postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
    const wrong = await browser.postJson('/api/v1/factors/totp', { password: 'not my password' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).not.toContain('secret');
  });

  it('completes with a right code and returns ten 16-character recovery codes for the first factor only', async () => {
    const { secret, enrollmentToken, otpauthUri } = await startEnrollment();
    expect(otpauthUri).toContain(`secret=${secret}`);
    const confirmed = await browser.postJson('/api/v1/factors/totp/confirm', {
      enrollmentToken,
      code: totpAt(secret, server.clock.now()),
      label: 'Work phone',
    });
    expect(confirmed.statusCode).toBe(201);
    const { factor, recoveryCodes } = confirmed.json();
    expect(factor).toMatchObject({ kind: 'totp', label: 'Work phone' });
    expect(recoveryCodes).toHaveLength(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[2-9A-HJ-NP-Z]{16}$/);

    const second = (await browser.postJson('/api/v1/factors/totp', { password })).json();
    const secondConfirmed = await browser.postJson('/api/v1/factors/totp/confirm', {
      enrollmentToken: second.enrollmentToken,
      code: totpAt(second.secret, server.clock.now()),
    });
    expect(secondConfirmed.json().recoveryCodes).toBeNull();
    expect((await browser.get('/api/v1/factors')).json()).toMatchObject({ mfaEnabled: true, recoveryCodesRemaining: 10 });
  });

  it('leaves no trace when set-up is abandoned or the code is wrong', async () => {
    const { enrollmentToken } = await startEnrollment();
    const wrong = await browser.postJson('/api/v1/factors/totp/confirm', { enrollmentToken, code: '000000' });
    expect(wrong.statusCode).toBe(401);
    expect((await browser.get('/api/v1/factors')).json()).toEqual({ mfaEnabled: false, factors: [], recoveryCodesRemaining: 0 });
    const db = rawDatabase();
    expect(db.prepare('select count(*) as n from factors').get()).toEqual({ n: 0 });
    expect(db.prepare('select count(*) as n from recovery_codes').get()).toEqual({ n: 0 });
    db.close();
  });

  it('does not accept a recovery code in place of the new app’s first code, and spends none', async () => {
    const { recoveryCodes } = await signUpWithTotp(server, browser, 'ada@example.com');
    const { enrollmentToken } = (await browser.postJson('/api/v1/factors/totp', { password })).json();
    for (const code of [recoveryCodes[0], recoveryCodes[1]!.slice(0, 6)]) {
      const response = await browser.postJson('/api/v1/factors/totp/confirm', { enrollmentToken, code });
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      expect(response.statusCode).toBeLessThan(500);
    }
    expect((await browser.get('/api/v1/factors')).json()).toMatchObject({ recoveryCodesRemaining: 10 });
    expect((await browser.get('/api/v1/factors')).json().factors).toHaveLength(1);
  });

  it('refuses an enrollment token from another session, after it expires, or used twice', async () => {
    const { secret, enrollmentToken } = await startEnrollment();
    const otherSession = new TestBrowser(server.app);
    await otherSession.postJson('/api/v1/sign-in', { email: 'ada@example.com', password });
    const code = totpAt(secret, server.clock.now());
    const elsewhere = await otherSession.postJson('/api/v1/factors/totp/confirm', { enrollmentToken, code });
    expect(elsewhere.json().error.code).toBe('ERR_ENROLLMENT_EXPIRED');

    expect((await browser.postJson('/api/v1/factors/totp/confirm', { enrollmentToken, code })).statusCode).toBe(201);
    server.clock.advance(30_000);
    const twice = await browser.postJson('/api/v1/factors/totp/confirm', {
      enrollmentToken,
      code: totpAt(secret, server.clock.now()),
    });
    expect(twice.json().error.code).toBe('ERR_ALREADY_ENROLLED');

    server.clock.advance(15 * 60_000);
    const late = await browser.postJson('/api/v1/factors/totp/confirm', {
      enrollmentToken,
      code: totpAt(secret, server.clock.now()),
    });
    expect(late.json().error.code).toBe('ERR_ENROLLMENT_EXPIRED');
  });
});

describe('secrets at rest', () => {
  it('keeps the TOTP secret encrypted under a key id and recovery codes only as keyed hashes', async () => {
    const { secret, recoveryCodes } = await signUpWithTotp(server, browser, 'ada@example.com');
    const db = rawDatabase();
    const factor = db.prepare('select secret_sealed from factors').get() as { secret_sealed: string };
    expect(factor.secret_sealed).toMatch(/^test1:[\w-]+$/);
    expect(factor.secret_sealed).not.toContain(secret);
    const hashes = (db.prepare('select code_hash from recovery_codes').all() as { code_hash: string }[]).map(
      (row) => row.code_hash,
    );
    expect(hashes).toHaveLength(10);
    for (const hash of hashes) {
      expect(hash).toMatch(/^test1:[\w-]{43}$/);
      for (const code of recoveryCodes) expect(hash).not.toContain(code);
    }
    db.close();
  });

  it('cannot use a sealed secret moved onto another person’s factor', async () => {
    const ada = await signUpWithTotp(server, browser, 'ada@example.com');
    const eveBrowser = new TestBrowser(server.app);
    await signUpWithTotp(server, eveBrowser, 'eve@example.com');
    const file = server.config.database.url.slice('sqlite:'.length);
    const db = new SQLite(file);
    const adaId = (db.prepare("select id from users where email = 'ada@example.com'").get() as { id: string }).id;
    db.prepare('update factors set secret_sealed = (select secret_sealed from factors where user_id = ?) where user_id != ?').run(
      adaId,
      adaId,
    );
    db.close();
    server.clock.advance(30_000);
    await reachChallenge(eveBrowser, 'eve@example.com');
    const response = await eveBrowser.postJson('/api/v1/sign-in/second-factor', { code: totpAt(ada.secret, server.clock.now()) });
    expect(response.statusCode).toBe(401);
  });
});

describe('signing in with a second factor', () => {
  it('gives an aal2 session with amr pwd+otp after an app code, and a new token', async () => {
    const { secret } = await signUpWithTotp(server, browser, 'ada@example.com');
    const planted = 'attacker-chosen-session-token';
    browser.cookies.set('tessera_session', planted);
    await reachChallenge(browser, 'ada@example.com');
    expect(browser.cookies.has('tessera_session')).toBe(false);
    server.clock.advance(30_000);
    const response = await browser.postJson('/api/v1/sign-in/second-factor', { code: totpAt(secret, server.clock.now()) });
    expect(response.json()).toMatchObject({ status: 'signed_in', session: { aal: 2, amr: ['pwd', 'otp'] } });
    expect(browser.cookies.get('tessera_session')).not.toBe(planted);
    expect(browser.cookies.has('tessera_pending')).toBe(false);
    expect((await browser.get('/api/v1/me')).json().session.aal).toBe(2);
  });

  it('marks a recovery-code sign-in with amr recovery_code and spends the code', async () => {
    const { recoveryCodes } = await signUpWithTotp(server, browser, 'ada@example.com');
    await reachChallenge(browser, 'ada@example.com');
    const typed = recoveryCodes[3]!.toLowerCase().replace(/(.{4})/g, '$1 ');
    const response = await browser.postJson('/api/v1/sign-in/second-factor', { recoveryCode: typed });
    expect(response.json()).toMatchObject({ session: { aal: 2, amr: ['pwd', 'recovery_code'] } });
    expect((await browser.get('/api/v1/factors')).json().recoveryCodesRemaining).toBe(9);
    await reachChallenge(browser, 'ada@example.com');
    expect((await browser.postJson('/api/v1/sign-in/second-factor', { recoveryCode: recoveryCodes[3] })).statusCode).toBe(401);
  });
});

describe('managing factors', () => {
  it('removes the last factor only with a current code and an explicit confirmation, turning MFA off', async () => {
    const { secret, factorId } = await signUpWithTotp(server, browser, 'ada@example.com');
    server.clock.advance(30_000);
    const code = totpAt(secret, server.clock.now());
    const unconfirmed = await browser.request({ method: 'DELETE', url: `/api/v1/factors/${factorId}`, payload: { code } });
    expect(unconfirmed.json().error.code).toBe('ERR_CONFIRMATION_REQUIRED');
    const wrong = await browser.request({
      method: 'DELETE',
      url: `/api/v1/factors/${factorId}`,
      payload: { code: '000000', confirmTurningOff: true },
    });
    expect(wrong.statusCode).toBe(401);
    const removed = await browser.request({
      method: 'DELETE',
      url: `/api/v1/factors/${factorId}`,
      payload: { code, confirmTurningOff: true },
    });
    expect(removed.json()).toEqual({ mfaEnabled: false });
    expect((await browser.get('/api/v1/factors')).json()).toEqual({ mfaEnabled: false, factors: [], recoveryCodesRemaining: 0 });

    await browser.postJson('/api/v1/sign-out');
    expect((await browser.postJson('/api/v1/sign-in', { email: 'ada@example.com', password })).json().status).toBe('signed_in');
  });

  it('refuses to remove another person’s factor', async () => {
    const eve = await signUpWithTotp(server, new TestBrowser(server.app), 'eve@example.com');
    const ada = await signUpWithTotp(server, browser, 'ada@example.com');
    server.clock.advance(30_000);
    const response = await browser.request({
      method: 'DELETE',
      url: `/api/v1/factors/${eve.factorId}`,
      payload: { code: totpAt(ada.secret, server.clock.now()), confirmTurningOff: true },
    });
    expect(response.statusCode).toBe(404);
  });

  it('regenerates recovery codes with a current code: the old set dies, the new one works', async () => {
    const { secret, recoveryCodes } = await signUpWithTotp(server, browser, 'ada@example.com');
    const unproven = await browser.postJson('/api/v1/recovery-codes', {});
    expect(unproven.json().error.code).toBe('ERR_STEP_UP_REQUIRED');
    server.clock.advance(30_000);
    const response = await browser.postJson('/api/v1/recovery-codes', { code: totpAt(secret, server.clock.now()) });
    expect(response.statusCode).toBe(201);
    const fresh = response.json().recoveryCodes as string[];
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(recoveryCodes[0]);

    await reachChallenge(browser, 'ada@example.com');
    expect((await browser.postJson('/api/v1/sign-in/second-factor', { recoveryCode: recoveryCodes[0] })).statusCode).toBe(401);
    expect((await browser.postJson('/api/v1/sign-in/second-factor', { recoveryCode: fresh[0] })).statusCode).toBe(200);
  });

  it('accepts a recovery code to remove a lost authenticator', async () => {
    const { factorId, recoveryCodes } = await signUpWithTotp(server, browser, 'ada@example.com');
    const response = await browser.request({
      method: 'DELETE',
      url: `/api/v1/factors/${factorId}`,
      payload: { recoveryCode: recoveryCodes[0], confirmTurningOff: true },
    });
    expect(response.json()).toEqual({ mfaEnabled: false });
  });
});
