import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestBrowser } from '../../support/http-client.js';
import { TestBrowser as Browser } from '../../support/http-client.js';
import {
  authorize,
  byName,
  checkpoint,
  eventsOf,
  oidcCodeIssued,
  openPrompt,
  pathOf,
  refreshTarget,
  shop,
  signInPaths,
  startWorld,
  type World,
} from './world.js';

/**
 * Attack 4: skipping the second step — after the first factor, going straight to what only a
 * signed-in person may reach, as if the challenge were a page one could walk past. Every first
 * factor ends in a pending sign-in (src/core/flows/after-first-factor.ts), which is a cookie of
 * its own and never a session: only `completeSecondFactor` turns it into one, through
 * `completeSignIn`. The table of every route for every kind of visitor is
 * test/security/route-access.test.ts; this file takes each way in to the places that matter.
 */

/** The places a browser with a pending sign-in tries to reach, and what it must get there. */
const targets: [string, (world: World, browser: TestBrowser) => Promise<void>][] = [
  [
    'the protected API',
    async (_world, browser) => {
      const calls = [
        browser.get('/api/v1/me'),
        browser.get('/api/v1/factors'),
        browser.get('/api/v1/sessions'),
        browser.get('/api/v1/activity'),
        browser.postJson('/api/v1/step-up', { action: 'funds.withdraw' }),
        browser.postJson('/api/v1/recovery-codes', {}),
        browser.postJson('/api/v1/mfa/off', {}),
      ];
      for (const response of await Promise.all(calls)) {
        expect(response.statusCode, response.body).toBe(401);
        expect(response.json().error.code).toBe('ERR_UNAUTHENTICATED');
      }
    },
  ],
  [
    'an account page',
    async (_world, browser) => {
      for (const page of ['/account', '/account/authenticator', '/account/phone']) {
        expect((await browser.get(page)).headers.location, page).toBe('/sign-in');
      }
    },
  ],
  [
    'the admin console',
    async (_world, browser) => {
      for (const page of ['/admin', '/admin/events']) expect((await browser.get(page)).headers.location, page).toBe('/sign-in');
    },
  ],
  [
    'the hosted step-up page',
    async (_world, browser) => {
      const page = await browser.get('/step-up?action=funds.withdraw&return_to=%2Faccount');
      expect(page.headers.location).toBe('/sign-in');
    },
  ],
  [
    'the end of the MFA-only prompt',
    async (world, browser) => {
      // With the prompt's cookie (the prompt path has one) it starts the challenge again; without, it is refused.
      const moved = await browser.get('/prompt/continue');
      expect(refreshTarget(moved)).toBeUndefined();
      expect([303, 400]).toContain(moved.statusCode);
      if (moved.statusCode === 303) expect(moved.headers.location).toBe('/sign-in/verify');
      expect(await world.server.deps.store.prompts.exchange(['anything'], world.server.clock.now())).toBeUndefined();
    },
  ],
  [
    'the OIDC interaction',
    async (_world, browser) => {
      const interaction = await authorize(browser);
      expect((await browser.get(interaction)).headers.location).toBe('/sign-in');
      expect(await oidcCodeIssued(browser, interaction)).toBe(false);
    },
  ],
];

describe('skipping the second step', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(() => world.close());

  describe.each(byName(signInPaths))('a pending sign-in from %s', (_name, path) => {
    it.each(targets)('reaches nothing of %s', async (_target, reach) => {
      const sessionsBefore = (await eventsOf(world, world.ada, 'sign_in')).length;
      const { browser } = await path.reach(world, world.ada);
      await reach(world, browser);
      expect(browser.cookies.has('tessera_session')).toBe(false);
      expect(await eventsOf(world, world.ada, 'sign_in')).toHaveLength(sessionsBefore);
    });
  });

  describe('the app’s login in an MFA-only prompt for an action, before the action’s step-up', () => {
    /** A browser the app sent to approve a withdrawal: its first step done, its step-up next. */
    async function beforeTheStepUp() {
      const browser = new Browser(world.server.app);
      expect((await openPrompt(world, browser, world.ada, { act: 'funds.withdraw' })).headers.location).toBe('/prompt/continue');
      expect((await browser.get('/prompt/continue')).headers.location).toMatch(/^\/step-up\?action=funds.withdraw/);
      return browser;
    }

    it.each(targets.filter(([name]) => name !== 'the hosted step-up page' && name !== 'the end of the MFA-only prompt'))(
      'reaches nothing of %s: it is no sign-in to Tessera',
      async (_target, reach) => {
        await reach(world, await beforeTheStepUp());
      },
    );

    it('still approves the action with a second factor and returns to the app, ending the prompt’s session', async () => {
      const attempt = await checkpoint('an action in the MFA-only prompt').reach(world, world.ada);
      const approved = await attempt.submit({ code: world.code(world.ada) });
      expect(pathOf(approved.headers.location)).toMatch(/^\/prompt\/continue\?grant=/);
      const back = await attempt.browser.get(pathOf(approved.headers.location));
      expect(refreshTarget(back)).toMatch(new RegExp(`^${shop.returnUrl}\\?code=`));
      expect((await attempt.browser.get('/api/v1/me')).statusCode).toBe(401);
    });
  });

  it('lets the prompt of a person without a method reach only setting one up', async () => {
    const { server } = world;
    const created = await server.app.inject({
      method: 'PUT',
      url: '/api/v1/host/people/u-ivy',
      headers: { authorization: `Bearer shop.${'s'.repeat(40)}` },
      payload: { email: 'ivy@example.com', emailVerified: true },
    });
    expect(created.statusCode).toBe(201);
    const ivy = { ...world.ada, externalId: 'u-ivy' };
    const browser = new Browser(server.app);
    expect((await openPrompt(world, browser, ivy)).headers.location).toBe('/prompt/continue');
    expect((await browser.get('/prompt/continue')).headers.location).toBe('/prompt/setup');
    expect((await browser.get('/prompt/setup')).statusCode).toBe(200);
    const reached: LightMyRequestResponse[] = [
      await browser.get('/api/v1/me'),
      await browser.get('/api/v1/activity'),
      await browser.postJson('/api/v1/factors/phone', { number: '+447400999999', channel: 'sms' }),
    ];
    expect(reached.map((response) => response.statusCode)).toEqual([401, 401, 401]);
    expect((await browser.get('/account')).headers.location).toBe('/sign-in');
  });
});
