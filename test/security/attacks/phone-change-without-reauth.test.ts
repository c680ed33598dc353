import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../support/http-client.js';
import { createApiKey } from '../../../src/core/flows/api-keys.js';
import { password } from '../../support/mfa.js';
import {
  addPhone,
  eventsOf,
  hiddenFields,
  hostAuthorization,
  latestTextedCode,
  openPrompt,
  phoneOf,
  postForm,
  signedInBrowser,
  startWorld,
  textsTo,
  trustedDeviceBrowser,
  withdrawal,
  type World,
} from './world.js';

/**
 * Attack 10: changing the phone number without re-authenticating — the SIM-swap path. Someone
 * with a signed-in browser left open, a stolen trusted device, a stolen password or the app's
 * MFA-only prompt adds their own number (or removes Ada's) so that codes go to them. Binding a
 * number is binding an authenticator: `startPhoneFactor` (src/core/flows/phone-codes.ts) takes
 * a current second-factor proof with the request (the password only while there is no factor),
 * the number must answer a code sent to it, and the confirmed address is told; removing one is
 * the always-on `factor.remove` protected action (src/core/flows/manage-factors.ts).
 */
describe('phone-number change without re-authentication', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(() => world.close());

  const thiefsNumber = '+447400999000';
  const factorsOf = async () => (await world.server.deps.store.factors.listForUser(world.ada.id)).length;

  /** A browser of Ada's, and what it sends to start adding the thief's number. */
  const tries: [string, (world: World) => Promise<() => Promise<{ statusCode: number; body: string }>>][] = [
    [
      'a session signed in moments ago, without a code',
      async (world) => {
        const browser = await signedInBrowser(world, world.ada);
        return () => browser.postJson('/api/v1/factors/phone', { number: thiefsNumber, channel: 'sms' });
      },
    ],
    [
      'a trusted device’s session, without a code',
      async (world) => {
        const { browser } = await trustedDeviceBrowser(world, world.ada);
        return () => browser.postJson('/api/v1/factors/phone', { number: thiefsNumber, channel: 'sms' });
      },
    ],
    [
      'a session that approved a withdrawal a moment ago, without a code',
      async (world) => {
        const browser = await signedInBrowser(world, world.ada);
        const { stepUpId } = (
          await browser.postJson('/api/v1/step-up', { action: 'funds.withdraw', details: withdrawal })
        ).json();
        await browser.postJson('/api/v1/step-up/verify', { stepUpId, code: world.code(world.ada) });
        return () => browser.postJson('/api/v1/factors/phone', { number: thiefsNumber, channel: 'sms' });
      },
    ],
    [
      'a session, with a wrong code',
      async (world) => {
        const browser = await signedInBrowser(world, world.ada);
        return () =>
          browser.postJson('/api/v1/factors/phone', { number: thiefsNumber, channel: 'sms', code: world.wrongCode(world.ada) });
      },
    ],
    [
      'a session, with a code Ada already used to sign in',
      async (world) => {
        const code = world.code(world.ada);
        const signIn = new TestBrowser(world.server.app);
        await signIn.postJson('/api/v1/sign-in', { email: world.ada.email, password });
        await signIn.postJson('/api/v1/sign-in/second-factor', { code });
        return () => signIn.postJson('/api/v1/factors/phone', { number: thiefsNumber, channel: 'sms', code });
      },
    ],
    [
      'the account page’s form, without a code',
      async (world) => {
        const browser = await signedInBrowser(world, world.ada);
        const page = await browser.get('/account/phone');
        return () =>
          postForm(browser, '/account/phone', {
            ...hiddenFields(page.body, '/account/phone'),
            number: thiefsNumber,
            channel: 'sms',
            password,
          });
      },
    ],
    [
      'the session of an MFA-only prompt, before its step-up',
      async (world) => {
        const browser = new TestBrowser(world.server.app);
        await openPrompt(world, browser, world.ada, { act: 'funds.withdraw' });
        await browser.get('/prompt/continue');
        return () => browser.postJson('/api/v1/factors/phone', { number: thiefsNumber, channel: 'sms' });
      },
    ],
  ];

  it.each(tries)('refuses to add a number from %s, texting it nothing', async (_name, prepare) => {
    const attempt = await prepare(world);
    const before = await factorsOf();
    const refused = await attempt();
    expect(refused.statusCode, refused.body.slice(0, 300)).toBeGreaterThanOrEqual(400);
    expect(refused.statusCode).toBeLessThan(500);
    expect(await textsTo(world, thiefsNumber)).toEqual([]);
    expect(await factorsOf()).toBe(before);
    expect(await eventsOf(world, world.ada, 'factor_added')).toHaveLength(2);
  });

  it('binds the number only once it answers the code sent to it, and tells Ada’s confirmed address', async () => {
    const browser = await signedInBrowser(world, world.ada);
    const started = await browser.postJson('/api/v1/factors/phone', {
      number: thiefsNumber,
      channel: 'sms',
      code: world.code(world.ada),
    });
    expect(started.statusCode, started.body).toBe(200);
    expect((await browser.postJson('/api/v1/factors/phone/confirm', { code: world.wrongCode(world.ada) })).statusCode).toBe(401);
    expect(await factorsOf()).toBe(2);
    const confirmed = await browser.postJson('/api/v1/factors/phone/confirm', {
      code: await latestTextedCode(world, thiefsNumber),
    });
    expect(confirmed.statusCode).toBe(201);
    const [notice] = (await world.server.deps.store.outbox.latest(10)).filter((message) => message.purpose === 'phone_added');
    expect(notice).toMatchObject({ to: world.ada.email, subject: 'A phone number was added to your Tessera account' });
  });

  it.each([
    ['a session signed in moments ago', (world: World) => signedInBrowser(world, world.ada)],
    ['a trusted device’s session', async (world: World) => (await trustedDeviceBrowser(world, world.ada)).browser],
  ])('refuses to remove Ada’s number from %s without a current second factor', async (_name, open) => {
    const phone = await addPhone(world, world.ada);
    const browser = await open(world);
    world.server.clock.advance(11 * 60_000);
    const removal = await browser.request({ method: 'DELETE', url: `/api/v1/factors/${phone}`, payload: {} });
    expect(removal.json().error.code).toBe('ERR_STEP_UP_REQUIRED');
    const page = await browser.get('/account');
    const fromPage = await postForm(
      browser,
      `/account/factors/${phone}/remove`,
      hiddenFields(page.body, `/account/factors/${phone}/remove`),
    );
    expect(fromPage.statusCode).toBeGreaterThanOrEqual(400);
    expect(await factorsOf()).toBe(3);
    expect(await textsTo(world, phoneOf(world.ada))).toEqual([]);
  });

  it.each([
    ['no API key', async () => ({}), 401],
    [
      'a key with only the sign_in_links scope',
      async (world: World) => {
        const by = { userId: null, ip: 'cli' };
        const { token } = await createApiKey(world.server.deps, { name: 'Links', scopes: ['sign_in_links'], by });
        return { authorization: `Bearer ${token}` };
      },
      403,
    ],
  ] as const)(
    'refuses the app’s route that sets a person’s number with %s, changing nothing',
    async (_name, headersOf, status) => {
      const { server, ada } = world;
      const setNumber = (headers: Record<string, string>) =>
        server.app.inject({
          method: 'PUT',
          url: `/api/v1/host/people/${ada.externalId}`,
          headers,
          payload: { email: ada.email, emailVerified: true, verifiedPhone: thiefsNumber },
        });
      const notices = async () =>
        (await server.deps.store.outbox.latest(10)).filter((message) => message.purpose === 'phone_added');
      expect((await setNumber(await headersOf(world))).statusCode).toBe(status);
      expect(await factorsOf()).toBe(2);
      expect(await notices()).toEqual([]);
      // With the `people` scope the app may: it verified the number itself, and Ada's address hears of it.
      expect((await setNumber(hostAuthorization)).statusCode).toBe(200);
      expect(await notices()).toHaveLength(1);
    },
  );
});
