import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Secret, TOTP } from 'otpauth';
import { loadConfig } from '../../src/config.js';
import { newTotpSecret } from '../../src/core/factors/totp.js';
import { addFactor } from '../../src/core/flows/add-factor.js';
import { argon2Hasher } from '../../src/crypto/argon2-hasher.js';
import { createServer } from '../../src/server.js';
import { seedUser } from './seed-tessera.js';

/**
 * The load and soak run shared by test/security/load.test.ts (short, asserted) and
 * bench/soak.ts (longer, its figures written to bench/RESULTS.md): many workers at once, each
 * signing its own accounts in with the password and a code or recovery code, asking for and
 * approving a step-up, spending the grant, reading /api/v1/me and signing out, with designed
 * refusals mixed in (wrong codes, a spent grant, an unknown action, a cross-site request), next
 * to a guesser that locks accounts with wrong codes and a sprayer that trips the per-IP budget.
 * Every response is checked against what that request may answer; nothing here is timed against
 * a target.
 */

export const loadPassword = 'load horse battery staple';
/** Workers never run past this, whatever they are asked: the run must stop by itself. */
export const maxLoadSeconds = 90;

export interface LoadAccount {
  email: string;
  secret: string;
  recoveryCodes: string[];
  /** Newest time step whose code was sent for this account (a code is accepted once per step). */
  lastStep: number;
}

/** The environment of the server under load; the seeding process reads the same, so keys and database match. */
export function loadEnv(options: { databaseUrl: string; dataDir: string; url: string; port: number }) {
  const hostKey = { id: 'load', secret: randomBytes(24).toString('hex') };
  return {
    hostKey: `${hostKey.id}.${hostKey.secret}`,
    env: {
      TESSERA_DATABASE_URL: options.databaseUrl,
      TESSERA_DATA_DIR: options.dataDir,
      TESSERA_SERVER_HOST: '127.0.0.1',
      TESSERA_SERVER_PORT: String(options.port),
      TESSERA_SERVER_PUBLIC_URL: options.url,
      // The workers stand for many clients behind one proxy on loopback, each sign-in from an address
      // of its own (X-Forwarded-For); the sprayer keeps one address, so the default per-IP budget applies.
      TESSERA_SERVER_TRUSTED_PROXIES: '127.0.0.1',
      TESSERA_SECRETS_KEYS: `load1:${randomBytes(32).toString('base64')}`,
      TESSERA_HOST_API_KEYS: `${hostKey.id}:${hostKey.secret}`,
      TESSERA_LOGGING_LEVEL: 'warn',
    } satisfies Record<string, string>,
  };
}

/**
 * Accounts with an authenticator app and recovery codes, written through Tessera's own store and
 * `addFactor` (the rows, events and codes a real set-up leaves) before the server starts. Every
 * account shares one argon2id hash of `loadPassword`, so seeding takes seconds; every sign-in
 * still verifies it at full cost.
 */
export async function seedLoadAccounts(env: Record<string, string>, count: number, prefix = 'load'): Promise<LoadAccount[]> {
  const config = loadConfig({ env: { ...env, NODE_ENV: 'development' } });
  const server = await createServer(config, { warn: () => undefined });
  const { deps } = server;
  const passwordHash = await argon2Hasher.hash(loadPassword);
  const accounts: LoadAccount[] = [];
  try {
    for (let index = 0; index < count; index++) {
      const user = await seedUser(deps, `${prefix}-${index}@load.example`, passwordHash);
      const secret = newTotpSecret(deps.random);
      const { recoveryCodes } = await addFactor(deps, {
        user,
        kind: 'totp',
        label: 'Authenticator app',
        secret,
        fingerprint: `totp-secret:${secret}`,
        lastUsedStep: null,
        alreadyEnrolled: 'already set up',
        ip: '127.0.0.1',
      });
      accounts.push({ email: user.email, secret, recoveryCodes: recoveryCodes ?? [], lastStep: -Infinity });
    }
  } finally {
    await server.close();
  }
  return accounts;
}

/** How many accounts a run of `seconds` with `workers` needs, so the workers rarely wait for a code. */
export function accountsFor(workers: number, seconds: number): number {
  return workers * Math.max(8, Math.ceil(seconds / 4)) + guesserVictims + sprayerTargets;
}

const guesserVictims = 3;
const sprayerTargets = 2;
const period = 30_000;
const alphabet = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

