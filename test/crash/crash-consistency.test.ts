import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { factorSecretContext } from '../../src/core/factors/factor-secret.js';
import { signingKeyContext } from '../../src/core/signing-key-context.js';
import { Keyring } from '../../src/crypto/keyring.js';
import { type OpenDatabase, openDatabase } from '../../src/store/open-database.js';
import { keyUsageRepository } from '../../src/store/repositories/key-usage.js';
import { databaseKinds } from '../support/databases.js';
import { HttpBrowser } from '../support/http-browser.js';
import { freePort } from '../support/live-server.js';
import { postgresUrl } from '../support/services.js';
import type { DatabaseKind } from '../support/test-server.js';
import { checkInvariants, describeSchema, invariantNames, type Violations } from './invariants.js';
import {
  type Account,
  factorKinds,
  type JourneyContext,
  runJourneys,
  runSettledJourneys,
  SeededRandom,
  signIn,
  signInWithFactor,
  signInWithRecoveryCode,
} from './journeys.js';
import { runCommand, type ServerProcess, startServer } from './processes.js';

/**
 * Crash consistency: people go through their journeys against a real `tessera serve` that is
 * killed with SIGKILL at seeded moments, and `tessera keys rotate` is killed halfway through.
 * After each kill the database, as the crash left it, must keep every invariant, and the
 * restarted server must serve what it answered before. SQLite and PostgreSQL run side by side.
 *
 * CRASH_SEED replays a run's delays, kill points and journeys (the exact request a kill cuts
 * still depends on timing); CRASH_ROUNDS adds further kill-and-restart rounds for a longer soak.
 */
const seed = process.env.CRASH_SEED ? Number(process.env.CRASH_SEED) : randomInt(2 ** 31);
const extraRounds = Number(process.env.CRASH_ROUNDS ?? 0);
const workers = 3;
const publicUrl = 'http://localhost:4992';
console.log(`crash consistency: seed ${seed} (replay with CRASH_SEED=${seed})`);

interface Key {
  id: string;
  secret: string;
}

interface Outcome {
  violations: Violations;
  /** Whatever the restarted server did not serve. */
  serving: string[];
  unexpected: string[];
  finished: number;
  rotation: {
    killed: boolean;
    resumedCode: number | null;
    after: Record<string, Record<string, number>> | undefined;
    /** Secrets the new key alone does not open once the rotation completed. */
    unreadable: string[];
  };
  report: string[];
}

