import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../support/http-client.js';
import { password } from '../../support/mfa.js';
import {
  addPhone,
  byName,
  checkpoint,
  checkpoints,
  eventsOf,
  failuresCounted,
  latestTextedCode,
  openPrompt,
  phoneOf,
  refreshTarget,
  signedIn,
  signedInBrowser,
  startWorld,
  withdrawal,
  type World,
} from './world.js';

/**
 * Attack 5: answering someone else's second step with one's own factor — Eve, who knows Ada's
 * password (or holds Ada's link, or Ada's prompt), answers Ada's challenge with Eve's own
 * authenticator app or recovery code, hoping the check only asks "is this a valid code?". A
 * proof is only ever checked against the factors of the person the pending sign-in or step-up
 * belongs to (`checkSecondFactor(deps, user, …)` with the user of the pending sign-in, in
 * src/core/flows/complete-second-factor.ts and step-up.ts); codes Tessera sends are bound to
 * the challenge they were sent for.
 */
describe('a code used against another user’s pending sign-in', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(() => world.close());

  it.each(byName(checkpoints))(
    'refuses Eve’s valid code and recovery code for Ada at %s, counts them against Ada, and leaves Eve’s unspent',
    async (_name, point) => {
      const { ada, eve, server } = world;
      const attempt = await point.reach(world, ada);
      const evesCode = world.code(eve);
      const evesRecoveryCode = world.recoveryCode(eve);
      for (const proof of [{ code: evesCode }, { recoveryCode: evesRecoveryCode }]) {
        const refused = await attempt.submit(proof);
        expect(refused.statusCode).toBe(401);
        expect(attempt.passed(refused)).toBe(false);
      }
      if (point.kind === 'sign-in') expect(await signedIn(attempt.browser)).toBe(false);
      expect(await failuresCounted(world, ada)).toBe(2);
      expect(await eventsOf(world, ada, 'step_up_approved')).toEqual([]);

      // Nothing of Eve's was touched: her code and recovery code still work for her.
      expect(await server.deps.store.recoveryCodes.countUnused(eve.id)).toBe(10);
      const evesOwn = await checkpoint('password sign-in').reach(world, eve);
      expect((await evesOwn.submit({ code: evesCode })).statusCode).toBe(200);
      expect(await failuresCounted(world, eve)).toBe(0);
    },
  );

  it('refuses on Ada’s pending sign-in a code texted for Eve’s, or for another of Ada’s own', async () => {
    const { ada, eve, server } = world;
    await addPhone(world, eve);
    const eves = new TestBrowser(server.app);
    await eves.postJson('/api/v1/sign-in', { email: eve.email, password });
    await eves.postJson('/api/v1/sign-in/send-code', { channel: 'sms' });
    const code = await latestTextedCode(world, phoneOf(eve));

    const adas = await checkpoint('password sign-in').reach(world, ada);
    expect((await adas.submit({ code })).statusCode).toBe(401);
    expect(await signedIn(adas.browser)).toBe(false);
    // A code texted for one of Ada's own sign-ins answers only that one.
    await addPhone(world, ada);
    const first = new TestBrowser(server.app);
    await first.postJson('/api/v1/sign-in', { email: ada.email, password });
    await first.postJson('/api/v1/sign-in/send-code', { channel: 'sms' });
    const adasCode = await latestTextedCode(world, phoneOf(ada));
    const second = await checkpoint('password sign-in').reach(world, ada);
    expect((await second.submit({ code: adasCode })).statusCode).toBe(401);
    expect((await first.postJson('/api/v1/sign-in/second-factor', { code: adasCode })).statusCode).toBe(200);
  });

  it('refuses to approve Eve’s step-up from Ada’s session, or Ada’s from Eve’s, with any valid proof', async () => {
    const { ada, eve } = world;
    const adas = await signedInBrowser(world, ada);
    const eves = await signedInBrowser(world, eve);
    const { stepUpId } = (await eves.postJson('/api/v1/step-up', { action: 'funds.withdraw', details: withdrawal })).json();
    for (const proof of [{ code: world.code(ada) }, { code: world.code(eve) }, { recoveryCode: world.recoveryCode(ada) }]) {
      const refused = await adas.postJson('/api/v1/step-up/verify', { stepUpId, ...proof });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.code).toBe('ERR_STEP_UP_EXPIRED');
    }
    expect((await adas.postJson('/api/v1/step-up/send-code', { stepUpId })).json().error.code).toBe('ERR_STEP_UP_EXPIRED');
    expect((await adas.postJson('/api/v1/step-up/webauthn-options', { stepUpId })).json().error.code).toBe('ERR_STEP_UP_EXPIRED');
    expect(await eventsOf(world, eve, 'step_up_approved')).toEqual([]);
    expect((await eves.postJson('/api/v1/step-up/verify', { stepUpId, code: world.code(eve) })).statusCode).toBe(200);
  });

  it('refuses to finish Ada’s prompt with Eve’s session: the browser is asked for Ada’s second factor instead', async () => {
    const { ada, eve, server } = world;
    const browser = new TestBrowser(server.app);
    expect((await openPrompt(world, browser, ada)).headers.location).toBe('/sign-in/verify');
    // Eve signs in to Tessera in that browser, then moves Ada's prompt on.
    const evesSession = await signedInBrowser(world, eve);
    browser.cookies.set('tessera_session', evesSession.cookies.get('tessera_session')!);
    const moved = await browser.get('/prompt/continue');
    expect(refreshTarget(moved)).toBeUndefined();
    expect(moved.headers.location).toBe('/sign-in/verify');
    expect(browser.cookies.has('tessera_session')).toBe(false);
  });
});
