import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../support/http-client.js';
import { byName, checkpoint, checkpoints, eventsOf, signedIn, signedInBrowser, startWorld, type World } from './world.js';

/**
 * Attack 11: using a recovery code again (one photographed, or left in a download), and using
 * the password reset to get rid of two-step verification. Each recovery code is one row spent
 * with `UPDATE … SET used_at … WHERE used_at IS NULL` (src/store/repositories/recovery-codes.ts),
 * whichever checkpoint it is given at; regenerating replaces every row. A password reset
 * (src/core/flows/password-reset.ts) changes the password and ends sessions and trusted devices,
 * but the sign-in after it still goes through `afterFirstFactor`: methods, recovery codes and the
 * lockout stay as they were.
 */
describe('recovery-code reuse and password reset', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(() => world.close());

  const passwordSignIn = checkpoint('password sign-in');
  const unused = () => world.server.deps.store.recoveryCodes.countUnused(world.ada.id);

  it.each(byName(checkpoints))('refuses at %s a recovery code Ada already signed in with', async (_name, point) => {
    const recoveryCode = world.recoveryCode(world.ada);
    expect((await (await passwordSignIn.reach(world, world.ada)).submit({ recoveryCode })).statusCode).toBe(200);
    const attempt = await point.reach(world, world.ada);
    const again = await attempt.submit({ recoveryCode });
    expect(again.statusCode).toBe(401);
    expect(attempt.passed(again)).toBe(false);
    if (point.kind === 'sign-in') expect(await signedIn(attempt.browser)).toBe(false);
    expect(await unused()).toBe(9);
    expect(await eventsOf(world, world.ada, 'recovery_code_used')).toHaveLength(1);
  });

  it.each(byName(checkpoints))(
    'refuses a recovery code used at %s when it is given there again, or at password sign-in',
    async (_name, point) => {
      const recoveryCode = world.recoveryCode(world.ada);
      const first = await point.reach(world, world.ada);
      expect(first.passed(await first.submit({ recoveryCode }))).toBe(true);
      const again = await point.reach(world, world.ada);
      expect(again.passed(await again.submit({ recoveryCode }))).toBe(false);
      const elsewhere = await passwordSignIn.reach(world, world.ada);
      expect((await elsewhere.submit({ recoveryCode })).statusCode).toBe(401);
      expect(await unused()).toBe(9);
    },
  );

  it.each([
    [
      'remove a method',
      (browser: TestBrowser, recoveryCode: string, world: World) =>
        browser.request({ method: 'DELETE', url: `/api/v1/factors/${world.ada.factorId}`, payload: { recoveryCode } }),
    ],
    [
      'make new recovery codes',
      (browser: TestBrowser, recoveryCode: string) => browser.postJson('/api/v1/recovery-codes', { recoveryCode }),
    ],
    [
      'turn two-step verification off',
      (browser: TestBrowser, recoveryCode: string) => browser.postJson('/api/v1/mfa/off', { recoveryCode }),
    ],
    [
      'add a phone number',
      (browser: TestBrowser, recoveryCode: string) =>
        browser.postJson('/api/v1/factors/phone', { number: '+447400999000', channel: 'sms', recoveryCode }),
    ],
    [
      '“Confirm it’s you”',
      (browser: TestBrowser, recoveryCode: string) => browser.postJson('/api/v1/session/confirm', { recoveryCode }),
    ],
  ])('refuses a used recovery code as the proof to %s', async (_name, change) => {
    const recoveryCode = world.recoveryCode(world.ada);
    expect((await (await passwordSignIn.reach(world, world.ada)).submit({ recoveryCode })).statusCode).toBe(200);
    const browser = await signedInBrowser(world, world.ada);
    world.server.clock.advance(11 * 60_000);
    expect((await change(browser, recoveryCode, world)).statusCode).toBe(401);
    expect(await world.server.deps.store.factors.listForUser(world.ada.id)).toHaveLength(2);
    expect(await unused()).toBe(9);
  });

  it('refuses a used recovery code as a passwordless sign-in', async () => {
    await world.close();
    world = await startWorld({ config: { signIn: { passwordless: true } } });
    const recoveryCode = world.recoveryCode(world.ada);
    expect((await (await passwordSignIn.reach(world, world.ada)).submit({ recoveryCode })).statusCode).toBe(200);
    const browser = new TestBrowser(world.server.app);
    await browser.postJson('/api/v1/sign-in/passwordless', { email: world.ada.email });
    expect((await browser.postJson('/api/v1/sign-in/passwordless/verify', { recoveryCode })).statusCode).toBe(401);
    expect(await signedIn(browser)).toBe(false);
  });

  it('refuses every old recovery code, at sign-in and at a step-up, once new ones were made', async () => {
    const browser = await signedInBrowser(world, world.ada);
    const made = await browser.postJson('/api/v1/recovery-codes', { code: world.code(world.ada) });
    expect(made.statusCode).toBe(201);
    const old = world.ada.recoveryCodes.splice(0);
    const atSignIn = await passwordSignIn.reach(world, world.ada);
    expect((await atSignIn.submit({ recoveryCode: old[0]! })).statusCode).toBe(401);
    const atStepUp = await checkpoint('the step-up API').reach(world, world.ada);
    expect((await atStepUp.submit({ recoveryCode: old[1]! })).statusCode).toBe(401);
    expect((await atStepUp.submit({ recoveryCode: made.json().recoveryCodes[0] })).statusCode).toBe(200);
  });

  describe('a password reset', () => {
    const newPassword = 'saffron kettle harbour';

    /** Eve, with Ada's mailbox, resets Ada's password: the reset's own answer. */
    async function resetByMailbox() {
      const thief = new TestBrowser(world.server.app);
      world.server.clock.advance(31_000);
      await thief.postJson('/api/v1/password/reset/send', { email: world.ada.email });
      const [message] = (await world.server.deps.store.outbox.latest(100)).filter(
        (each) => each.to === world.ada.email && each.purpose === 'password_reset',
      );
      const link = new URL(/(https?:\/\/\S+\/reset-password\?\S+)/.exec(message!.text)![1]!);
      const reset = await thief.postJson('/api/v1/password/reset', {
        c: link.searchParams.get('c'),
        t: link.searchParams.get('t'),
        newPassword,
      });
      return { thief, reset };
    }

    it('keeps every method and recovery code, and still asks the thief for the second factor', async () => {
      const { thief, reset } = await resetByMailbox();
      expect(reset.json()).toMatchObject({ status: 'second_factor_required' });
      expect(await signedIn(thief)).toBe(false);
      expect(await world.server.deps.store.factors.listForUser(world.ada.id)).toHaveLength(2);
      expect(await unused()).toBe(10);
      expect(await eventsOf(world, world.ada, 'mfa_disabled')).toEqual([]);
      const later = new TestBrowser(world.server.app);
      const signIn = await later.postJson('/api/v1/sign-in', { email: world.ada.email, password: newPassword });
      expect(signIn.json()).toMatchObject({ status: 'second_factor_required' });
    });

    it('lifts no lockout: the second factor stays locked after the password changed', async () => {
      const attempt = await passwordSignIn.reach(world, world.ada);
      for (let i = 0; i < 10; i++) await attempt.submit({ code: world.wrongCode(world.ada) });
      const { thief, reset } = await resetByMailbox();
      // The password is changed, but the sign-in it would start meets the lock.
      expect(reset.statusCode).toBe(423);
      expect(await signedIn(thief)).toBe(false);
      const signIn = await thief.postJson('/api/v1/sign-in', { email: world.ada.email, password: newPassword });
      expect(signIn.statusCode).toBe(423);
      expect(await world.server.deps.store.lockout.lockedUntil(world.ada.id)).toBeGreaterThan(world.server.clock.now());
    });

    it('is no sign-in link: the reset link signs nobody in, and still only resets', async () => {
      const thief = new TestBrowser(world.server.app);
      await thief.postJson('/api/v1/password/reset/send', { email: world.ada.email });
      const [message] = (await world.server.deps.store.outbox.latest(100)).filter(
        (each) => each.to === world.ada.email && each.purpose === 'password_reset',
      );
      const link = new URL(/(https?:\/\/\S+\/reset-password\?\S+)/.exec(message!.text)![1]!);
      const parts = { c: link.searchParams.get('c'), t: link.searchParams.get('t') };
      expect((await thief.postJson('/api/v1/sign-in/link', parts)).json().error.code).toBe('ERR_LINK_INVALID');
      expect(await signedIn(thief)).toBe(false);
      const reset = await thief.postJson('/api/v1/password/reset', { ...parts, newPassword });
      expect(reset.json()).toMatchObject({ status: 'second_factor_required' });
    });
  });
});
