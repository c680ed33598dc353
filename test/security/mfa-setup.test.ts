import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../support/http-client.js';
import { latestEmailedCode, latestVerificationLink, password, signUpWithTotp, totpAt } from '../support/mfa.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;
let ada: TestBrowser;
beforeEach(async () => {
  server = await startTestServer();
  ada = new TestBrowser(server.app);
});
afterEach(() => server.close());

const signIn = (browser: TestBrowser) => browser.postJson('/api/v1/sign-in', { email: 'ada@example.com', password });
const startTotp = (browser: TestBrowser) => browser.postJson('/api/v1/factors/totp', { password });

describe('turning two-step verification on at the next sign-in', () => {
  it('needs the password, then leads the next sign-in through setup until a method exists', async () => {
    expect((await ada.postJson('/api/v1/sign-up', { email: 'ada@example.com', password })).statusCode).toBe(201);
    expect((await ada.postJson('/api/v1/mfa/require-at-next-sign-in', { password: 'wrong password here' })).statusCode).toBe(401);
    expect((await ada.postJson('/api/v1/mfa/require-at-next-sign-in', { password })).statusCode).toBe(204);

    await ada.postJson('/api/v1/sign-out');
    expect((await signIn(ada)).json()).toMatchObject({
      status: 'signed_in',
      user: { mfaSetupRequired: true, mfaSetupLocked: false },
    });
    expect((await ada.get('/account')).body).toContain('You asked for two-step verification.');

    const started = (await startTotp(ada)).json() as { secret: string; enrollmentToken: string };
    const code = totpAt(started.secret, server.clock.now());
    expect(
      (await ada.postJson('/api/v1/factors/totp/confirm', { enrollmentToken: started.enrollmentToken, code })).statusCode,
    ).toBe(201);
    expect((await ada.get('/api/v1/me')).json().user.mfaSetupRequired).toBe(false);
  });
});

describe('resetting two-step verification', () => {
  let secret: string;
  beforeEach(async () => {
    ({ secret } = await signUpWithTotp(server, ada, 'ada@example.com'));
    expect((await ada.postJson('/api/v1/email/verify', await latestVerificationLink(server, 'ada@example.com'))).statusCode).toBe(
      200,
    );
    server.clock.advance(30_000);
  });

  it('needs a current second factor, then removes every method and signs out everywhere', async () => {
    const laptop = new TestBrowser(server.app);
    await signIn(laptop);
    await laptop.postJson('/api/v1/sign-in/second-factor', { code: totpAt(secret, server.clock.now()) });
    expect((await ada.postJson('/api/v1/mfa/reset', {})).statusCode).toBe(400);
    server.clock.advance(30_000);
    expect((await ada.postJson('/api/v1/mfa/reset', { code: totpAt(secret, server.clock.now()) })).statusCode).toBe(204);
    expect((await ada.get('/api/v1/me')).statusCode).toBe(401);
    expect((await laptop.get('/api/v1/me')).statusCode).toBe(401);
    expect((await signIn(ada)).json()).toMatchObject({
      status: 'signed_in',
      user: { mfaSetupRequired: true, mfaSetupLocked: true },
    });
    expect((await ada.get('/api/v1/factors')).json()).toMatchObject({ factors: [], recoveryCodesRemaining: 0 });
  });

  it('binds no new method with the password alone: it also takes the code emailed to the verified address', async () => {
    await ada.postJson('/api/v1/mfa/reset', { code: totpAt(secret, server.clock.now()) });
    await signIn(ada);
    expect((await startTotp(ada)).json().error.code).toBe('ERR_SETUP_LOCKED');
    expect((await ada.postJson('/api/v1/factors/webauthn/options', { kind: 'security_key', password })).json().error.code).toBe(
      'ERR_SETUP_LOCKED',
    );
    expect((await ada.postJson('/api/v1/factors/email', { password })).json().error.code).toBe('ERR_SETUP_LOCKED');
    expect((await ada.postJson('/api/v1/factors/phone', { number: '+447400123456', password })).json().error.code).toBe(
      'ERR_SETUP_LOCKED',
    );

    expect((await ada.postJson('/api/v1/mfa/setup/unlock', { password, code: '123456' })).statusCode).toBe(401);
    expect((await ada.postJson('/api/v1/mfa/setup/send-code')).statusCode).toBe(200);
    const code = await latestEmailedCode(server, 'ada@example.com');
    expect((await ada.postJson('/api/v1/mfa/setup/unlock', { password: 'not the password', code })).statusCode).toBe(401);
    expect((await ada.postJson('/api/v1/mfa/setup/unlock', { password, code })).statusCode).toBe(204);
    expect((await ada.postJson('/api/v1/mfa/setup/unlock', { password, code })).statusCode).toBe(400);

    expect((await startTotp(ada)).statusCode).toBe(200);
    expect((await ada.get('/api/v1/me')).json().user).toMatchObject({ mfaSetupRequired: true, mfaSetupLocked: false });
  });
});
