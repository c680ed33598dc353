import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../support/http-client.js';
import { password } from '../../support/mfa.js';
import {
  byName,
  hostAuthorization,
  openPrompt,
  refreshTarget,
  signedIn,
  signInPaths,
  startWorld,
  trustedDeviceBrowser,
  withdrawal,
  type World,
} from './world.js';

/**
 * Attack 12: a stolen trusted-device cookie — copied from Ada's browser — used to sign in to
 * another account without its second factor, or (with Ada's password) to approve a protected
 * action. `recognizeDevice` (src/core/flows/trusted-devices.ts) accepts a device only for the
 * person who trusted it; a sign-in it lets through gets aal 2 but no `mfaAt`, and protected
 * actions (`approvedAlready` in src/core/flows/step-up.ts, `authorizeAction`) look only at a
 * second factor given in this session, never at the device.
 */
describe('a stolen trusted-device cookie', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(() => world.close());

  // The password sign-in is test/security/trusted-devices.test.ts's "refuses one account’s trusted device for another account".
  it.each(byName(signInPaths.filter((path) => path.name !== 'password sign-in')))(
    'does not spare Eve her second factor at %s',
    async (_name, path) => {
      const { device } = await trustedDeviceBrowser(world, world.ada);
      const browser = new TestBrowser(world.server.app);
      browser.cookies.set('tessera_device', device);
      // Reaching the second step is the refusal: the device did not stand in for Eve's.
      const attempt = await path.reach(world, world.eve, browser);
      expect(await signedIn(attempt.browser)).toBe(false);
      expect(await world.server.deps.store.trustedDevices.listForUser(world.eve.id, world.server.clock.now())).toEqual([]);
    },
  );

  /** What a thief with Ada's device cookie and password tries, and how each must answer. */
  const actions: [string, (world: World, browser: TestBrowser) => Promise<void>][] = [
    [
      'a withdrawal through the step-up API',
      async (_world, browser) => {
        const asked = await browser.postJson('/api/v1/step-up', { action: 'funds.withdraw', details: withdrawal });
        expect(asked.json()).toMatchObject({ status: 'challenge_required' });
      },
    ],
    [
      'a withdrawal on the hosted step-up page',
      async (_world, browser) => {
        const page = await browser.get(`/step-up?${new URLSearchParams({ action: 'funds.withdraw', return_to: '/account' })}`);
        expect(page.statusCode).toBe(200);
        expect(page.body).toContain('action="/step-up/verify"');
      },
    ],
    [
      'the admin console',
      async (_world, browser) => {
        expect((await browser.get('/admin')).headers.location).toBe('/step-up?action=admin.act&return_to=%2Fadmin');
      },
    ],
    [
      'an action in the MFA-only prompt',
      async (world, browser) => {
        await openPrompt(world, browser, world.ada, { act: 'funds.withdraw' });
        expect((await browser.get('/prompt/continue')).headers.location).toMatch(/^\/step-up\?action=funds.withdraw/);
      },
    ],
    [
      'turning two-step verification off',
      async (_world, browser) => {
        expect((await browser.postJson('/api/v1/mfa/off', {})).json().error.code).toBe('ERR_STEP_UP_REQUIRED');
      },
    ],
    [
      'resetting two-step verification',
      async (_world, browser) => {
        expect((await browser.postJson('/api/v1/mfa/reset', {})).json().error.code).toBe('ERR_STEP_UP_REQUIRED');
      },
    ],
    [
      'removing a method',
      async (world, browser) => {
        const removal = await browser.request({
          method: 'DELETE',
          url: `/api/v1/factors/${world.ada.factorId}`,
          payload: {},
        });
        expect(removal.json().error.code).toBe('ERR_STEP_UP_REQUIRED');
      },
    ],
    [
      'new recovery codes',
      async (_world, browser) => {
        expect((await browser.postJson('/api/v1/recovery-codes', {})).json().error.code).toBe('ERR_STEP_UP_REQUIRED');
      },
    ],
    [
      'changing the email address',
      async (_world, browser) => {
        const change = await browser.postJson('/api/v1/email/change', { newEmail: 'thief@example.com', password });
        expect(change.json().error.code).toBe('ERR_STEP_UP_REQUIRED');
      },
    ],
    [
      'deleting the account',
      async (_world, browser) => {
        const deletion = await browser.postJson('/api/v1/account/delete', { password, confirm: true });
        expect(deletion.json().error.code).toBe('ERR_STEP_UP_REQUIRED');
      },
    ],
  ];

  it.each(actions)('with Ada’s password, approves no %s', async (_name, attempt) => {
    const { device } = await trustedDeviceBrowser(world, world.ada);
    const thief = new TestBrowser(world.server.app);
    thief.cookies.set('tessera_device', device);
    const signIn = await thief.postJson('/api/v1/sign-in', { email: world.ada.email, password });
    expect(signIn.json().session).toMatchObject({ aal: 2, amr: ['pwd', 'trusted_device'] });
    await attempt(world, thief);

    const { store } = world.server.deps;
    expect(await store.factors.listForUser(world.ada.id)).toHaveLength(2);
    expect(await store.recoveryCodes.countUnused(world.ada.id)).toBe(10);
    expect((await store.users.findById(world.ada.id))?.email).toBe(world.ada.email);
    expect(await store.events.listForUser(world.ada.id, 100)).not.toContainEqual(
      expect.objectContaining({ type: 'step_up_approved' }),
    );
  });

  it('tells the app when the device stood in at an MFA-only prompt’s sign-in: amr trusted_device and acr sf, never mfa', async () => {
    const { device } = await trustedDeviceBrowser(world, world.ada);
    const thief = new TestBrowser(world.server.app);
    thief.cookies.set('tessera_device', device);
    const opened = await openPrompt(world, thief, world.ada);
    expect(opened.headers.location).toBe('/prompt/continue');
    const back = refreshTarget(await thief.get('/prompt/continue'))!;
    const code = new URL(back).searchParams.get('code')!;
    const exchanged = await world.server.app.inject({
      method: 'POST',
      url: '/api/v1/host/prompt/exchange',
      headers: hostAuthorization,
      payload: { code },
    });
    expect(exchanged.json().claims).toMatchObject({ amr: ['host', 'trusted_device'], acr: 'urn:tessera:acr:sf' });
  });
});
