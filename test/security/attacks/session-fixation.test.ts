import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../support/http-client.js';
import { totpAt } from '../../support/mfa.js';
import {
  authorize,
  byName,
  hiddenFields,
  oidcCodeIssued,
  openPrompt,
  postForm,
  promptWithoutMethod,
  refreshTarget,
  signedInBrowser,
  signInPaths,
  startWorld,
  type World,
} from './world.js';

/**
 * Attack 7: session fixation across the factor boundary — Eve puts a session cookie she knows
 * into Ada's browser (her own, or a value she chose) before Ada signs in, hoping Ada's sign-in
 * lifts that token to Ada's session; or she keeps the token of a session whose assurance then
 * rises. `completeSignIn` (src/core/flows/complete-sign-in.ts) makes every session with a new
 * random token, whatever the browser sent; the pending sign-in is a cookie of its own, spent by
 * the second step; and a rise in assurance (`raiseAssurance`) replaces the token.
 */
describe('session fixation across the factor boundary', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(() => world.close());

  /** Who a session token belongs to, if anyone. */
  const ownerOf = async (token: string) => {
    const probe = new TestBrowser(world.server.app);
    probe.cookies.set('tessera_session', token);
    const me = await probe.get('/api/v1/me');
    return me.statusCode === 200 ? (me.json().user.email as string) : undefined;
  };

  it.each(byName(signInPaths))(
    'signs Ada in through %s under a new token, never one planted before, and spends her pending sign-in',
    async (_name, path) => {
      const { ada, eve, server } = world;
      const evesToken = (await signedInBrowser(world, eve)).cookies.get('tessera_session')!;
      const chosen = 'a-token-eve-chose-for-ada-0000000000000000';
      // A browser that holds Eve's session authorizes an app as Eve: the OIDC path is tried with a chosen token only
      // (production's __Host- cookie keeps other sites from planting either, see browser-protections.test.ts).
      const plants = path.name === 'an OIDC authorization' ? [chosen] : [evesToken, chosen];
      for (const planted of plants) {
        const browser = new TestBrowser(server.app);
        browser.cookies.set('tessera_session', planted);
        const attempt = await path.reach(world, ada, browser);
        const pendingToken = browser.cookies.get('tessera_pending')!;
        expect(pendingToken).toBeDefined();
        const passed = await attempt.submit({ code: world.code(ada) });
        expect(attempt.passed(passed), passed.body.slice(0, 300)).toBe(true);

        const token = browser.cookies.get('tessera_session')!;
        expect(token).not.toBe(planted);
        expect(token).not.toBe(pendingToken);
        expect(await ownerOf(token)).toBe(ada.email);
        expect(await ownerOf(planted)).toBe(planted === evesToken ? eve.email : undefined);
        expect(browser.cookies.has('tessera_pending')).toBe(false);

        const replay = new TestBrowser(server.app);
        replay.cookies.set('tessera_pending', pendingToken);
        const again = await replay.postJson('/api/v1/sign-in/second-factor', { code: world.code(ada) });
        expect(again.json().error.code).toBe('ERR_SIGN_IN_EXPIRED');
      }
    },
  );

  describe('a rise in assurance', () => {
    it('replaces the token at “Confirm it’s you” over the API: the old one signs nobody in', async () => {
      const browser = await signedInBrowser(world, world.ada);
      const before = browser.cookies.get('tessera_session')!;
      expect((await browser.postJson('/api/v1/session/confirm', { code: world.code(world.ada) })).statusCode).toBe(200);
      expect(browser.cookies.get('tessera_session')).not.toBe(before);
      expect(await ownerOf(before)).toBeUndefined();
      expect(await ownerOf(browser.cookies.get('tessera_session')!)).toBe(world.ada.email);
    });

    it('replaces the token on the “Confirm it’s you” page', async () => {
      const browser = await signedInBrowser(world, world.ada);
      const before = browser.cookies.get('tessera_session')!;
      const page = await browser.get('/account/confirm?next=%2Faccount');
      const confirmed = await postForm(browser, '/account/confirm', {
        ...hiddenFields(page.body, '/account/confirm'),
        proof: world.code(world.ada),
      });
      expect(confirmed.headers.location).toBe('/account');
      expect(await ownerOf(before)).toBeUndefined();
    });

    it('replaces the token when a first method is set up in the MFA-only prompt', async () => {
      const { server } = world;
      const browser = await promptWithoutMethod(world);
      expect((await browser.get('/prompt/continue')).headers.location).toBe('/prompt/continue');
      expect((await browser.get('/prompt/continue')).headers.location).toBe('/prompt/setup');
      const before = browser.cookies.get('tessera_session')!;
      const page = await browser.get('/prompt/setup');
      const secret = /data-testid="setup-key">([A-Z2-7 ]+)</.exec(page.body)![1]!.replace(/\s/g, '');
      const set = await postForm(browser, '/prompt/setup', {
        ...hiddenFields(page.body, '/prompt/setup'),
        code: totpAt(secret, server.clock.now()),
      });
      expect(set.statusCode, set.body.slice(0, 300)).toBe(200);
      expect(browser.cookies.get('tessera_session')).not.toBe(before);
      const stale = new TestBrowser(server.app);
      stale.cookies.set('tessera_session', before);
      stale.cookies.set('tessera_prompt', browser.cookies.get('tessera_prompt')!);
      expect(refreshTarget(await stale.get('/prompt/continue'))).toBeUndefined();
    });
  });

  it('never finishes Eve’s prompt, planted in Ada’s signed-in browser, with Ada’s session', async () => {
    const { ada, eve, server } = world;
    const evesBrowser = new TestBrowser(server.app);
    expect((await openPrompt(world, evesBrowser, eve)).headers.location).toBe('/sign-in/verify');
    const adas = await signedInBrowser(world, ada);
    adas.cookies.set('tessera_prompt', evesBrowser.cookies.get('tessera_prompt')!);
    const moved = await adas.get('/prompt/continue');
    expect(refreshTarget(moved)).toBeUndefined();
    // Eve's prompt now asks for Eve's second factor, which Ada's code does not answer.
    expect(moved.headers.location).toBe('/sign-in/verify');
    expect((await adas.postJson('/api/v1/sign-in/second-factor', { code: world.code(ada) })).statusCode).toBe(401);
    expect(adas.cookies.has('tessera_session')).toBe(false);
  });

  it('never finishes an OIDC authorization begun in Eve’s browser with Ada’s sign-in in hers', async () => {
    const { ada, server } = world;
    const evesBrowser = new TestBrowser(server.app);
    const interaction = await authorize(evesBrowser);
    const adas = await signedInBrowser(world, ada);
    const opened = await adas.get(interaction);
    expect(opened.statusCode).toBeGreaterThanOrEqual(400);
    expect(refreshTarget(opened)).toBeUndefined();
    expect(await oidcCodeIssued(evesBrowser, interaction)).toBe(false);
  });
});
