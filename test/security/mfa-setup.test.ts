import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../support/http-client.js';
import {
  latestEmailedCode,
  latestVerificationLink,
  password,
  signUpWithEmailCodes,
  signUpWithTotp,
  totpAt,
} from '../support/mfa.js';
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
    expect((await ada.get('/account')).body).toContain('Two-step verification is required for your account.');

    const started = (await startTotp(ada)).json() as { secret: string; enrollmentToken: string };
    const code = totpAt(started.secret, server.clock.now());
    expect(
      (await ada.postJson('/api/v1/factors/totp/confirm', { enrollmentToken: started.enrollmentToken, code })).statusCode,
    ).toBe(201);
    expect((await ada.get('/api/v1/me')).json().user.mfaSetupRequired).toBe(false);
  });
});

describe('resetting two-step verification', () => {
  it('is refused until the address is confirmed, which setting up again will need', async () => {
    const other = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, other, 'bob@example.com');
    server.clock.advance(30_000);
    const refused = await other.postJson('/api/v1/mfa/reset', { code: totpAt(secret, server.clock.now()) });
    expect(refused.json().error.code).toBe('ERR_EMAIL_UNVERIFIED');
    expect((await other.get('/api/v1/factors')).json().factors).toHaveLength(1);
  });

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
    expect((await ada.postJson('/api/v1/mfa/reset', {})).json().error.code).toBe('ERR_STEP_UP_REQUIRED');
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

describe('re-entering setup', () => {
  it('asks a session for a fresh second factor before another method is added, and a trusted device never counts', async () => {
    const { secret } = await signUpWithTotp(server, ada, 'ada@example.com');
    server.clock.advance(11 * 60_000);
    expect((await startTotp(ada)).json().error.code).toBe('ERR_FRESH_FACTOR_REQUIRED');
    expect((await ada.postJson('/api/v1/factors/webauthn/options', { kind: 'security_key', password })).statusCode).toBe(403);
    const page = await ada.get('/account/authenticator');
    expect(page.headers.location).toBe('/account/confirm?next=%2Faccount%2Fauthenticator');

    const before = ada.cookies.get('tessera_session');
    expect((await ada.postJson('/api/v1/session/confirm', { code: '000000' })).statusCode).toBe(401);
    const confirmed = await ada.postJson('/api/v1/session/confirm', { code: totpAt(secret, server.clock.now()) });
    expect(confirmed.json()).toMatchObject({ session: { aal: 2 } });
    expect(ada.cookies.get('tessera_session')).not.toBe(before);
    const stale = new TestBrowser(server.app);
    stale.cookies.set('tessera_session', before!);
    expect((await stale.get('/api/v1/me')).statusCode).toBe(401);
    expect((await startTotp(ada)).statusCode).toBe(200);

    server.clock.advance(30_000);
    await ada.postJson('/api/v1/sign-out');
    await signIn(ada);
    await ada.postJson('/api/v1/sign-in/second-factor', { code: totpAt(secret, server.clock.now()), trustDevice: true });
    await ada.postJson('/api/v1/sign-out');
    expect((await signIn(ada)).json().session.amr).toEqual(['pwd', 'trusted_device']);
    expect((await startTotp(ada)).json().error.code).toBe('ERR_FRESH_FACTOR_REQUIRED');
  });

  it('lets someone with only email codes confirm with a code sent for adding a method', async () => {
    await signUpWithEmailCodes(server, ada, 'ada@example.com');
    server.clock.advance(11 * 60_000);
    const confirm = await ada.get('/account/confirm?next=/account/authenticator');
    const link = /href="(\/step-up\?[^"]+)"/.exec(confirm.body)![1]!.replaceAll('&amp;', '&');
    const page = await ada.get(link);
    const fields = { stepUpId: /name="stepUpId" value="([^"]+)"/.exec(page.body)![1]!, returnTo: '/account/authenticator' };
    const target = /name="target" value="([^"]+)"/.exec(page.body)![1]!;
    await ada.submitForm('/account', '/step-up/send-code', { ...fields, target });
    const approved = await ada.submitForm('/account', '/step-up/verify', {
      ...fields,
      code: await latestEmailedCode(server, 'ada@example.com'),
    });
    expect(approved.headers.location).toMatch(/^http:\/\/localhost:\d+\/account\/authenticator\?grant=/);
    expect((await ada.get('/account/authenticator')).statusCode).toBe(200);
  });

  it('confirms through the page and comes back to the setup it was going to', async () => {
    const { secret } = await signUpWithTotp(server, ada, 'ada@example.com');
    server.clock.advance(11 * 60_000);
    const wrong = await ada.submitForm('/account/confirm?next=/account/authenticator', '/account/confirm', {
      proof: '000000',
      next: '/account/authenticator',
    });
    expect(wrong.statusCode).toBe(401);
    const right = await ada.submitForm('/account/confirm?next=/account/authenticator', '/account/confirm', {
      proof: totpAt(secret, server.clock.now()),
      next: 'https://evil.example/account',
    });
    expect(right.headers.location).toBe('/account');
    expect((await ada.get('/account/authenticator')).statusCode).toBe(200);
  });
});
