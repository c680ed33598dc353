import { createHash } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../support/http-client.js';
import { latestEmailedCode, password, reachChallenge, signUpWithEmailCodes, signUpWithTotp, totpAt } from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

const hostKey = { id: 'shop', secret: 'k'.repeat(40) };
const bearer = { authorization: `Bearer ${hostKey.id}.${hostKey.secret}` };
const withdrawal = 'Withdraw £250.00 to account ••••1234';
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const minutes = (count: number) => count * 60_000;

let server: TestServer;
afterEach(() => server.close());

async function start(overrides: Parameters<typeof testConfig>[0] = {}) {
  server = await startTestServer({ config: testConfig({ hostApi: { keys: [hostKey] }, ...overrides }) });
}

/** Asks for a step-up and returns the answer. */
async function stepUp(browser: TestBrowser, action: string, details?: string) {
  const response = await browser.postJson('/api/v1/step-up', { action, ...(details ? { details } : {}) });
  return { statusCode: response.statusCode, body: response.json() };
}

/** Approves a step-up with the authenticator app's code of the next time step. */
async function approveWithApp(browser: TestBrowser, secret: string, stepUpId: string) {
  server.clock.advance(30_000);
  return browser.postJson('/api/v1/step-up/verify', { stepUpId, code: totpAt(secret, server.clock.now()) });
}

const consume = (grant: string) =>
  server.app.inject({ method: 'POST', url: '/api/v1/grants/consume', payload: { grant }, headers: bearer });

