import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { byName, checkpoints, eventsOf, failuresCounted, signedIn, startWorld, type World } from './world.js';

/**
 * Attack 1: guessing the second factor, starting again as often as it takes (a new pending
 * sign-in, a new step-up, a new browser) in the hope that each start brings fresh attempts.
 * Every checkpoint counts against the account's one failure budget (`checkSecondFactor` in
 * src/core/flows/second-factor-check.ts claims an attempt before checking it), which locks
 * the account for 15 minutes at the tenth wrong code.
 */
describe('OTP brute force across re-logins', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(() => world.close());

  it.each(byName(checkpoints))(
    'locks the account after ten wrong codes over five fresh starts at %s, and then refuses even the right code',
    async (_name, point) => {
      const { ada, server } = world;
      for (let round = 1; round <= 5; round++) {
        const attempt = await point.reach(world, ada);
        for (let guess = 1; guess <= 2; guess++) {
          const wrong = await attempt.submit({ code: world.wrongCode(ada) });
          expect(wrong.statusCode, `round ${round}, guess ${guess}`).toBe(round === 5 && guess === 2 ? 423 : 401);
          expect(attempt.passed(wrong)).toBe(false);
        }
        if (round < 5) expect(await failuresCounted(world, ada)).toBe(round * 2);
        else {
          const right = await attempt.submit({ code: world.code(ada) });
          expect(right.statusCode).toBe(423);
          expect(attempt.passed(right)).toBe(false);
          if (point.kind === 'sign-in') expect(await signedIn(attempt.browser)).toBe(false);
        }
      }
      expect(await server.deps.store.lockout.lockedUntil(ada.id)).toBeGreaterThan(server.clock.now() + 14 * 60_000);
      expect(await eventsOf(world, ada, 'account_locked')).toHaveLength(1);
      expect(await eventsOf(world, ada, 'step_up_approved')).toEqual([]);
    },
  );

  it('counts wrong codes at every checkpoint against the same budget: one at each of ten locks the account', async () => {
    const { ada, server } = world;
    const [last, ...first] = [...checkpoints].reverse();
    for (const [index, point] of first.reverse().entries()) {
      const attempt = await point.reach(world, ada);
      const wrong = await attempt.submit({ code: world.wrongCode(ada) });
      expect(wrong.statusCode, point.name).toBe(index === 9 ? 423 : 401);
    }
    const attempt = await last!.reach(world, ada);
    const right = await attempt.submit({ code: world.code(ada) });
    expect(right.statusCode, last!.name).toBe(423);
    expect(await server.deps.store.lockout.lockedUntil(ada.id)).toBeGreaterThan(server.clock.now());
  });
});
