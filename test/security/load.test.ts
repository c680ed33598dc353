import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accountsFor,
  formatLoad,
  loadEnv,
  type LoadResult,
  maxLoadSeconds,
  runLoad,
  seedLoadAccounts,
} from '../../bench/lib/soak.js';
import { type Instance, startInstance } from '../support/instances.js';
import { freePort } from '../support/live-server.js';

/**
 * Load on a real `tessera serve` process on loopback (SQLite, real argon2id): many workers at
 * once sign in with the password and a code or recovery code, read /api/v1/me, ask for and
 * approve a step-up, spend its grant and sign out, with wrong codes, a spent grant, an unknown
 * action and a cross-site request mixed in; beside them a guesser locks three accounts and a
 * sprayer trips the per-IP budget. Every answer must be a success or a refusal that request was
 * designed to give, never a 5xx or a dropped connection. Memory and throughput are printed,
 * never asserted (bench/soak.ts records them in bench/RESULTS.md).
 *
 * 25 s by default so CI stays fast; TESSERA_LOAD_SECONDS (at most 90) and TESSERA_LOAD_WORKERS
 * make it a longer soak, which still stops by itself.
 */
const seconds = Math.min(Number(process.env.TESSERA_LOAD_SECONDS ?? 25), maxLoadSeconds);
const workers = Number(process.env.TESSERA_LOAD_WORKERS ?? 32);
/** lockout.maxFailures, left at its default: the tenth wrong code locks. */
const maxFailures = 10;

describe('under load: sign-ins, code verifications and step-ups at high concurrency', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-load-'));
  let instance: Instance | undefined;
  let result: LoadResult;

  beforeAll(
    async () => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const { env, hostKey } = loadEnv({ databaseUrl: `sqlite:${join(dir, 'tessera.db')}`, dataDir: dir, url, port });
      const accounts = await seedLoadAccounts(env, accountsFor(workers, seconds));
      instance = await startInstance(port, env);
      result = await runLoad({ url: instance.url, accounts, hostKey, seconds, workers });
      console.log(formatLoad(result));
    },
    (seconds + 75) * 1000,
  );

  afterAll(async () => {
    await instance?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every request, none with a 5xx', () => {
    expect(result.connectionErrors).toEqual([]);
    expect(result.serverErrors).toEqual([]);
    expect(Object.keys(result.serverStatuses).filter((status) => Number(status) >= 500)).toEqual([]);
  });

  it('gives only the answers each request was designed to give', () => {
    expect(result.unexpected).toEqual([]);
    const refusals = Object.keys(result.statuses).filter((status) => Number(status) >= 300);
    expect(refusals.every((status) => ['400', '401', '403', '409', '423', '429'].includes(status))).toBe(true);
    // The load did real work: people signed in with two factors and had withdrawals approved.
    expect(result.iterations).toBeGreaterThan(workers);
  });

  it('locks each guessed account at the budget, also when twelve guesses arrive at once', () => {
    expect(result.lockouts).toEqual(
      result.lockouts.map((entry) => ({ email: entry.email, refusedBeforeLock: maxFailures - 1, locked: true })),
    );
  });

  it('throttles wrong passwords from one address with designed 429s', () => {
    expect(result.sprayer['429']).toBeGreaterThan(0);
    expect(Object.keys(result.sprayer).sort()).toEqual(expect.arrayContaining(['401', '429']));
  });

  it('still answers /healthz and /readyz afterwards', () => {
    expect(result.healthyAfter).toBe(true);
  });
});