describe('step-up for protected actions', () => {
  it('asks for a second factor for a withdrawal every time, and the single-use grant names the details', async () => {
    await start();
    const browser = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, browser, 'ada@example.com');

    const asked = await stepUp(browser, 'funds.withdraw', withdrawal);
    expect(asked.body).toMatchObject({
      status: 'challenge_required',
      action: 'funds.withdraw',
      label: 'Withdraw funds',
      details: withdrawal,
      detailsHash: sha256(withdrawal),
      methods: ['totp', 'recovery_code'],
    });
    const approved = await approveWithApp(browser, secret, asked.body.stepUpId);
    expect(approved.statusCode).toBe(200);
    const { grant } = approved.json() as { grant: string };

    const claims = (await consume(grant)).json();
    expect(claims).toMatchObject({ act: 'funds.withdraw', dh: sha256(withdrawal), su: true, amr: ['otp'] });
    expect(claims.exp - claims.iat).toBe(120);
    expect((await stepUp(browser, 'funds.withdraw', withdrawal)).body.status).toBe('challenge_required');
  });

  it('lets one approval cover team changes for five minutes from the last one, then asks again', async () => {
    await start();
    const browser = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, browser, 'ada@example.com');
    const asked = await stepUp(browser, 'team.add_member', 'Add bob@example.com as editor');
    await approveWithApp(browser, secret, asked.body.stepUpId);

    server.clock.advance(minutes(4));
    const second = await stepUp(browser, 'team.add_member', 'Add cy@example.com as viewer');
    expect(second.body).toMatchObject({ status: 'satisfied', detailsHash: sha256('Add cy@example.com as viewer') });
    server.clock.advance(minutes(4));
    expect((await stepUp(browser, 'team.add_member')).body.status).toBe('satisfied');
    expect((await stepUp(browser, 'team.remove_member')).body.status).toBe('challenge_required');
    server.clock.advance(minutes(5));
    expect((await stepUp(browser, 'team.add_member')).body.status).toBe('challenge_required');
  });

  it('ends a fixed window five minutes after the approval, however often it was used', async () => {
    await start({ stepUp: { actions: { 'team.add_member': { label: 'Add a team member', windowSeconds: 300 } } } });
    const browser = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, browser, 'ada@example.com');
    await approveWithApp(browser, secret, (await stepUp(browser, 'team.add_member')).body.stepUpId);
    server.clock.advance(minutes(4));
    expect((await stepUp(browser, 'team.add_member')).body.status).toBe('satisfied');
    server.clock.advance(minutes(1));
    expect((await stepUp(browser, 'team.add_member')).body.status).toBe('challenge_required');
  });

  it('lets a session-scoped approval last the session, and only that session', async () => {
    await start({ stepUp: { actions: { 'reports.export': { label: 'Export reports', scope: 'session' } } } });
    const browser = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, browser, 'ada@example.com');
    await approveWithApp(browser, secret, (await stepUp(browser, 'reports.export')).body.stepUpId);
    for (let hour = 0; hour < 3; hour++) {
      server.clock.advance(minutes(50));
      expect((await stepUp(browser, 'reports.export')).body.status).toBe('satisfied');
    }
    const laptop = new TestBrowser(server.app);
    await reachChallenge(laptop, 'ada@example.com');
    server.clock.advance(30_000);
    await laptop.postJson('/api/v1/sign-in/second-factor', { code: totpAt(secret, server.clock.now()) });
    expect((await stepUp(laptop, 'reports.export')).body.status).toBe('challenge_required');
  });

  it('asks people without two-step verification for their password, and refuses where a second factor is required', async () => {
    await start({ stepUp: { actions: { 'payroll.approve': { label: 'Approve payroll', requirement: 'mfa' } } } });
    const browser = new TestBrowser(server.app);
    await browser.postJson('/api/v1/sign-up', { email: 'bo@example.com', password });

    const asked = await stepUp(browser, 'funds.withdraw', withdrawal);
    expect(asked.body).toMatchObject({ status: 'challenge_required', methods: ['password'] });
    const wrong = await browser.postJson('/api/v1/step-up/verify', { stepUpId: asked.body.stepUpId, password: 'not it' });
    expect(wrong.statusCode).toBe(401);
    const right = await browser.postJson('/api/v1/step-up/verify', { stepUpId: asked.body.stepUpId, password });
    expect(decodeJwt(right.json().grant)).toMatchObject({ act: 'funds.withdraw', amr: ['pwd'] });

    const refused = await stepUp(browser, 'payroll.approve');
    expect(refused).toMatchObject({ statusCode: 403, body: { error: { code: 'ERR_MFA_REQUIRED' } } });
  });

  it('refuses a code sent for one withdrawal as the approval of another, and names the amount in the message', async () => {
    await start();
    const browser = new TestBrowser(server.app);
    await signUpWithEmailCodes(server, browser, 'ada@example.com');
    const first = await stepUp(browser, 'funds.withdraw', withdrawal);
    const other = await stepUp(browser, 'funds.withdraw', 'Withdraw £9,999.00 to account ••••6666');
    expect((await browser.postJson('/api/v1/step-up/send-code', { stepUpId: first.body.stepUpId })).statusCode).toBe(200);
    const [message] = await server.deps.store.outbox.latest(1);
    expect(message).toMatchObject({ subject: `Approve: ${withdrawal}` });
    expect(message!.text).toContain(`code to approve “${withdrawal}”`);
    const code = await latestEmailedCode(server, 'ada@example.com');

    const misused = await browser.postJson('/api/v1/step-up/verify', { stepUpId: other.body.stepUpId, code });
    expect(misused.statusCode).toBe(401);
    const used = await browser.postJson('/api/v1/step-up/verify', { stepUpId: first.body.stepUpId, code });
    expect(decodeJwt(used.json().grant)).toMatchObject({ dh: sha256(withdrawal), amr: ['email'] });
    const again = await browser.postJson('/api/v1/step-up/verify', { stepUpId: first.body.stepUpId, code });
    expect(again.json().error.code).toBe('ERR_STEP_UP_EXPIRED');
  });

  it('names what is approved in a texted and a called code', async () => {
    await start();
    const browser = new TestBrowser(server.app);
    await browser.postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
    const registered = await server.app.inject({
      method: 'POST',
      url: '/api/v1/host/phone-numbers',
      payload: { email: 'ada@example.com', number: '+447400123456' },
      headers: bearer,
    });
    expect(registered.statusCode).toBe(201);
    const { stepUpId, codeTargets } = (await stepUp(browser, 'funds.withdraw', withdrawal)).body;
    expect(codeTargets.map((target: { channel: string }) => target.channel)).toEqual(['sms', 'voice']);
    await browser.postJson('/api/v1/step-up/send-code', { stepUpId, channel: 'sms' });
    server.clock.advance(31_000);
    await browser.postJson('/api/v1/step-up/send-code', { stepUpId, channel: 'voice' });
    const [call, text] = await server.deps.store.outbox.latest(2);
    expect(text).toMatchObject({ channel: 'sms', to: '+447400123456' });
    expect(text!.text).toMatch(new RegExp(`^Your Tessera code to approve “${withdrawal}” is \\d{6}\\.`));
    expect(call).toMatchObject({ channel: 'voice' });
    expect(call!.text).toContain(`Your code to approve “${withdrawal}” is: `);
  });

  it('spends a single-use grant once when it is redeemed ten times in parallel', async () => {
    await start();
    const browser = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, browser, 'ada@example.com');
    const { grant } = (
      await approveWithApp(browser, secret, (await stepUp(browser, 'funds.withdraw', withdrawal)).body.stepUpId)
    ).json();
    const answers = await Promise.all(Array.from({ length: 10 }, () => consume(grant)));
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, ...Array<number>(9).fill(409)]);
  });

  it('refuses a forged grant, an expired one, one whose session ended, and a caller without the host key', async () => {
    await start();
    const browser = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, browser, 'ada@example.com');
    const grantFor = async () =>
      (await approveWithApp(browser, secret, (await stepUp(browser, 'api_key.invalidate')).body.stepUpId)).json().grant as string;

    const grant = await grantFor();
    const [header, payload, signature] = grant.split('.');
    const altered = Buffer.from(JSON.stringify({ ...decodeJwt(grant), act: 'funds.withdraw' })).toString('base64url');
    expect((await consume(`${header}.${altered}.${signature}`)).json().error.code).toBe('ERR_GRANT_INVALID');
    expect((await consume(`${header}.${payload}.${signature}`)).statusCode).toBe(200);
    const keyless = await server.app.inject({ method: 'POST', url: '/api/v1/grants/consume', payload: { grant } });
    expect(keyless.statusCode).toBe(401);

    server.clock.advance(121_000);
    expect((await consume(grant)).json().error.code).toBe('ERR_GRANT_INVALID');
    const fresh = await grantFor();
    await browser.postJson('/api/v1/sign-out');
    expect((await consume(fresh)).json().error.code).toBe('ERR_GRANT_INVALID');
  });

  it('publishes the keys that verify a grant at /.well-known/jwks.json', async () => {
    await start();
    const browser = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, browser, 'ada@example.com');
    const { grant } = (await approveWithApp(browser, secret, (await stepUp(browser, 'team.add_member')).body.stepUpId)).json();
    const jwks = (await browser.get('/.well-known/jwks.json')).json();
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const { payload } = await jwtVerify(grant, createLocalJWKSet(jwks), {
      issuer: server.config.server.publicUrl,
      currentDate: new Date(server.clock.now()),
    });
    expect(payload).toMatchObject({ act: 'team.add_member', su: false });
  });

  it('keeps a step-up to the session that asked: another person cannot approve or send codes for it', async () => {
    await start();
    const ada = new TestBrowser(server.app);
    await signUpWithTotp(server, ada, 'ada@example.com');
    const eve = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, eve, 'eve@example.com');
    const { stepUpId } = (await stepUp(ada, 'funds.withdraw', withdrawal)).body;
    expect((await approveWithApp(eve, secret, stepUpId)).json().error.code).toBe('ERR_STEP_UP_EXPIRED');
    expect((await eve.postJson('/api/v1/step-up/send-code', { stepUpId })).json().error.code).toBe('ERR_STEP_UP_EXPIRED');
  });

  it('refuses an action nobody configured, details that are too long, and anyone signed out', async () => {
    await start();
    const browser = new TestBrowser(server.app);
    await browser.postJson('/api/v1/sign-up', { email: 'bo@example.com', password });
    expect((await stepUp(browser, 'rocket.launch')).body.error.code).toBe('ERR_UNKNOWN_ACTION');
    expect((await stepUp(browser, 'toString')).body.error.code).toBe('ERR_UNKNOWN_ACTION');
    expect((await stepUp(browser, 'funds.withdraw', 'x'.repeat(201))).statusCode).toBe(400);
    expect((await stepUp(new TestBrowser(server.app), 'funds.withdraw')).statusCode).toBe(401);
  });
});