/** One installation on `database`, crashed round after round; what was found. */
async function crashScenario(database: DatabaseKind): Promise<Outcome> {
  const random = new SeededRandom(seed ^ (database === 'postgres' ? 0x5eed : 0));
  const [k1, k2] = ['k1', 'k2'].map((id): Key => ({ id, secret: randomBytes(32).toString('base64') })) as [Key, Key];
  const keyring = new Keyring([k2, k1].map((key) => ({ id: key.id, secret: Buffer.from(key.secret, 'base64') })));
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-crash-'));
  const postgresName = `tessera_crash_${randomBytes(4).toString('hex')}`;
  const url =
    database === 'sqlite' ? `sqlite:${join(dataDir, 'tessera.db')}` : postgresUrl.replace(/\/[^/]*$/, `/${postgresName}`);
  const envWith = (keys: Key[]) => ({
    TESSERA_DATABASE_URL: url,
    TESSERA_DATA_DIR: dataDir,
    TESSERA_SERVER_PUBLIC_URL: publicUrl,
    TESSERA_SECRETS_KEYS: keys.map((key) => `${key.id}:${key.secret}`).join(','),
    TESSERA_THROTTLING_IP_ATTEMPTS: '1000000',
    // Several authenticator codes in one journey, each of a new time step.
    TESSERA_TOTP_WINDOW: '3',
    TESSERA_EMAIL_CODES_RESEND_COOLDOWN_SECONDS: '0',
    TESSERA_EMAIL_CODES_HOURLY_LIMIT_PER_PERSON: '1000',
    TESSERA_EMAIL_CODES_HOURLY_LIMIT_PER_DESTINATION: '1000',
  });
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    await client.query(statement);
    await client.end();
  };

  const outcome: Outcome = {
    violations: {},
    serving: [],
    unexpected: [],
    finished: 0,
    rotation: { killed: false, resumedCode: null, after: undefined, unreadable: [] },
    report: [],
  };
  const began = Date.now();
  const mark = (what: string) => outcome.report.push(`${((Date.now() - began) / 1000).toFixed(1)} s: ${what}`);
  const record = (round: string, found: Violations) => {
    for (const [name, problems] of Object.entries(found))
      (outcome.violations[name] ??= []).push(...problems.map((problem) => `${round}: ${problem}`));
  };

  let server: ServerProcess | undefined;
  let opened: OpenDatabase | undefined;
  let context: JourneyContext | undefined;
  let expected: { schema: string[]; recoveryCodesPerSet: number } | undefined;
  const start = async (keys: Key[]) => {
    mark(`tessera serve with ${keys.map((key) => key.id).join(', ')}`);
    server = await startServer(await freePort(), envWith(keys));
    if (context) context.server = server;
  };

  const checkedAt = new Map<Account, number>();
  /** Signs in accounts whose journeys finished before an earlier kill, and asks for every session it was given. */
  async function checkServing(
    round: string,
    signInFrom: (account: Account) => boolean,
    recoveryFrom: (account: Account) => boolean,
  ) {
    const problem = (text: string) => outcome.serving.push(`${round}: ${text}`);
    mark(`checking it serves ${round}`);
    const health = await fetch(`${context!.server.url}/healthz`);
    if (!health.ok) problem(`/healthz answered ${health.status}`);
    for (const account of context!.accounts) {
      for (const session of account.sessions.filter((candidate) => candidate.live)) {
        const browser = new HttpBrowser(publicUrl);
        browser.jar.set('tessera_session', session.token);
        const me = await browser.send(context!.server, 'GET', '/api/v1/me');
        if (me.status !== 200) problem(`${account.email}: a session it was given answers ${me.status}`);
      }
    }
    const attempt = async (account: Account, what: string, work: () => Promise<void>) => {
      try {
        await work();
      } catch (error) {
        problem(`${account.email}: ${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    // Of each kind, the finished journey `signInFrom` picks that was checked least recently, the newest first.
    const finished = context!.accounts.filter((account) => account.finished && signInFrom(account)).reverse();
    for (const kind of factorKinds) {
      const [account] = finished
        .filter((candidate) => candidate.kind === kind)
        .sort((a, b) => (checkedAt.get(a) ?? 0) - (checkedAt.get(b) ?? 0));
      if (!account) problem(`no finished ${kind} journey to sign in with`);
      else {
        checkedAt.set(account, Date.now());
        await attempt(account, `signing in with ${kind}`, () => signInWithFactor(context!, account, `${round}-sign-in`));
      }
    }
    const withCodes = context!.accounts.find((account) => account.finished && recoveryFrom(account) && account.codes.length > 0);
    if (!withCodes) return problem('no finished journey with recovery codes');
    await attempt(withCodes, 'signing in with a recovery code', () =>
      signInWithRecoveryCode(context!, withCodes, `${round}-recovery`),
    );
    // The code just accepted is refused now: used, and not usable.
    const spent = withCodes.used[withCodes.used.length - 1]!;
    await attempt(withCodes, 'a used recovery code again', async () => {
      try {
        await signIn(context!, withCodes, `${round}-reused`, async () => ({ recoveryCode: spent }));
        problem(`${withCodes.email}: a used recovery code signed in again`);
      } catch (error) {
        if (!(error instanceof Error && / answered 401:/.test(error.message))) throw error;
      }
    });
  }

  /** Journeys from `round` until the server is killed `delayMs` after `meanwhile`; then the invariants. */
  async function crashRound(round: number, delayMs: number, meanwhile?: () => Promise<void>) {
    context!.dying = false;
    const running = runJourneys(context!, round, workers);
    await meanwhile?.();
    const started = Date.now();
    await sleep(delayMs);
    context!.dying = true;
    await server!.kill();
    await running;
    const mine = context!.accounts.filter((account) => account.round === round && !account.email.includes('settled'));
    const cut = mine.flatMap((account) => (account.interrupted ? [`${account.kind} at ${account.interrupted}`] : []));
    mark(
      `round ${round}: SIGKILL ${Date.now() - started} ms in (seeded ${delayMs} ms${meanwhile ? ' after keys rotate was killed' : ''}); ` +
        `${mine.length} journeys, ${mine.filter((account) => account.finished).length} finished; cut: ${cut.join(', ') || 'none'}`,
    );
    record(`round ${round}`, await checkInvariants(opened!, keyring, context!.accounts, expected!));
  }

  try {
    if (database === 'postgres') await admin(`create database ${postgresName}`);

    // Round 1: one key. One journey of each kind first runs to its end; then the kill comes while others run.
    await start([k1]);
    opened = await openDatabase(url);
    expected = { schema: await describeSchema(opened), recoveryCodesPerSet: 10 };
    context = { publicUrl, server: server!, db: opened.db, random, dying: false, unexpected: outcome.unexpected, accounts: [] };
    await runSettledJourneys(context, 1);
    await crashRound(1, random.int(300, 1500));

    // Round 2: a second key, current, beside the first. `keys rotate` runs beside the server and is killed
    // halfway; then the server is killed while journeys run.
    await start([k2, k1]);
    const underK1 = async () => (await keyUsageRepository(opened!.db).keyIdsInUse(['k2', 'k1']))['factor secrets']!.k1!;
    const before = await underK1();
    const killAtLine = random.int(1, Math.max(1, Math.floor(before / 2)));
    const rotating = runCommand(['keys', 'rotate', '--batch', '1'], envWith([k2, k1]), {
      killAtLine,
      counts: (line) => /^\s+factor: \d+ looked at/.test(line),
    }).then(async (killed) => {
      outcome.rotation.killed = killed.killed;
      mark(
        `keys rotate --batch 1: SIGKILL at its progress line ${killAtLine}: ` +
          (killed.killed
            ? `killed; factor secrets under k1 ${before} before, ${await underK1()} after`
            : `finished, exit ${killed.code}`),
      );
    });
    await checkServing(
      'after round 1',
      (account) => account.round === 1,
      (account) => account.round === 1,
    );
    await crashRound(2, random.int(200, 1000), () => rotating);

    // Further rounds on request (CRASH_ROUNDS).
    for (let round = 3; round < 3 + extraRounds; round++) {
      await start([k2, k1]);
      await checkServing(
        `after round ${round - 1}`,
        () => true,
        () => true,
      );
      await crashRound(round, random.int(300, 1500));
    }

    // A last restart after the last kill; run again beside it, the rotation resumes where it was cut and completes.
    const [resumed] = await Promise.all([runCommand(['keys', 'rotate'], envWith([k2, k1])), start([k2, k1])]);
    outcome.rotation.resumedCode = resumed.code;
    outcome.rotation.after = await keyUsageRepository(opened.db).keyIdsInUse(['k2', 'k1']);
    mark(`keys rotate again: exit ${resumed.code}; ${resumed.lines.filter((line) => !line.startsWith(' ')).join('; ')}`);
    // The old key can go now: every secret opens under the new one alone.
    const newKeyOnly = new Keyring([{ id: k2.id, secret: Buffer.from(k2.secret, 'base64') }]);
    for (const factor of await opened.db.selectFrom('factors').select(['id', 'user_id', 'secret_sealed']).execute()) {
      if (newKeyOnly.open(factor.secret_sealed, factorSecretContext({ userId: factor.user_id, id: factor.id })) === undefined)
        outcome.rotation.unreadable.push(`factor ${factor.id}`);
    }
    for (const key of await opened.db.selectFrom('signing_keys').select(['kid', 'private_sealed']).execute()) {
      if (newKeyOnly.open(key.private_sealed, signingKeyContext(key.kid)) === undefined)
        outcome.rotation.unreadable.push(`signing key ${key.kid}`);
    }
    await checkServing(
      'after the last kill and the rotation',
      (account) => account.round === 1,
      () => true,
    );
    await server!.stop();
    server = undefined;
    record('after a clean stop', await checkInvariants(opened, keyring, context.accounts, expected));
    mark('done');
    outcome.finished = context.accounts.filter((account) => account.finished).length;
    return outcome;
  } finally {
    console.log(`crash consistency on ${database}, seed ${seed}:\n  ${outcome.report.join('\n  ')}`);
    await server?.kill();
    await opened?.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (database === 'postgres') await admin(`drop database if exists ${postgresName} with (force)`);
  }
}

const outcomes = new Map<DatabaseKind, Outcome>();
beforeAll(
  async () => {
    const results = await Promise.all(databaseKinds.map(crashScenario));
    databaseKinds.forEach((database, index) => outcomes.set(database, results[index]!));
  },
  120_000 + extraRounds * 15_000,
);

describe.each(databaseKinds)('killed at seeded moments on %s', (database) => {
  const outcome = () => outcomes.get(database)!;

  it('runs every journey to the answers it expects while the server lives', () => {
    expect(outcome().unexpected).toEqual([]);
    expect(outcome().finished).toBeGreaterThanOrEqual(factorKinds.length);
  });

  it.each(Object.values(invariantNames))('after every kill: %s', (name) => {
    expect(outcome().violations[name] ?? []).toEqual([]);
  });

  it('serves after every restart: health, the sessions it gave, sign-ins with each kind of factor and a recovery code', () => {
    expect(outcome().serving).toEqual([]);
  });

  it('resumes a key rotation killed halfway and completes it: nothing left that needs the old key', () => {
    expect(outcome().rotation.killed).toBe(true);
    expect(outcome().rotation.resumedCode).toBe(0);
    expect(outcome().rotation.after).toMatchObject({
      'factor secrets': { k1: 0 },
      'signing keys': { k1: 0 },
      'webhook secrets': { k1: 0 },
    });
    expect(outcome().rotation.unreadable).toEqual([]);
  });
});
