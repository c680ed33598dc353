import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../support/http-client.js';
import { password } from '../../support/mfa.js';
import {
  addPhone,
  byName,
  checkpoint,
  checkpoints,
  eventsOf,
  latestTextedCode,
  phoneOf,
  signedIn,
  signedInBrowser,
  startWorld,
  withdrawal,
  type World,
} from './world.js';

/**
 * Attack 2: replaying a one-time code that was seen (over a shoulder, in a phishing proxy, in a
 * log) after the person used it. An authenticator app's code is accepted once per time step and
 * factor, and never a step at or before the last accepted one: one conditional UPDATE of the
 * factor's last step (`acceptTotpStep` in src/store/repositories/factors.ts, called by
 * src/core/flows/second-factor-check.ts), which also records the replay (`totp_replay`). Codes
 * Tessera sends are bound to the sign-in or step-up they were sent for and spent when they match
 * (src/core/flows/take-oob-code.ts).
 */
describe('OTP replay', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(() => world.close());

  const passwordSignIn = checkpoint('password sign-in');

  it.each(byName(checkpoints))(
    'refuses at %s a TOTP code that signed Ada in a moment ago, and records the replay',
    async (_name, point) => {
      const { ada } = world;
      const code = world.code(ada);
      const used = await (await passwordSignIn.reach(world, ada)).submit({ code });
      expect(used.statusCode).toBe(200);

      const attempt = await point.reach(world, ada, point.kind === 'sign-in' ? new TestBrowser(world.server.app) : undefined);
      const replayed = await attempt.submit({ code });
      expect(replayed.statusCode).toBe(401);
      expect(attempt.passed(replayed)).toBe(false);
      if (point.kind === 'sign-in') expect(await signedIn(attempt.browser)).toBe(false);
      expect(await eventsOf(world, ada, 'totp_replay')).toHaveLength(1);
      expect(await eventsOf(world, ada, 'step_up_approved')).toEqual([]);
    },
  );

  it.each(byName(checkpoints))(
    'refuses a TOTP code accepted at %s when it is given there again, and at password sign-in',
    async (_name, point) => {
      const { ada } = world;
      const first = await point.reach(world, ada);
      const code = world.code(ada);
      const accepted = await first.submit({ code });
      expect(first.passed(accepted), accepted.body.slice(0, 300)).toBe(true);

      const again = await point.reach(world, ada);
      const replayed = await again.submit({ code });
      expect(replayed.statusCode).toBe(401);
      expect(again.passed(replayed)).toBe(false);
      const elsewhere = await passwordSignIn.reach(world, ada);
      expect((await elsewhere.submit({ code })).statusCode).toBe(401);
      expect(await signedIn(elsewhere.browser)).toBe(false);
      expect(await eventsOf(world, ada, 'totp_replay')).toHaveLength(2);
    },
  );

  it('refuses a code from an earlier time step once a later one was accepted, at a step-up', async () => {
    const { ada } = world;
    const earlier = world.code(ada);
    const later = world.code(ada);
    expect((await (await passwordSignIn.reach(world, ada)).submit({ code: later })).statusCode).toBe(200);
    // Still inside the ±1 window, but behind the step that was accepted.
    const stepUp = await checkpoint('the step-up API').reach(world, ada);
    expect((await stepUp.submit({ code: earlier })).statusCode).toBe(401);
  });

  describe('codes Tessera texts', () => {
    it('refuses a texted sign-in code for the next sign-in, once it signed in', async () => {
      const { ada } = world;
      const phone = await addPhone(world, ada);
      const first = new TestBrowser(world.server.app);
      await first.postJson('/api/v1/sign-in', { email: ada.email, password });
      await first.postJson('/api/v1/sign-in/send-code', { factorId: phone, channel: 'sms' });
      const code = await latestTextedCode(world, phoneOf(ada));
      expect((await first.postJson('/api/v1/sign-in/second-factor', { code })).statusCode).toBe(200);

      const second = new TestBrowser(world.server.app);
      await second.postJson('/api/v1/sign-in', { email: ada.email, password });
      const replayed = await second.postJson('/api/v1/sign-in/second-factor', { code });
      expect(replayed.statusCode).toBe(401);
      expect(await signedIn(second)).toBe(false);
    });

    it('refuses a code texted to approve one withdrawal as the approval of another, or of a sign-in', async () => {
      const { ada } = world;
      const phone = await addPhone(world, ada);
      const browser = await signedInBrowser(world, ada);
      const ask = async (details: string) =>
        (await browser.postJson('/api/v1/step-up', { action: 'funds.withdraw', details })).json().stepUpId as string;
      const small = await ask(withdrawal);
      const large = await ask('Withdraw £9,999.00 to account ••••6666');
      expect((await browser.postJson('/api/v1/step-up/send-code', { stepUpId: small, factorId: phone })).statusCode).toBe(200);
      const code = await latestTextedCode(world, phoneOf(ada));

      expect((await browser.postJson('/api/v1/step-up/verify', { stepUpId: large, code })).statusCode).toBe(401);
      const pending = new TestBrowser(world.server.app);
      await pending.postJson('/api/v1/sign-in', { email: ada.email, password });
      expect((await pending.postJson('/api/v1/sign-in/second-factor', { code })).statusCode).toBe(401);
      // Still unspent for what it was sent for; then spent.
      expect((await browser.postJson('/api/v1/step-up/verify', { stepUpId: small, code })).statusCode).toBe(200);
      const again = await ask(withdrawal);
      expect((await browser.postJson('/api/v1/step-up/verify', { stepUpId: again, code })).statusCode).toBe(401);
    });
  });
});