describe('where the second factor applies', () => {
  it('at sign-in only: an action that is not always on rides on the sign-in’s second factor, an always-on one does not', async () => {
    await start({ stepUp: { mfaAppliesAt: 'sign_in' } });
    const browser = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, browser, 'ada@example.com');
    await reachChallenge(browser, 'ada@example.com');
    server.clock.advance(30_000);
    await browser.postJson('/api/v1/sign-in/second-factor', { code: totpAt(secret, server.clock.now()), trustDevice: true });
    expect((await stepUp(browser, 'team.add_member')).body).toMatchObject({ status: 'satisfied' });
    expect((await stepUp(browser, 'password.change')).body.status).toBe('challenge_required');

    await browser.postJson('/api/v1/sign-out');
    const trusted = await browser.postJson('/api/v1/sign-in', { email: 'ada@example.com', password });
    expect(trusted.json().session.amr).toEqual(['pwd', 'trusted_device']);
    expect((await stepUp(browser, 'team.add_member')).body.status).toBe('challenge_required');
  });

  it('at protected actions only: the password alone signs in, and the action asks for the second factor', async () => {
    await start({ stepUp: { mfaAppliesAt: 'actions' } });
    const browser = new TestBrowser(server.app);
    await signUpWithTotp(server, browser, 'ada@example.com');
    await browser.postJson('/api/v1/sign-out');
    const signedIn = await browser.postJson('/api/v1/sign-in', { email: 'ada@example.com', password });
    expect(signedIn.json()).toMatchObject({ status: 'signed_in', session: { aal: 1, amr: ['pwd'] } });
    expect((await stepUp(browser, 'team.add_member')).body).toMatchObject({
      status: 'challenge_required',
      methods: ['totp', 'recovery_code'],
    });
  });

  it('at both: the sign-in’s second factor does not stand in for an action', async () => {
    await start();
    const browser = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, browser, 'ada@example.com');
    await reachChallenge(browser, 'ada@example.com');
    server.clock.advance(30_000);
    await browser.postJson('/api/v1/sign-in/second-factor', { code: totpAt(secret, server.clock.now()) });
    expect((await stepUp(browser, 'team.add_member')).body.status).toBe('challenge_required');
  });
});
