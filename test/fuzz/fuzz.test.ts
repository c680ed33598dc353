import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzCase } from './arbitraries.js';
import { assertStillServing, runCase, Tally } from './check.js';
import { type FuzzWorld, startFuzzWorld } from './world.js';

/**
 * The fuzzer (issue 18): malformed requests for every operation of the OpenAPI document and every
 * form of the pages a signed-in person, a pending sign-in and a visitor see, and those pages read
 * with queries of junk. `npm test` runs a bounded run with a fixed seed; `npm run fuzz`
 * (FUZZ_LONG=1) a long one with a new seed each time, which stops by itself after 95 s.
 * - FUZZ_SEED, FUZZ_RUNS: the seed and the number of cases (printed at the start of every run).
 * - FUZZ_PATH: with the seed, replays just the failing case fast-check reported.
 * - FUZZ_TIME_LIMIT_MS: stop after this long.
 * - FUZZ_COLLECT=1: go on after a failure and list every kind found at the end.
 */
const long = process.env.FUZZ_LONG === '1';
const seed = Number(process.env.FUZZ_SEED ?? (long ? Date.now() % 2 ** 31 : 20_261_118));
const runs = Number(process.env.FUZZ_RUNS ?? (long ? 10_000_000 : 2500));
const timeLimitMs = process.env.FUZZ_TIME_LIMIT_MS ? Number(process.env.FUZZ_TIME_LIMIT_MS) : long ? 95_000 : undefined;
const path = process.env.FUZZ_PATH;
const collect = process.env.FUZZ_COLLECT === '1';

let world: FuzzWorld;
beforeAll(async () => {
  world = await startFuzzWorld();
});
afterAll(() => world?.close());

describe('the fuzzer', () => {
  it('finds the forms of the pages and the operations of the document', () => {
    const actions = new Set(
      world.forms.map((form) => `${form.action.replace(/\/[A-Za-z0-9_-]{16,}(?=\/|$)/g, '/:id')} (${form.holder})`),
    );
    expect(world.operations.length).toBeGreaterThan(50);
    for (const action of [
      '/sign-out (session)',
      '/account/password (session)',
      '/sign-in/verify (pending)',
      '/sign-in (anonymous)',
      '/sign-up (anonymous)',
    ]) {
      expect([...actions]).toContain(action);
    }
  });

  it(
    'answers every malformed request with a refusal, never a 5xx, a session or a grant, and changes nothing',
    async () => {
      const tally = new Tally();
      const found = new Map<string, string>();
      const started = Date.now();
      console.log(
        `fuzz: seed ${seed}, ${timeLimitMs ? 'up to ' : ''}${runs} cases${timeLimitMs ? `, at most ${timeLimitMs / 1000} s` : ''}`,
      );
      await fc.assert(
        fc.asyncProperty(fuzzCase(world), async (fuzzCase) => {
          if (!collect) await runCase(world, fuzzCase, tally);
          else {
            try {
              await runCase(world, fuzzCase, tally);
            } catch (error) {
              const message = (error as Error).message;
              const kind = `${fuzzCase.target}: ${message.split('\n')[0]!.slice(0, 90)}`;
              if (!found.has(kind)) found.set(kind, message);
            }
          }
          if (tally.cases % 250 === 0) await assertStillServing(world);
        }),
        {
          seed,
          numRuns: runs,
          ...(path ? { path } : {}),
          ...(timeLimitMs ? { interruptAfterTimeLimit: timeLimitMs, markInterruptAsFailure: false } : {}),
        },
      );
      if (found.size > 0) console.log([...found.values()].join('\n\n'));
      expect([...found.keys()]).toEqual([]);
      await assertStillServing(world);
      console.log(`fuzz: seed ${seed}: ${tally.summary()}\n  in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    },
    timeLimitMs ? timeLimitMs + 60_000 : 60_000,
  );
});
