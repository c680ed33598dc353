import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { configSchema, type TesseraConfig } from '../../src/config.js';
import { createServer } from '../../src/server.js';
import { benchKeys, seedTessera } from './seed-tessera.js';
import { format, spread } from './stats.js';

export interface EnumerationTimingRun {
  samples: number;
  /** Median latency of a wrong password for an existing account, ms. */
  knownMs: number;
  /** Median latency of the same request for an address without an account, ms. */
  unknownMs: number;
  /** known / unknown: 1 when the answer takes as long whether or not the account exists. */
  ratio: number;
}

/**
 * Sign-in latency with a wrong password, for addresses with an account (an authenticator app
 * on, real argon2id hashes) and without one, in one process through `inject()`: the same
 * server, the same warm JIT, measured in alternation (which goes first swaps every pair) so
 * that drift on a busy machine falls on both alike. Every request names another address, as an
 * enumerating attacker's do, so no account's throttle is reached. The tests show that the work
 * is equal (test/security/enumeration.test.ts); this shows what it costs in time.
 */
export async function enumerationTimingRun(
  samples = Number(process.env.BENCH_ENUMERATION_SAMPLES ?? 200),
): Promise<EnumerationTimingRun> {
  const warmup = 20;
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-enumeration-'));
  try {
    const databaseUrl = `sqlite:${join(dataDir, 'tessera.db')}`;
    const known = await seedTessera(databaseUrl, dataDir, { users: samples + warmup, prefix: 'enum', pending: false });
    const config: TesseraConfig = {
      ...configSchema.parse({
        database: { url: databaseUrl },
        dataDir,
        secrets: { keys: [{ id: 'bench1', secret: benchKeys.slice(7) }] },
        // One address asks every time; the per-IP budget would stop it at once.
        throttling: { ipAttempts: 1_000_000_000 },
      }),
      mode: 'development',
    };
    const server = await createServer(config, { warn: () => undefined, manualSweeps: true });
    try {
      const signIn = async (email: string): Promise<number> => {
        const started = performance.now();
        const response = await server.app.inject({
          method: 'POST',
          url: '/api/v1/sign-in',
          payload: { email, password: 'not the password at all' },
        });
        const elapsed = performance.now() - started;
        if (response.statusCode !== 401) throw new Error(`sign-in answered ${response.statusCode}: ${response.body}`);
        return elapsed;
      };
      const times = { known: [] as number[], unknown: [] as number[] };
      for (let i = 0; i < samples + warmup; i++) {
        const pair: ['known' | 'unknown', string][] = [
          ['known', known[i]!.email],
          ['unknown', `nobody-${i}@bench.example`],
        ];
        if (i % 2 === 1) pair.reverse();
        for (const [kind, email] of pair) {
          const elapsed = await signIn(email);
          if (i >= warmup) times[kind].push(elapsed);
        }
      }
      const knownMs = spread(times.known).median;
      const unknownMs = spread(times.unknown).median;
      return { samples, knownMs, unknownMs, ratio: knownMs / unknownMs };
    } finally {
      await server.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The line the case prints, and the report quotes. */
export function describeEnumerationTiming(run: EnumerationTimingRun): string {
  return `sign-in with a wrong password, median of ${run.samples} each: known ${format(run.knownMs, 1)} ms, unknown ${format(
    run.unknownMs,
    1,
  )} ms, known/unknown ${format(run.ratio, 3)}`;
}

// Runnable alone: node --import tsx bench/lib/enumeration-timing.ts
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${describeEnumerationTiming(await enumerationTimingRun())}\n`);
}