/** One answer a request may give: its status and, for JSON, `status` of a success or `error.code` of a refusal. */
type Expected = readonly [status: number, code?: string];

interface RouteFigures {
  latencies: number[];
  statuses: Map<string, number>;
}

export interface LoadProblem {
  route: string;
  status: number | 'no answer';
  detail: string;
  expected: string;
}

export interface MemoryFigures {
  rssMiB: number;
  heapUsedMiB: number;
}

export interface LoadResult {
  seconds: number;
  workers: number;
  accounts: number;
  requests: number;
  /** Iterations that signed in with two factors and had a step-up approved. */
  iterations: number;
  /** Times a worker found none of its accounts with a code left and waited for the next time step. */
  waitsForCode: number;
  routes: { route: string; requests: number; perSecond: number; p50: number; p95: number; max: number; statuses: string }[];
  /** Responses by status over every route, as the client saw them. */
  statuses: Record<string, number>;
  /** Requests the server counted in /metrics, by status, over the whole life of the process. */
  serverStatuses: Record<string, number>;
  /** 5xx answers, as the client saw them. */
  serverErrors: LoadProblem[];
  /** Requests that got no HTTP answer at all (refused, reset, timed out). */
  connectionErrors: LoadProblem[];
  /** Answers that request was not designed to give: another refusal, or a success where a refusal was due. */
  unexpected: LoadProblem[];
  /** How many of each there were (the lists above keep the first few). */
  problemCounts: { serverErrors: number; connectionErrors: number; unexpected: number };
  /** The guesser's accounts: wrong codes refused with 401 before the first 423, and whether it came. */
  lockouts: { email: string; refusedBeforeLock: number; locked: boolean }[];
  /** The sprayer's answers by status: wrong passwords, then the per-IP and per-account throttles. */
  sprayer: Record<string, number>;
  memory: { before: MemoryFigures; peak: MemoryFigures; after: MemoryFigures };
  /** The samples behind the peak, every 2 s from the start: whether memory levels off or keeps growing. */
  timeline: (MemoryFigures & { at: number })[];
  /** Whether /healthz and /readyz answered 200 after the load. */
  healthyAfter: boolean;
}

/** A few hundred problems are as telling as thousands, and stay printable. */
const keepProblems = 50;

/** A cookie jar and client address of one worker, which sends every request the way a browser behind the proxy would. */
class Client {
  readonly jar = new Map<string, string>();
  ip = '127.0.0.1';
  constructor(
    private readonly run: Run,
    private readonly url: string,
  ) {}

