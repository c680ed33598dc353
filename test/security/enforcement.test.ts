import { afterEach, describe, expect, it } from 'vitest';
import type { TesseraConfig } from '../../src/config.js';
import { createOrganization, putMember } from '../../src/core/flows/organizations.js';
import type { OrgPolicy } from '../../src/core/ports.js';
import { TestBrowser } from '../support/http-client.js';
import { latestEmailedCode, latestVerificationLink, password, signUpWithTotp, totpAt } from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

const days = (count: number) => count * 86_400_000;
const policy = (overrides: Partial<OrgPolicy>): OrgPolicy => ({
  mfa: 'optional',
  roles: [],
  allowedMethods: [],
  graceDays: 0,
  graceSignIns: 0,
  ...overrides,
});

let server: TestServer;
afterEach(() => server.close());

/** Signs a person up with a confirmed address, and signs them out. */
async function person(email: string): Promise<{ browser: TestBrowser; id: string }> {
  const browser = new TestBrowser(server.app);
  await browser.postJson('/api/v1/sign-up', { email, password });
  await browser.postJson('/api/v1/email/verify', await latestVerificationLink(server, email));
  const { id } = (await browser.get('/api/v1/me')).json().user;
  await browser.postJson('/api/v1/sign-out');
  return { browser, id };
}

const signIn = (browser: TestBrowser, email: string) => browser.postJson('/api/v1/sign-in', { email, password });

/** Orgs and roles: `[orgPolicy, [[userId, role], ...]]` per organization. */
async function organize(...orgs: [OrgPolicy, [string, string][]][]) {
  for (const [orgPolicy, members] of orgs) {
    const org = await createOrganization(server.deps, { name: `Org ${orgPolicy.mfa}`, policy: orgPolicy });
    for (const [userId, role] of members) await putMember(server.deps, { orgId: org.id, userId, role });
  }
}

/** Unlocks setup with the password and the emailed code, then turns on an authenticator app. */
async function enrollAfterUnlock(browser: TestBrowser, email: string) {
  expect((await browser.postJson('/api/v1/factors/totp', { password })).json().error.code).toBe('ERR_SETUP_LOCKED');
  await browser.postJson('/api/v1/mfa/setup/send-code');
  const unlocked = await browser.postJson('/api/v1/mfa/setup/unlock', { password, code: await latestEmailedCode(server, email) });
  expect(unlocked.statusCode, unlocked.body).toBe(204);
  const { secret, enrollmentToken } = (await browser.postJson('/api/v1/factors/totp', { password })).json();
  return browser.postJson('/api/v1/factors/totp/confirm', { enrollmentToken, code: totpAt(secret, server.clock.now()) });
}

describe('organizations enforcing two-step verification', () => {
  it('makes staff set it up before their session reaches anything, and leaves other members alone', async () => {
    server = await startTestServer();
    const ada = await person('ada@example.com');
    const bob = await person('bob@example.com');
    await organize([
      policy({ mfa: 'roles', roles: ['staff'] }),
      [
        [ada.id, 'staff'],
        [bob.id, 'member'],
      ],
    ]);

    const adaIn = await signIn(ada.browser, 'ada@example.com');
    expect(adaIn.json().session).toMatchObject({ enrollmentRequired: true });
    expect((await ada.browser.get('/api/v1/activity')).json().error.code).toBe('ERR_ENROLLMENT_REQUIRED');
    expect((await ada.browser.get('/account/password')).headers.location).toBe('/account');
    const page = await ada.browser.get('/account');
    expect(page.body).toContain('Set up two-step verification');
    expect(page.body).toContain('Org roles (staff) requires it.');
    expect(page.body).not.toContain('Change password');

    const bobIn = await signIn(bob.browser, 'bob@example.com');
    expect(bobIn.json().session).toMatchObject({ enrollmentRequired: false });
    expect((await bob.browser.get('/api/v1/activity')).statusCode).toBe(200);

    expect((await enrollAfterUnlock(ada.browser, 'ada@example.com')).statusCode).toBe(201);
    expect((await ada.browser.get('/api/v1/activity')).statusCode).toBe(200);
    expect((await ada.browser.get('/api/v1/me')).json().session.enrollmentRequired).toBe(false);
  });

  it('applies the strictest policy across a person’s organizations, allowed methods included', async () => {
    server = await startTestServer();
    const ada = await person('ada@example.com');
    await organize(
      [policy({ mfa: 'optional' }), [[ada.id, 'owner']]],
      [policy({ mfa: 'required', allowedMethods: ['security_key', 'biometric'] }), [[ada.id, 'member']]],
    );
    expect((await signIn(ada.browser, 'ada@example.com')).json().session.enrollmentRequired).toBe(true);
    const refused = await enrollAfterUnlock(ada.browser, 'ada@example.com');
    expect(refused.json().error).toMatchObject({
      code: 'ERR_METHOD_NOT_ALLOWED',
      message: 'Org required accepts only a security key or a fingerprint, face or PIN.',
    });
    expect((await ada.browser.get('/account')).body).not.toContain('Set up an authenticator app');
  });

  it('lets a person postpone for the grace sign-ins, then requires it', async () => {
    server = await startTestServer({ config: testConfig({ mfa: { required: true, graceSignIns: 2 } }) });
    const ada = await person('ada@example.com');
    for (const left of [1, 0]) {
      expect((await signIn(ada.browser, 'ada@example.com')).json().session.enrollmentRequired).toBe(false);
      expect((await ada.browser.get('/account')).body).toContain(`You can sign in ${left} more times without it.`);
      await ada.browser.postJson('/api/v1/sign-out');
    }
    expect((await signIn(ada.browser, 'ada@example.com')).json().session.enrollmentRequired).toBe(true);
  });

  it('lets a person postpone for the grace days, counted from the first sign-in under the requirement', async () => {
    server = await startTestServer({ config: testConfig({ mfa: { requiredRoles: ['staff'], graceDays: 3 } }) });
    const ada = await person('ada@example.com');
    await organize([policy({}), [[ada.id, 'staff']]]);
    expect((await signIn(ada.browser, 'ada@example.com')).json().session.enrollmentRequired).toBe(false);
    expect((await ada.browser.get('/account')).body).toContain(
      'Required by Org optional (staff). Set it up by 25 Nov 2026, 12:00 UTC.',
    );
    await ada.browser.postJson('/api/v1/sign-out');
    server.clock.advance(days(3));
    expect((await signIn(ada.browser, 'ada@example.com')).json().session.enrollmentRequired).toBe(true);
  });

  it('locks turning it off and removing the last method, and says why', async () => {
    server = await startTestServer({ config: testConfig({ mfa: { required: true } }) });
    const browser = new TestBrowser(server.app);
    const { secret, factorId } = await signUpWithTotp(server, browser, 'ada@example.com');
    server.clock.advance(30_000);
    const code = totpAt(secret, server.clock.now());
    expect((await browser.postJson('/api/v1/mfa/off', { code })).json().error.code).toBe('ERR_MFA_ENFORCED');
    const removal = await browser.request({
      method: 'DELETE',
      url: `/api/v1/factors/${factorId}`,
      payload: { code, confirmTurningOff: true },
    });
    expect(removal.json().error.message).toBe(
      'Two-step verification is required by this service, so your last method cannot be removed or turned off.',
    );
    expect((await browser.get('/api/v1/factors')).json().factors).toHaveLength(1);
    expect((await browser.get('/account')).body).toContain('Turning it off is locked: this service requires it.');
  });
});

