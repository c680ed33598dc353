import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import type { Database } from '../../src/store/schema.js';
import { HttpBrowser } from '../support/http-browser.js';
import { password } from '../support/mfa.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';

/** A small seeded generator (mulberry32), so a failing run can be replayed with its seed. */
export class SeededRandom {
  constructor(private state: number) {}
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  /** A whole number from `min` to `max`, both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let index = copy.length - 1; index > 0; index--) {
      const other = this.int(0, index);
      [copy[index], copy[other]] = [copy[other]!, copy[index]!];
    }
    return copy;
  }
}

export const factorKinds = ['totp', 'email', 'phone', 'security_key'] as const;
export type FactorKind = (typeof factorKinds)[number];

/**
 * What the client side of one account knows, as a person would: what the server answered, and
 * which request was under way when the server died (its outcome unknown).
 */
export interface Account {
  email: string;
  kind: FactorKind;
  round: number;
  browser: HttpBrowser;
  phone?: string;
  key?: SoftAuthenticator;
  totpSecret?: string;
  /** The newest time step a code was sent for, so every code is a new one. */
  lastTotpStep: number;
  /** The factor the server said it added. */
  factorId?: string;
  /** The recovery codes as last shown; empty while unknown. */
  codes: string[];
  /** Sets the server said it replaced. */
  replaced: string[][];
  /** The set in place when a regeneration's answer was lost: either it or an unseen new set is there now. */
  regenerationUnknown?: string[];
  /** Codes the server accepted. */
  used: string[];
  /** Sessions the server said it made; `live` until a sign-out was answered. */
  sessions: { token: string; live: boolean }[];
  /** Steps answered, in order. */
  done: string[];
  /** The step under way when the server died. */
  interrupted?: string;
  finished: boolean;
}

/** What journeys share: the server of the moment, the database (to read the development outbox) and the dice. */
export interface JourneyContext {
  publicUrl: string;
  server: { url: string };
  db: Kysely<Database>;
  random: SeededRandom;
  /** Set just before the server is killed: a request that fails from then on was cut by the kill. */
  dying: boolean;
  /** Answers no journey expected while the server was alive: each a failure of the test. */
  unexpected: string[];
  accounts: Account[];
}

/** A request cut short by the kill. */
class Interrupted extends Error {}

const sessionCookie = 'tessera_session';

export function newAccount(context: JourneyContext, kind: FactorKind, round: number, label: string): Account {
  const account: Account = {
    email: `${label}-${kind.replace('_', '-')}@example.com`,
    kind,
    round,
    browser: new HttpBrowser(context.publicUrl),
    lastTotpStep: 0,
    codes: [],
    replaced: [],
    used: [],
    sessions: [],
    done: [],
    finished: false,
  };
  if (kind === 'phone') account.phone = `+447400${String(context.random.int(0, 999_999)).padStart(6, '0')}`;
  if (kind === 'security_key') account.key = new SoftAuthenticator(context.publicUrl);
  context.accounts.push(account);
  return account;
}

/** One request of a journey: answered (and recorded as done), or cut by the kill (recorded as interrupted). */
async function call(
  context: JourneyContext,
  account: Account,
  step: string,
  method: string,
  path: string,
  body?: unknown,
  expected = 200,
): Promise<Record<string, unknown>> {
  const sessionBefore = account.browser.jar.get(sessionCookie);
  let answer: Awaited<ReturnType<HttpBrowser['send']>>;
  try {
    answer = await account.browser.send(context.server, method, path, body);
  } catch (error) {
    if (context.dying) {
      account.interrupted = step;
      // Whether a sign-out cut short ended its session is unknown.
      if (path === '/api/v1/sign-out') account.sessions = account.sessions.filter((session) => session.token !== sessionBefore);
      throw new Interrupted(step);
    }
    throw error;
  }
  if (answer.status !== expected) {
    throw new Error(`${account.email} ${step}: ${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
  account.done.push(step);
  const sessionAfter = account.browser.jar.get(sessionCookie);
  // Signing out ends the session; signing in again only replaces the cookie, and the earlier session stays.
  if (path === '/api/v1/sign-out')
    for (const session of account.sessions) if (session.token === sessionBefore) session.live = false;
  if (sessionAfter && sessionAfter !== sessionBefore) account.sessions.push({ token: sessionAfter, live: true });
  return answer.body;
}

/**
 * The next authenticator-app code: a time step never sent before, as early in the accepted
 * window as allowed; when every step up to the window's end was sent, it waits for the next one.
 */
export async function nextTotpCode(account: Account): Promise<string> {
  for (;;) {
    const current = Math.floor(Date.now() / 30_000);
    const step = Math.max(account.lastTotpStep + 1, current - 2);
    if (step <= current + 3) {
      account.lastTotpStep = step;
      return TOTP.generate({ secret: Secret.fromBase32(account.totpSecret!), timestamp: step * 30_000 });
    }
    await sleep((current + 1) * 30_000 - Date.now() + 50);
  }
}

/** The newest message the development outbox kept for `to` and `purpose`. */
async function outboxText(context: JourneyContext, to: string, purpose: string): Promise<string> {
  const message = await context.db
    .selectFrom('outbox_messages')
    .select('text')
    .where('to_address', '=', to)
    .where('purpose', '=', purpose)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  if (!message) throw new Error(`no ${purpose} message to ${to} in the outbox`);
  return message.text;
}

async function sentCode(context: JourneyContext, account: Account, purpose: string): Promise<string> {
  const text = await outboxText(context, account.kind === 'phone' ? account.phone! : account.email, purpose);
  const code = account.kind === 'phone' ? /#(\d{6})$/.exec(text)?.[1] : /^(\d{6})$/m.exec(text)?.[1];
  if (!code) throw new Error(`no code in the ${purpose} message for ${account.email}`);
  return code;
}

async function enroll(context: JourneyContext, account: Account): Promise<void> {
  let confirmed: Record<string, unknown>;
  if (account.kind === 'totp') {
    const started = await call(context, account, 'enroll-start', 'POST', '/api/v1/factors/totp', { password });
    account.totpSecret = started.secret as string;
    const code = await nextTotpCode(account);
    const body = { enrollmentToken: started.enrollmentToken, code };
    confirmed = await call(context, account, 'enroll-confirm', 'POST', '/api/v1/factors/totp/confirm', body, 201);
  } else if (account.kind === 'email') {
    const link = new URL(
      /(https?:\/\/\S+\/verify-email\?\S+)/.exec(await outboxText(context, account.email, 'verify_email'))![1]!,
    );
    const verification = { c: link.searchParams.get('c'), t: link.searchParams.get('t') };
    await call(context, account, 'verify-email', 'POST', '/api/v1/email/verify', verification);
    await call(context, account, 'enroll-start', 'POST', '/api/v1/factors/email', { password });
    const code = await sentCode(context, account, 'enroll_email');
    confirmed = await call(context, account, 'enroll-confirm', 'POST', '/api/v1/factors/email/confirm', { code }, 201);
  } else if (account.kind === 'phone') {
    const start = { number: account.phone, channel: 'sms', password };
    await call(context, account, 'enroll-start', 'POST', '/api/v1/factors/phone', start);
    const code = await sentCode(context, account, 'enroll_phone');
    confirmed = await call(context, account, 'enroll-confirm', 'POST', '/api/v1/factors/phone/confirm', { code }, 201);
  } else {
    const start = { kind: 'security_key', password };
    const options = await call(context, account, 'enroll-start', 'POST', '/api/v1/factors/webauthn/options', start);
    const credential = account.key!.register(options as { challenge: string }, { uv: true });
    const body = { credential, label: 'Crash key' };
    confirmed = await call(context, account, 'enroll-confirm', 'POST', '/api/v1/factors/webauthn', body, 201);
  }
  account.factorId = (confirmed.factor as { id: string }).id;
  account.codes = confirmed.recoveryCodes as string[];
}

/** A proof of the account's own factor for `purpose` (a sign-in or a step-up), fetching options or codes as needed. */
async function factorProof(
  context: JourneyContext,
  account: Account,
  purpose: 'sign_in' | 'step_up',
  stepUpId?: string,
): Promise<Record<string, unknown>> {
  if (account.kind === 'totp') return { code: await nextTotpCode(account) };
  if (account.kind === 'security_key') {
    const [path, body] =
      purpose === 'sign_in'
        ? ['/api/v1/sign-in/webauthn-options', undefined]
        : ['/api/v1/step-up/webauthn-options', { stepUpId }];
    const options = await call(context, account, `${purpose}-options`, 'POST', path, body);
    return { webauthn: account.key!.assert(options as { challenge: string }, { uv: true }) };
  }
  const target = account.kind === 'phone' ? { factorId: account.factorId, channel: 'sms' } : {};
  const [path, body] =
    purpose === 'sign_in' ? ['/api/v1/sign-in/send-code', target] : ['/api/v1/step-up/send-code', { stepUpId, ...target }];
  await call(context, account, `${purpose}-send-code`, 'POST', path, body);
  return { code: await sentCode(context, account, purpose) };
}

/** Signs in with the password and then `proof()`; the new session is recorded. */
export async function signIn(
  context: JourneyContext,
  account: Account,
  step: string,
  proof: () => Promise<Record<string, unknown>>,
): Promise<void> {
  const first = await call(context, account, `${step}-password`, 'POST', '/api/v1/sign-in', {
    email: account.email,
    password,
  });
  if (first.status !== 'second_factor_required') throw new Error(`${account.email} ${step}: ${JSON.stringify(first)}`);
  const given = await proof();
  const signedIn = await call(context, account, step, 'POST', '/api/v1/sign-in/second-factor', given);
  if (signedIn.status !== 'signed_in') throw new Error(`${account.email} ${step}: ${JSON.stringify(signedIn)}`);
}

/** Signs in with the account's own second factor. */
export const signInWithFactor = (context: JourneyContext, account: Account, step = 'sign-in') =>
  signIn(context, account, step, () => factorProof(context, account, 'sign_in'));

/** Signs in with the first recovery code not used yet; the server's yes is recorded as the code's use. */
export async function signInWithRecoveryCode(context: JourneyContext, account: Account, step = 'sign-in-recovery') {
  const code = account.codes.find((candidate) => !account.used.includes(candidate))!;
  await signIn(context, account, step, async () => ({ recoveryCode: code }));
  account.used.push(code);
}

/**
 * Everything a person does in a first week: sign up, set up the factor, sign in with it, with a
 * recovery code, make new codes, approve a withdrawal. Each answer is recorded as it comes.
 */
async function journey(context: JourneyContext, account: Account): Promise<void> {
  await call(context, account, 'sign-up', 'POST', '/api/v1/sign-up', { email: account.email, password }, 201);
  await enroll(context, account);
  await call(context, account, 'sign-out', 'POST', '/api/v1/sign-out', undefined, 204);
  await signInWithFactor(context, account);
  await call(context, account, 'sign-out-again', 'POST', '/api/v1/sign-out', undefined, 204);
  await signInWithRecoveryCode(context, account);

  // New recovery codes, approved with the factor itself, or with a recovery code where the factor's code is sent.
  let proof: Record<string, unknown>;
  let spent: string | undefined;
  if (account.kind === 'totp') proof = { code: await nextTotpCode(account) };
  else if (account.kind === 'security_key') {
    const options = await call(context, account, 'regenerate-options', 'POST', '/api/v1/factors/webauthn/proof-options');
    proof = { webauthn: account.key!.assert(options as { challenge: string }, { uv: true }) };
  } else {
    spent = account.codes.find((candidate) => !account.used.includes(candidate))!;
    proof = { recoveryCode: spent };
  }
  const old = account.codes;
  account.regenerationUnknown = old;
  account.codes = [];
  try {
    const renewed = await call(context, account, 'regenerate', 'POST', '/api/v1/recovery-codes', proof, 201);
    account.codes = renewed.recoveryCodes as string[];
    account.replaced.push(old);
    account.regenerationUnknown = undefined;
    if (spent) account.used.push(spent);
  } catch (error) {
    // Refused while the server lived: the old set stands. Cut by the kill: either set may be there.
    if (!(error instanceof Interrupted)) {
      account.codes = old;
      account.regenerationUnknown = undefined;
    }
    throw error;
  }

  const asked = await call(context, account, 'step-up', 'POST', '/api/v1/step-up', {
    action: 'funds.withdraw',
    details: `Withdraw £${context.random.int(1, 999)}.00 to account ••••${context.random.int(1000, 9999)}`,
  });
  if (asked.status !== 'challenge_required') throw new Error(`${account.email} step-up: ${JSON.stringify(asked)}`);
  const stepUpId = asked.stepUpId as string;
  const approval = await factorProof(context, account, 'step_up', stepUpId);
  const approved = await call(context, account, 'step-up-verify', 'POST', '/api/v1/step-up/verify', { stepUpId, ...approval });
  if (approved.status !== 'satisfied' || typeof approved.grant !== 'string') {
    throw new Error(`${account.email} step-up-verify: ${JSON.stringify(approved)}`);
  }
  account.finished = true;
}

/**
 * `workers` people at once, each going through journeys one after another with the kinds of
 * factor in a seeded order, until the server dies. Resolves once every journey has stopped.
 */
export async function runJourneys(context: JourneyContext, round: number, workers: number): Promise<void> {
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      const kinds = context.random.shuffle(factorKinds);
      for (let index = 0; !context.dying; index++) {
        const kind = kinds[(worker + index) % kinds.length]!;
        const account = newAccount(context, kind, round, `r${round}-w${worker}-j${index}`);
        try {
          await journey(context, account);
        } catch (error) {
          if (error instanceof Interrupted) return;
          context.unexpected.push(error instanceof Error ? error.message : String(error));
          return;
        }
      }
    }),
  );
}

/** One journey of each kind of factor, side by side, run to their end before anything is killed. */
export async function runSettledJourneys(context: JourneyContext, round: number): Promise<void> {
  await Promise.all(
    factorKinds.map(async (kind) => {
      const account = newAccount(context, kind, round, `r${round}-settled`);
      try {
        await journey(context, account);
      } catch (error) {
        context.unexpected.push(error instanceof Error ? error.message : String(error));
      }
    }),
  );
}