  /**
   * Sends one request and checks its answer against `expected`; answers the parsed body when it
   * was one of them, undefined when it was not (recorded, and the worker starts over).
   */
  async send(
    route: string,
    expected: readonly Expected[],
    init: { method?: string; path?: string; json?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Record<string, unknown> | undefined> {
    const [method = 'GET', path = ''] = init.path ? [init.method ?? 'GET', init.path] : route.split(' ');
    const started = performance.now();
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.url + path, {
        method,
        headers: {
          origin: this.url,
          'x-forwarded-for': this.ip,
          ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.jar.size ? { cookie: [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ') } : {}),
          ...init.headers,
        },
        body: init.json === undefined ? undefined : JSON.stringify(init.json),
        signal: AbortSignal.timeout(15_000),
      });
      text = await response.text();
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      this.run.problem('connectionErrors', {
        route,
        status: 'no answer',
        detail: `${(error as Error).name}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
        expected: describe(expected),
      });
      this.run.count(route, 'error', performance.now() - started);
      return undefined;
    }
    this.run.count(route, String(response.status), performance.now() - started);
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = cookie.split(';');
      const at = pair.indexOf('=');
      const [name, value] = [pair.slice(0, at).trim(), pair.slice(at + 1)];
      const gone = value === '' || attributes.some((attribute) => /max-age=0|expires=thu, 01 jan 1970/i.test(attribute.trim()));
      if (gone) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = { unparsed: text.slice(0, 120) };
    }
    const code = response.ok ? (body.status as string | undefined) : (body.error as { code?: string } | undefined)?.code;
    const matches = expected.some(([status, wanted]) => status === response.status && (wanted === undefined || wanted === code));
    if (response.status >= 500) {
      this.run.problem('serverErrors', {
        route,
        status: response.status,
        detail: text.slice(0, 200),
        expected: describe(expected),
      });
    }
    if (!matches) {
      this.run.problem('unexpected', {
        route,
        status: response.status,
        detail: text.slice(0, 200),
        expected: describe(expected),
      });
      return undefined;
    }
    return body;
  }
}

const describe = (expected: readonly Expected[]) =>
  expected.map(([status, code]) => `${status}${code ? ` ${code}` : ''}`).join(' | ');

/** The code an authenticator app shows for `secret` in time step `step`. */
const codeAt = (secret: string, step: number) =>
  TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: step * period + period / 2 });

/** Six digits that are none of the codes the ±1 window (and a step either side of it) accepts now. */
function wrongCode(secret: string): string {
  const step = Math.floor(Date.now() / period);
  const valid = new Set([-2, -1, 0, 1, 2].map((offset) => codeAt(secret, step + offset)));
  for (;;) {
    const guess = String(Math.floor(Math.random() * 1e6)).padStart(6, '0');
    if (!valid.has(guess)) return guess;
  }
}

const wrongRecoveryCode = () => Array.from({ length: 16 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');

/**
 * A proof for the account now: the code of the earliest time step not yet used that the window
 * still accepts (the current one or the next), otherwise one of its recovery codes.
 */
function takeProof(account: LoadAccount, preferRecoveryCode = false): { code: string } | { recoveryCode: string } | undefined {
  const step = Math.floor(Date.now() / period);
  const next = Math.max(step, account.lastStep + 1);
  if (preferRecoveryCode && account.recoveryCodes.length > 0) return { recoveryCode: account.recoveryCodes.pop()! };
  if (next <= step + 1) {
    account.lastStep = next;
    return { code: codeAt(account.secret, next) };
  }
  const recoveryCode = account.recoveryCodes.pop();
  return recoveryCode ? { recoveryCode } : undefined;
}

const hasProof = (account: LoadAccount) =>
  account.recoveryCodes.length > 0 ||
  Math.max(Math.floor(Date.now() / period), account.lastStep + 1) <= Math.floor(Date.now() / period) + 1;

class Run {
  readonly routes = new Map<string, RouteFigures>();
  readonly problems: Record<'serverErrors' | 'connectionErrors' | 'unexpected', LoadProblem[]> = {
    serverErrors: [],
    connectionErrors: [],
    unexpected: [],
  };
  readonly problemCounts = { serverErrors: 0, connectionErrors: 0, unexpected: 0 };
  iterations = 0;
  waitsForCode = 0;

  count(route: string, status: string, ms: number) {
    const figures: RouteFigures = this.routes.get(route) ?? { latencies: [], statuses: new Map<string, number>() };
    this.routes.set(route, figures);
    figures.latencies.push(ms);
    figures.statuses.set(status, (figures.statuses.get(status) ?? 0) + 1);
  }

  problem(kind: keyof Run['problems'], problem: LoadProblem) {
    this.problemCounts[kind]++;
    if (this.problems[kind].length < keepProblems) this.problems[kind].push(problem);
  }
}

/** Resident memory and used heap of the server, from its own /metrics. */
async function memoryOf(url: string): Promise<MemoryFigures> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
  return { rssMiB: value('tessera_process_resident_memory_bytes'), heapUsedMiB: value('tessera_nodejs_heap_size_used_bytes') };
}

/** Requests the server counted, by status, from tessera_http_requests_total. */
async function serverStatusesOf(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const statuses: Record<string, number> = {};
  for (const [, status, value] of text.matchAll(/^tessera_http_requests_total\{[^}]*status="(\d+)"[^}]*\} (\S+)$/gm)) {
    statuses[status!] = (statuses[status!] ?? 0) + Number(value);
  }
  return statuses;
}

const percentile = (sorted: number[], share: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))] ?? 0;

/**
 * Runs `workers` workers (plus the guesser and the sprayer) against the server at `url` for
 * `seconds` (at most `maxLoadSeconds`), then checks that it still answers /healthz and /readyz.
 * `accounts` come from `seedLoadAccounts` with `accountsFor(workers, seconds)`.
 */
export async function runLoad(options: {
  url: string;
  accounts: LoadAccount[];
  hostKey: string;
  seconds: number;
  workers: number;
  log?: (message: string) => void;
}): Promise<LoadResult> {
  const { url, hostKey, workers } = options;
  const seconds = Math.min(options.seconds, maxLoadSeconds);
  const run = new Run();
  const pool = [...options.accounts];
  const victims = pool.splice(0, guesserVictims);
  const targets = pool.splice(0, sprayerTargets);
  const perWorker = Math.floor(pool.length / workers);
  if (perWorker < 1) throw new Error(`${pool.length} accounts are too few for ${workers} workers`);

  await sleep(1000);
  const before = await memoryOf(url);
  const peak = { ...before };
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const running = () => performance.now() < deadline;

  const timeline: LoadResult['timeline'] = [{ at: 0, ...before }];
  const sampler = (async () => {
    while (running()) {
      await sleep(Math.min(2000, Math.max(0, deadline - performance.now())));
      const now = await memoryOf(url).catch(() => undefined);
      if (now) {
        timeline.push({ at: (performance.now() - started) / 1000, ...now });
        peak.rssMiB = Math.max(peak.rssMiB, now.rssMiB);
        peak.heapUsedMiB = Math.max(peak.heapUsedMiB, now.heapUsedMiB);
      }
    }
  })();

  /** A person signing in, approving a withdrawal and signing out, over and over, each time from a new address. */
  const worker = async (index: number) => {
    const mine = pool.slice(index * perWorker, (index + 1) * perWorker);
    const client = new Client(run, url);
    for (let iteration = 0, next = 0; running(); iteration++) {
      let account: LoadAccount | undefined;
      for (let tried = 0; tried < mine.length && !account; tried++, next++) {
        const candidate = mine[next % mine.length]!;
        if (hasProof(candidate)) account = candidate;
      }
      if (!account) {
        run.waitsForCode++;
        await sleep(Math.min(1000, (Math.floor(Date.now() / period) + 1) * period - Date.now() + 50));
        continue;
      }
      client.jar.clear();
      client.ip = `10.${index % 250}.${(iteration >> 8) & 255}.${iteration & 255}`;
      await iterate(client, account, iteration);
    }
  };

  const iterate = async (client: Client, account: LoadAccount, iteration: number) => {
    const signIn = await client.send('POST /api/v1/sign-in', [[200, 'second_factor_required']], {
      json: { email: account.email, password: loadPassword },
    });
    if (!signIn) return;
    if (iteration % 3 === 0) {
      const wrong = iteration % 6 === 0 ? { code: wrongCode(account.secret) } : { recoveryCode: wrongRecoveryCode() };
      await client.send('POST /api/v1/sign-in/second-factor', [[401, 'ERR_CODE_INVALID']], { json: wrong });
    }
    const proof = takeProof(account, iteration % 5 === 0);
    if (!proof) return;
    if (!(await client.send('POST /api/v1/sign-in/second-factor', [[200, 'signed_in']], { json: proof }))) return;
    await client.send('GET /api/v1/me', [[200, 'signed_in']]);

    const asked = await client.send('POST /api/v1/step-up', [[200, 'challenge_required']], {
      json: {
        action: 'funds.withdraw',
        details: `Withdraw £${(iteration % 900) + 10}.00 to account ••••${1000 + (iteration % 9000)}`,
      },
    });
    if (!asked) return;
    if (iteration % 4 === 1) {
      await client.send('POST /api/v1/step-up/verify', [[401, 'ERR_CODE_INVALID']], {
        json: { stepUpId: asked.stepUpId, code: wrongCode(account.secret) },
      });
    }
    const approval = takeProof(account);
    if (approval) {
      const approved = await client.send('POST /api/v1/step-up/verify', [[200, 'satisfied']], {
        json: { stepUpId: asked.stepUpId, ...approval },
      });
      if (!approved) return;
      const consume = { json: { grant: approved.grant }, headers: { authorization: `Bearer ${hostKey}` } };
      await client.send('POST /api/v1/grants/consume', [[200]], consume);
      if (iteration % 5 === 2) await client.send('POST /api/v1/grants/consume', [[409, 'ERR_GRANT_USED']], consume);
      run.iterations++;
    }
    if (iteration % 6 === 3) {
      await client.send('POST /api/v1/step-up', [[400, 'ERR_UNKNOWN_ACTION']], { json: { action: 'no.such.action' } });
    }
    if (iteration % 7 === 4) {
      await client.send('POST /api/v1/step-up (cross-site)', [[403, 'ERR_CSRF']], {
        method: 'POST',
        path: '/api/v1/step-up',
        json: { action: 'funds.withdraw' },
        headers: { origin: 'https://attacker.example' },
      });
    }
    await client.send('POST /api/v1/sign-out', [[204]], { json: {} });
    if (iteration % 4 === 0) await client.send('GET /api/v1/me', [[401, 'ERR_UNAUTHENTICATED']]);
  };

  /**
   * Someone with the passwords of three accounts guessing codes: wrong codes one at a time on the
   * first, twelve at once on the others. Each account must lock at the budget (10 by default)
   * with no more refusals before it than the budget allows.
   */
  const lockouts = victims.map((victim) => ({ email: victim.email, refusedBeforeLock: 0, locked: false }));
  const guesser = async () => {
    const client = new Client(run, url);
    const guess = [
      [401, 'ERR_CODE_INVALID'],
      [423, 'ERR_LOCKED'],
    ] as const;
    for (let round = 0; running(); round++) {
      const target = lockouts.find((entry) => !entry.locked);
      if (!target) {
        await sleep(250);
        continue;
      }
      const victim = victims[lockouts.indexOf(target)]!;
      client.jar.clear();
      client.ip = `10.252.${(round >> 8) & 255}.${round & 255}`;
      const signIn = await client.send('POST /api/v1/sign-in (guesser)', [[200, 'second_factor_required']], {
        method: 'POST',
        path: '/api/v1/sign-in',
        json: { email: victim.email, password: loadPassword },
      });
      if (!signIn) {
        await sleep(250);
        continue;
      }
      // One at a time on the first account, twelve at once on the others; a few more rounds than the budget.
      const parallel = target === lockouts[0] ? 1 : 12;
      for (let batch = 0; batch < 15 && !target.locked && running(); batch++) {
        const answers = await Promise.all(
          Array.from({ length: parallel }, () =>
            client.send('POST /api/v1/sign-in/second-factor (guesser)', guess, {
              method: 'POST',
              path: '/api/v1/sign-in/second-factor',
              json: { code: wrongCode(victim.secret) },
            }),
          ),
        );
        for (const answer of answers) {
          // A refusal's body is { error: { code } }; `send` answers the body only for designed answers.
          const code = (answer?.error as { code?: string } | undefined)?.code;
          if (code === 'ERR_CODE_INVALID') target.refusedBeforeLock++;
          if (code === 'ERR_LOCKED') target.locked = true;
        }
        if (answers.includes(undefined)) break;
      }
      await sleep(20);
    }
  };

  /** Wrong passwords from one address, a few a second, against two accounts and one that does not exist. */
  const sprayer = async () => {
    const client = new Client(run, url);
    client.ip = '10.253.0.1';
    const emails = [...targets.map((target) => target.email), 'nobody@load.example'];
    for (let attempt = 0; running(); attempt++) {
      if (attempt % 10 === 9) {
        await client.send('POST /api/v1/sign-in (sprayer)', [[400, 'ERR_INVALID_INPUT']], {
          method: 'POST',
          path: '/api/v1/sign-in',
          json: { email: emails[0] },
        });
      } else {
        await client.send(
          'POST /api/v1/sign-in (sprayer)',
          [
            [401, 'ERR_INVALID_CREDENTIALS'],
            [429, 'ERR_THROTTLED'],
          ],
          {
            method: 'POST',
            path: '/api/v1/sign-in',
            json: { email: emails[attempt % emails.length], password: `wrong guess ${attempt}` },
          },
        );
      }
      await sleep(100);
    }
  };

  options.log?.(`${workers} workers, a guesser and a sprayer for ${seconds} s against ${url}`);
  await Promise.all([...Array.from({ length: workers }, (_, index) => worker(index)), guesser(), sprayer(), sampler]);
  const elapsed = (performance.now() - started) / 1000;
  const after = await memoryOf(url);
  peak.rssMiB = Math.max(peak.rssMiB, after.rssMiB);
  peak.heapUsedMiB = Math.max(peak.heapUsedMiB, after.heapUsedMiB);

  const healthz = await fetch(`${url}/healthz`);
  const healthy = healthz.status === 200 && ((await healthz.json()) as { status?: string }).status === 'ok';
  const ready = (await fetch(`${url}/readyz`)).status === 200;
  const serverStatuses = await serverStatusesOf(url);

  const statuses: Record<string, number> = {};
  const routes = [...run.routes]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([route, figures]) => {
      const sorted = [...figures.latencies].sort((a, b) => a - b);
      for (const [status, count] of figures.statuses) statuses[status] = (statuses[status] ?? 0) + count;
      return {
        route,
        requests: sorted.length,
        perSecond: sorted.length / elapsed,
        p50: percentile(sorted, 0.5),
        p95: percentile(sorted, 0.95),
        max: sorted.at(-1) ?? 0,
        statuses: [...figures.statuses]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([status, count]) => `${status}×${count}`)
          .join(' '),
      };
    });
  const sprayerStatuses = Object.fromEntries(
    [...(run.routes.get('POST /api/v1/sign-in (sprayer)')?.statuses ?? new Map<string, number>())].sort(([a], [b]) =>
      a.localeCompare(b),
    ),
  );

  return {
    seconds: elapsed,
    workers,
    accounts: options.accounts.length,
    requests: routes.reduce((sum, route) => sum + route.requests, 0),
    iterations: run.iterations,
    waitsForCode: run.waitsForCode,
    routes,
    statuses,
    serverStatuses,
    serverErrors: run.problems.serverErrors,
    connectionErrors: run.problems.connectionErrors,
    unexpected: run.problems.unexpected,
    problemCounts: { ...run.problemCounts },
    lockouts,
    sprayer: sprayerStatuses,
    memory: { before, peak, after },
    timeline,
    healthyAfter: healthy && ready,
  };
}

const figure = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** At most `count` of `items`, evenly spaced, always with the first and the last. */
const spaced = <T>(items: T[], count: number): T[] =>
  items.length <= count
    ? items
    : Array.from({ length: count }, (_, index) => items[Math.round((index * (items.length - 1)) / (count - 1))]!);

/** The figures as a Markdown table and lines, for the console and bench/RESULTS.md. */
export function formatLoad(result: LoadResult): string {
  const { before, peak, after } = result.memory;
  return [
    `${result.workers} workers (plus a code guesser and a password sprayer) for ${figure(result.seconds, 1)} s, ` +
      `${result.accounts} accounts: ${figure(result.requests)} requests (${figure(result.requests / result.seconds)}/s), ` +
      `${figure(result.iterations)} complete iterations (password, second factor, /me, step-up approved, grant spent), ` +
      `${result.waitsForCode} waits for a code.`,
    '',
    '| route | requests | per second | p50 ms | p95 ms | max ms | statuses |',
    '|---|---|---|---|---|---|---|',
    ...result.routes.map(
      (route) =>
        `| ${route.route} | ${figure(route.requests)} | ${figure(route.perSecond, 1)} | ${figure(route.p50, 1)} | ${figure(
          route.p95,
          1,
        )} | ${figure(route.max, 1)} | ${route.statuses} |`,
    ),
    '',
    `Server memory (its own /metrics): RSS ${figure(before.rssMiB, 1)} MiB before, ${figure(peak.rssMiB, 1)} MiB at the peak ` +
      `(sampled every 2 s), ${figure(after.rssMiB, 1)} MiB after; heap used ${figure(before.heapUsedMiB, 1)} → ` +
      `${figure(peak.heapUsedMiB, 1)} (peak) → ${figure(after.heapUsedMiB, 1)} MiB.`,
    `Over the run (s: RSS / heap used, MiB): ${spaced(result.timeline, 8)
      .map((sample) => `${figure(sample.at)}: ${figure(sample.rssMiB)} / ${figure(sample.heapUsedMiB)}`)
      .join(', ')}.`,
    `Statuses seen by the clients: ${Object.entries(result.statuses)
      .map(([status, count]) => `${status}×${count}`)
      .join(', ')}; counted by the server: ${Object.entries(result.serverStatuses)
      .map(([status, count]) => `${status}×${count}`)
      .join(', ')}.`,
    `Lockouts: ${result.lockouts
      .map((entry) => `${entry.refusedBeforeLock} wrong codes refused, then ${entry.locked ? 'locked' : 'not locked'}`)
      .join('; ')}. Sprayer: ${Object.entries(result.sprayer)
      .map(([status, count]) => `${status}×${count}`)
      .join(', ')}.`,
    `5xx: ${result.problemCounts.serverErrors}; no answer: ${result.problemCounts.connectionErrors}; ` +
      `not designed: ${result.problemCounts.unexpected}; ` +
      `/healthz and /readyz afterwards: ${result.healthyAfter ? 'ok' : 'FAILED'}.`,
  ].join('\n');
}