describe('the installation-wide switch', () => {
  it('turned off, hides two-step verification everywhere and asks nobody for it', async () => {
    const config = testConfig();
    server = await startTestServer({ config });
    await signUpWithTotp(server, new TestBrowser(server.app), 'ada@example.com');
    await server.close();
    const off: TesseraConfig = { ...config, mfa: { ...config.mfa, enabled: false } };
    server = await startTestServer({ config: off });

    const browser = new TestBrowser(server.app);
    expect((await signIn(browser, 'ada@example.com')).json()).toMatchObject({
      status: 'signed_in',
      session: { aal: 1, amr: ['pwd'] },
    });
    const page = (await browser.get('/account')).body;
    expect(page).not.toContain('id="mfa-title"');
    expect(page).not.toContain('/account/authenticator');
    expect((await browser.postJson('/api/v1/step-up', { action: 'funds.withdraw' })).json().methods).toEqual(['password']);
    const { secret, enrollmentToken } = (await browser.postJson('/api/v1/factors/totp', { password })).json();
    const refused = await browser.postJson('/api/v1/factors/totp/confirm', {
      enrollmentToken,
      code: totpAt(secret, server.clock.now()),
    });
    expect(refused.json().error.code).toBe('ERR_MFA_DISABLED');
  });
});

describe('auto-setup', () => {
  it('sets up the confirmed address as the factor at sign-in and challenges with it at once, again after a reset', async () => {
    server = await startTestServer({ config: testConfig({ mfa: { required: true, autoSetupEmail: true } }) });
    const bo = await person('bo@example.com');
    const first = await signIn(bo.browser, 'bo@example.com');
    expect(first.json()).toMatchObject({ status: 'second_factor_required', methods: ['email', 'recovery_code'] });
    await bo.browser.postJson('/api/v1/sign-in/send-code');
    const done = await bo.browser.postJson('/api/v1/sign-in/second-factor', {
      code: await latestEmailedCode(server, 'bo@example.com'),
    });
    expect(done.json()).toMatchObject({ session: { aal: 2, amr: ['pwd', 'email'], enrollmentRequired: false } });

    server.clock.advance(31_000);
    await bo.browser.postJson('/api/v1/step-up', { action: 'mfa.reset' });
    const { stepUpId } = (await bo.browser.postJson('/api/v1/step-up', { action: 'mfa.reset' })).json();
    await bo.browser.postJson('/api/v1/step-up/send-code', { stepUpId });
    const reset = await bo.browser.postJson('/api/v1/mfa/reset', {
      code: await latestEmailedCode(server, 'bo@example.com'),
      stepUpId,
    });
    expect(reset.statusCode, reset.body).toBe(204);
    expect((await signIn(bo.browser, 'bo@example.com')).json()).toMatchObject({
      status: 'second_factor_required',
      methods: ['email', 'recovery_code'],
    });
  });

  it('does not set up an address nobody confirmed', async () => {
    server = await startTestServer({ config: testConfig({ mfa: { required: true, autoSetupEmail: true } }) });
    const browser = new TestBrowser(server.app);
    await browser.postJson('/api/v1/sign-up', { email: 'cy@example.com', password });
    await browser.postJson('/api/v1/sign-out');
    expect((await signIn(browser, 'cy@example.com')).json().session.enrollmentRequired).toBe(true);
    expect((await browser.get('/api/v1/factors')).json().factors).toEqual([]);
  });
});
