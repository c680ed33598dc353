import { createHash, randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { SignJWT } from 'jose';
import { expect } from 'vitest';
import { completeSignIn } from '../../../src/core/flows/complete-sign-in.js';
import type { SecurityEvent } from '../../../src/core/ports.js';
import { TestBrowser } from '../../support/http-client.js';
import { IdentityProvider } from '../../support/identity-provider.js';
import { latestVerificationLink, password, signUpWithTotp, totpAt } from '../../support/mfa.js';
import { SoftAuthenticator } from '../../support/soft-authenticator.js';
import { type DatabaseKind, startTestServer, TestClock, testConfig, type TestServer } from '../../support/test-server.js';

/**
 * The world every attack runs in: one Tessera with every way in switched on — password,
 * emailed and host-minted sign-in links, passkeys, an upstream identity provider, the MFA-only
 * prompt of an app that keeps its own login, the OpenID Connect provider, step-up and the
 * admin console — and two people, Ada (whose account is attacked) and Eve (the attacker, with
 * an account of her own). Each has an authenticator app, recovery codes, a confirmed address
 * and a passkey, is linked to the identity provider by that address and to the app as its
 * person `u-ada` / `u-eve` (as if the app had registered them), so every path reaches the same
 * account and the same factors. The clock is a test clock starting now, so TOTP codes are
 * chosen per time step and lockouts are waited out by moving it.
 */

export const origin = 'http://localhost:4000';
export const shop = { id: 'shop', signingSecret: 'p'.repeat(40), returnUrl: 'http://127.0.0.1:9/mfa/back' };
export const hostKey = { id: 'shop', secret: 's'.repeat(40) };
export const hostAuthorization = { authorization: `Bearer ${hostKey.id}.${hostKey.secret}` };
export const relyingParty = { clientId: 'demo', clientSecret: 'c'.repeat(40), redirectUri: 'http://127.0.0.1:9/callback' };
export const withdrawal = 'Withdraw £250.00 to account ••••1234';
const ssoCallback = `${origin}/sign-in/sso/acme-idp/callback`;

export interface Person {
  name: string;
  email: string;
  id: string;
  /** The app's own id of the person, for the prompt and host-minted links. */
  externalId: string;
  /** The authenticator app's secret and its factor. */
  secret: string;
  factorId: string;
  /** Recovery codes not used yet; tests take them with `world.recoveryCode(person)`. */
  recoveryCodes: string[];
  /** A passkey (a platform authenticator that verifies the person), registered as a second factor too. */
  passkey: SoftAuthenticator;
  /** The person's account at the upstream identity provider. */
  idpAccount: string;
}

export interface World {
  server: TestServer;
  idp: IdentityProvider;
  ada: Person;
  eve: Person;
  /** The authenticator app's code for a time step not used yet: the clock moves on 30 s first. */
  code(person: Person): string;
  /** A six-digit code that is none of the authenticator app's codes around now: surely wrong. */
  wrongCode(person: Person): string;
  /** A recovery code of the person not used yet. */
  recoveryCode(person: Person): string;
  close(): Promise<void>;
}

export type WorldOptions = { database?: DatabaseKind; config?: Parameters<typeof testConfig>[0] };

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const database = options.database ?? 'sqlite';
  const idp = await IdentityProvider.start(ssoCallback);
  const config = testConfig(
    {
      admin: { emails: ['ada@example.com'] },
      hostApi: { keys: [hostKey] },
      prompt: { apps: [{ id: shop.id, signingSecret: shop.signingSecret, returnUrls: ['http://127.0.0.1:9/mfa/'] }] },
      oidc: {
        clients: [
          { clientId: relyingParty.clientId, clientSecret: relyingParty.clientSecret, redirectUris: [relyingParty.redirectUri] },
        ],
      },
      sso: {
        providers: [
          {
            id: 'acme-idp',
            name: 'Acme ID',
            issuer: idp.issuer,
            clientId: idp.clientId,
            clientSecret: idp.clientSecret,
            scopes: 'openid email',
            // Tessera's second factor is asked unless the provider says it did MFA.
            mfa: 'tessera_unless_amr',
          },
        ],
      },
      // The per-IP budget is not what these tests attack (send-flooding tests it where it matters).
      throttling: { ipAttempts: 100_000 },
      ...options.config,
    },
    database,
  );
  // Now, at the start of a time step: a code's step stays in the ±1 window while a test moves on by a few seconds.
  const clock = new TestClock(Math.floor(Date.now() / 30_000) * 30_000);
  const server = await startTestServer({ database, config, clock });
  const world: World = {
    server,
    idp,
    ada: undefined as unknown as Person,
    eve: undefined as unknown as Person,
    code(person) {
      server.clock.advance(30_000);
      return totpAt(person.secret, server.clock.now());
    },
    wrongCode(person) {
      const near = [-2, -1, 0, 1, 2].map((steps) => totpAt(person.secret, server.clock.now() + steps * 30_000));
      for (let guess = 0; ; guess++) {
        const code = String(guess).padStart(6, '0');
        if (!near.includes(code)) return code;
      }
    },
    recoveryCode(person) {
      const code = person.recoveryCodes.shift();
      if (!code) throw new Error(`${person.name} has no recovery codes left`);
      return code;
    },
    async close() {
      await server.close();
      await idp.close();
    },
  };
  world.ada = await person(world, 'ada');
  world.eve = await person(world, 'eve');
  return world;
}

async function person(world: World, name: string): Promise<Person> {
  const { server, idp } = world;
  const browser = new TestBrowser(server.app);
  const email = `${name}@example.com`;
  const { secret, factorId, recoveryCodes } = await signUpWithTotp(server, browser, email);
  expect((await browser.postJson('/api/v1/email/verify', await latestVerificationLink(server, email))).statusCode).toBe(200);
  const id = (await server.deps.store.users.findByEmail(email))!.id;
  const passkey = new SoftAuthenticator(origin, { userHandle: Buffer.from(id).toString('base64url') });
  const ceremony = await browser.postJson('/api/v1/factors/webauthn/options', { kind: 'biometric', password });
  const registered = await browser.postJson('/api/v1/factors/webauthn', {
    credential: passkey.register(ceremony.json(), { uv: true }),
    label: 'Laptop',
  });
  expect(registered.statusCode, registered.body).toBe(201);
  await browser.postJson('/api/v1/sign-out');
  await server.deps.store.hostPeople.link(`u-${name}`, id, server.clock.now());
  idp.accounts.set(`idp-${name}`, { email, email_verified: true });
  return { name, email, id, externalId: `u-${name}`, secret, factorId, recoveryCodes, passkey, idpAccount: `idp-${name}` };
}

// ————————————————————————————————————————————————————————————— what a browser can do

/** The path and query of an address, relative or absolute. */
export const pathOf = (location: unknown) => {
  const url = new URL(String(location), origin);
  return url.pathname + url.search;
};

/** Where a `Refresh: 0;url=…` answer (the page back to an app) sends the browser. */
export const refreshTarget = (response: LightMyRequestResponse) =>
  /^0;\s*url=(.+)$/i.exec(String(response.headers.refresh ?? ''))?.[1];

/** The hidden fields of the form posting to `action` on a page (its CSRF token, a step-up's id…). */
export function hiddenFields(html: string, action: string): Record<string, string> {
  const form = [...html.matchAll(/<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)].find((match) => match[1] === action);
  if (!form) throw new Error(`no form posting to ${action}`);
  return Object.fromEntries(
    [...form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((input) => [input[1]!, input[2]!]),
  );
}

/** Posts a form as a browser does, urlencoded; `fields` may repeat a name, as an attacker's form can. */
export function postForm(browser: TestBrowser, action: string, fields: Record<string, string> | [string, string][]) {
  return browser.request({
    method: 'POST',
    url: action,
    payload: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

/** A second-factor proof as a test gives it. */
export type Proof = { code: string } | { recoveryCode: string };

/** Whether the browser has a Tessera session now. */
export const signedIn = async (browser: TestBrowser) => (await browser.get('/api/v1/me')).statusCode === 200;

/** A signed-in browser of the person, as after both steps (made directly, so no code is spent and no budget is reset). */
export async function signedInBrowser(world: World, person: Person): Promise<TestBrowser> {
  const user = (await world.server.deps.store.users.findById(person.id))!;
  const { token } = await completeSignIn(world.server.deps, {
    user,
    amr: ['pwd', 'otp'],
    ip: '127.0.0.1',
    secondFactor: true,
  });
  const browser = new TestBrowser(world.server.app);
  browser.cookies.set('tessera_session', token);
  return browser;
}

/** The app's signed request for the MFA-only prompt (HS256 with its secret), for a sign-in or, with `act`, an action. */
export async function promptRequest(
  world: World,
  person: Person,
  extra: { act?: string; details?: string; secret?: string } = {},
): Promise<string> {
  const now = Math.floor(world.server.clock.now() / 1000);
  return new SignJWT({
    return_to: shop.returnUrl,
    state: 'st',
    ...(extra.act ? { act: extra.act, details: extra.details ?? withdrawal } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'tessera-prompt+jwt' })
    .setIssuer(shop.id)
    .setAudience(`${origin}/prompt`)
    .setSubject(person.externalId)
    .setJti(randomBytes(12).toString('base64url'))
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(new TextEncoder().encode(extra.secret ?? shop.signingSecret));
}

/** Opens the prompt from the app's redirect and moves it on once; the answer of /prompt/continue. */
export async function openPrompt(world: World, browser: TestBrowser, person: Person, extra: { act?: string } = {}) {
  const opened = await browser.get(`/prompt?request=${await promptRequest(world, person, extra)}`);
  expect(opened.headers.location, opened.body).toBe('/prompt/continue');
  return browser.get('/prompt/continue');
}

/** Starts an authorization request of the OpenID Connect app in the browser; the path of its interaction page. */
export async function authorize(browser: TestBrowser, extra: Record<string, string> = {}): Promise<string> {
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    client_id: relyingParty.clientId,
    redirect_uri: relyingParty.redirectUri,
    response_type: 'code',
    scope: 'openid email',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('hex'),
    ...extra,
  });
  const started = await browser.get(`/oidc/auth?${query}`);
  expect(started.statusCode, started.body).toBe(303);
  const interaction = pathOf(started.headers.location);
  expect(interaction).toMatch(/^\/oidc-interaction\//);
  return interaction;
}

/**
 * Whether an OpenID Connect interaction hands the app a code: the interaction page ends with a
 * page back to the provider, which redirects to the app with `code=`.
 */
export async function oidcCodeIssued(browser: TestBrowser, interaction: string): Promise<boolean> {
  const page = await browser.get(interaction);
  const resume = refreshTarget(page);
  if (!resume) return false;
  const back = await browser.get(pathOf(resume));
  return String(back.headers.location ?? '').startsWith(`${relyingParty.redirectUri}?code=`);
}

/** The `c` and `t` of a sign-in link. */
const linkParts = (url: string) => {
  const link = new URL(url);
  return { c: link.searchParams.get('c')!, t: link.searchParams.get('t')! };
};

/** The newest sign-in link the outbox kept for the person. */
export async function latestSignInLink(world: World, person: Person) {
  const [message] = (await world.server.deps.store.outbox.latest(100)).filter(
    (each) => each.to === person.email && each.purpose === 'magic_link',
  );
  if (!message) throw new Error(`no sign-in link for ${person.email}`);
  return linkParts(/(https?:\/\/\S+\/sign-in\/link\?\S+)/.exec(message.text)![1]!);
}

/** A server-to-server call of the app, with its API key. */
export const asHost = (world: World, method: 'POST' | 'PUT', url: string, payload?: Record<string, unknown>) =>
  world.server.app.inject({ method, url, headers: hostAuthorization, ...(payload ? { payload } : {}) });

/** A sign-in link the app mints for the person (`POST /api/v1/host/people/{id}/sign-in-links`). */
export async function hostMintedLink(world: World, person: Person) {
  const minted = await asHost(world, 'POST', `/api/v1/host/people/${person.externalId}/sign-in-links`);
  expect(minted.statusCode, minted.body).toBe(201);
  return linkParts(minted.json().url);
}

/** The person's recent security events of one type. */
export const eventsOf = async (world: World, person: Person, type: SecurityEvent['type']) =>
  (await world.server.deps.store.events.listForUser(person.id, 500)).filter((event) => event.type === type);

/** How many attempts the account's failure budget has counted so far (since its last success or lock). */
export async function failuresCounted(world: World, person: Person): Promise<number> {
  const events = await world.server.deps.store.events.listForUser(person.id, 500);
  const last = events.find((event) => event.type === 'second_factor_failed' || event.type === 'sign_in');
  return last?.type === 'second_factor_failed' ? Number((last.detail as { failures: number }).failures) : 0;
}

// ———————————————————————————————————————————————————— where a second factor is asked

/** One place where the person's second factor is asked, reached by a browser, and answered there. */
export interface Attempt {
  browser: TestBrowser;
  /** Gives a proof at this place; the response as the browser got it. */
  submit(proof: Proof): Promise<LightMyRequestResponse>;
  /** Whether that response let the browser through (a session, or a grant). */
  passed(response: LightMyRequestResponse): boolean;
}

export interface Checkpoint {
  /** Named as the tests read: "…at {name}". */
  name: string;
  /** A first factor that leaves a pending sign-in (`sign-in`), or a protected action of a signed-in browser (`action`). */
  kind: 'sign-in' | 'action';
  /** A fresh browser of `person` brought up to the point where the second factor is asked. */
  reach(world: World, person: Person, browser?: TestBrowser): Promise<Attempt>;
}

/** The second step of a sign-in, answered through the JSON API. */
const apiChallenge = (browser: TestBrowser): Attempt => ({
  browser,
  submit: (proof) => browser.postJson('/api/v1/sign-in/second-factor', proof),
  passed: (response) => response.statusCode === 200,
});

/** The second step of a sign-in, answered on the challenge page as a person does. */
async function pageChallenge(browser: TestBrowser): Promise<Attempt> {
  const page = await browser.get('/sign-in/verify');
  expect(page.statusCode, page.body.slice(0, 500)).toBe(200);
  const hidden = hiddenFields(page.body, '/sign-in/verify');
  return {
    browser,
    submit: (proof) =>
      postForm(browser, '/sign-in/verify', { ...hidden, method: 'code' in proof ? 'totp' : 'recovery', ...proof }),
    passed: (response) => response.statusCode === 303,
  };
}

/** A step-up page (the hosted one, or where the prompt or the console sent the browser), answered by its form. */
async function stepUpPage(browser: TestBrowser, url: string): Promise<Attempt> {
  const page = await browser.get(url);
  expect(page.statusCode, page.body.slice(0, 500)).toBe(200);
  const hidden = hiddenFields(page.body, '/step-up/verify');
  return {
    browser,
    submit: (proof) => postForm(browser, '/step-up/verify', { ...hidden, ...proof }),
    passed: (response) => response.statusCode === 303 && /[?&]grant=/.test(String(response.headers.location)),
  };
}

const pendingFrom = (response: LightMyRequestResponse) => {
  expect(response.json(), response.body).toMatchObject({ status: 'second_factor_required' });
};

/** The first factors that end in a pending sign-in, each with the way its browser answers the second step. */
export const signInPaths: Checkpoint[] = [
  {
    name: 'password sign-in',
    kind: 'sign-in',
    async reach({ server }, person, browser = new TestBrowser(server.app)) {
      pendingFrom(await browser.postJson('/api/v1/sign-in', { email: person.email, password }));
      return apiChallenge(browser);
    },
  },
  {
    name: 'an emailed sign-in link',
    kind: 'sign-in',
    async reach(world, person, browser = new TestBrowser(world.server.app)) {
      // Another link may be asked for 30 s after the last one.
      world.server.clock.advance(31_000);
      expect((await browser.postJson('/api/v1/sign-in/link/send', { email: person.email })).statusCode).toBe(202);
      pendingFrom(await browser.postJson('/api/v1/sign-in/link', await latestSignInLink(world, person)));
      return apiChallenge(browser);
    },
  },
  {
    name: 'a host-minted sign-in link',
    kind: 'sign-in',
    async reach(world, person, browser = new TestBrowser(world.server.app)) {
      pendingFrom(await browser.postJson('/api/v1/sign-in/link', await hostMintedLink(world, person)));
      return apiChallenge(browser);
    },
  },
  {
    name: 'a passkey that did not verify the person',
    kind: 'sign-in',
    async reach({ server }, person, browser = new TestBrowser(server.app)) {
      const options = (await browser.postJson('/api/v1/sign-in/passkey/options')).json();
      const credential = person.passkey.assert(options, { uv: false });
      pendingFrom(await browser.postJson('/api/v1/sign-in/passkey', { credential }));
      return apiChallenge(browser);
    },
  },
  {
    name: 'SSO',
    kind: 'sign-in',
    async reach({ server, idp }, person, browser = new TestBrowser(server.app)) {
      idp.next = { accountId: person.idpAccount, amr: ['pwd'] };
      const leaving = await browser.get('/sign-in/sso/acme-idp');
      const back = await idp.signIn(String(leaving.headers.location));
      const landed = await browser.get(back.pathname + back.search);
      expect(landed.headers.location, landed.body.slice(0, 500)).toBe('/sign-in/verify');
      return pageChallenge(browser);
    },
  },
  {
    name: 'the MFA-only prompt',
    kind: 'sign-in',
    async reach(world, person, browser = new TestBrowser(world.server.app)) {
      const moved = await openPrompt(world, browser, person);
      expect(moved.headers.location, moved.body.slice(0, 500)).toBe('/sign-in/verify');
      return pageChallenge(browser);
    },
  },
  {
    name: 'an OIDC authorization',
    kind: 'sign-in',
    async reach({ server }, person, browser = new TestBrowser(server.app)) {
      const interaction = await authorize(browser);
      expect((await browser.get(interaction)).headers.location).toBe('/sign-in');
      const page = await browser.get('/sign-in');
      const answered = await postForm(browser, '/sign-in', {
        ...hiddenFields(page.body, '/sign-in'),
        email: person.email,
        password,
      });
      expect(answered.headers.location, answered.body.slice(0, 500)).toBe('/sign-in/verify');
      return pageChallenge(browser);
    },
  },
];

/** Protected actions of a browser that has signed in: each asks for a second factor of its own. */
export const actionCheckpoints: Checkpoint[] = [
  {
    name: 'the step-up API',
    kind: 'action',
    async reach(world, person) {
      const browser = await signedInBrowser(world, person);
      const asked = await browser.postJson('/api/v1/step-up', { action: 'funds.withdraw', details: withdrawal });
      expect(asked.json(), asked.body).toMatchObject({ status: 'challenge_required' });
      const { stepUpId } = asked.json() as { stepUpId: string };
      return {
        browser,
        submit: (proof) => browser.postJson('/api/v1/step-up/verify', { stepUpId, ...proof }),
        passed: (response) => response.statusCode === 200,
      };
    },
  },
  {
    name: 'the hosted step-up page',
    kind: 'action',
    async reach(world, person) {
      const browser = await signedInBrowser(world, person);
      const query = new URLSearchParams({ action: 'funds.withdraw', details: withdrawal, return_to: '/account' });
      return stepUpPage(browser, `/step-up?${query}`);
    },
  },
  {
    name: 'an action in the MFA-only prompt',
    kind: 'action',
    async reach(world, person) {
      const browser = new TestBrowser(world.server.app);
      // The app's login is the first factor (a session for the prompt), then the action's step-up.
      expect((await openPrompt(world, browser, person, { act: 'funds.withdraw' })).headers.location).toBe('/prompt/continue');
      const moved = await browser.get('/prompt/continue');
      expect(moved.headers.location, moved.body.slice(0, 500)).toMatch(/^\/step-up\?/);
      return stepUpPage(browser, String(moved.headers.location));
    },
  },
  {
    name: 'the admin console',
    kind: 'action',
    async reach(world, person) {
      const browser = await signedInBrowser(world, person);
      const console = await browser.get('/admin');
      expect(console.headers.location).toBe('/step-up?action=admin.act&return_to=%2Fadmin');
      return stepUpPage(browser, String(console.headers.location));
    },
  },
];

/** Every place a second factor is asked. */
export const checkpoints: Checkpoint[] = [...signInPaths, ...actionCheckpoints];

/** `[name, checkpoint]` rows, so `it.each` names each test with the plain name (`%s`). */
export const byName = (points: Checkpoint[]) => points.map((point) => [point.name, point] as const);

/** Checkpoints by name, for `it.each` tables that pick some. */
export const checkpoint = (name: string): Checkpoint => {
  const found = checkpoints.find((each) => each.name === name);
  if (!found) throw new Error(`no checkpoint ${name}`);
  return found;
};

// ————————————————————————————————————————————————————————————— codes Tessera sends

/** The person's mobile number, once `addPhone` made it one of their methods. */
export const phoneOf = (person: Person) => (person.name === 'ada' ? '+447400123456' : '+447400654321');

/** Adds the person's mobile as a method, as the app does with a number it verified (`verifiedPhone`); its factor id. */
export async function addPhone(world: World, person: Person): Promise<string> {
  const updated = await world.server.app.inject({
    method: 'PUT',
    url: `/api/v1/host/people/${person.externalId}`,
    headers: hostAuthorization,
    payload: { email: person.email, emailVerified: true, verifiedPhone: phoneOf(person) },
  });
  expect(updated.json().methods, updated.body).toContain('phone');
  const factors = await world.server.deps.store.factors.listForUser(person.id);
  return factors.find((factor) => factor.kind === 'phone')!.id;
}

/** Texts and calls the outbox kept for a number, newest first. */
export const textsTo = async (world: World, number: string) =>
  (await world.server.deps.store.outbox.latest(500)).filter((message) => message.to === number);

/** The code in the newest text to a number. */
export async function latestTextedCode(world: World, number: string): Promise<string> {
  const [text] = await textsTo(world, number);
  const code = text && /(\d{6})/.exec(text.text)?.[1];
  if (!code) throw new Error(`no texted code for ${number}`);
  return code;
}

// ————————————————————————————————————————————————————————————— trusted devices

/**
 * A browser the person trusted at a sign-in ("Trust this device"), signed out and signed in
 * again with the password: its session stood in for the second step (`trusted_device`, aal 2,
 * no fresh second factor). Its device cookie is what a thief would copy.
 */
export async function trustedDeviceBrowser(world: World, person: Person): Promise<{ browser: TestBrowser; device: string }> {
  const browser = new TestBrowser(world.server.app);
  await browser.postJson('/api/v1/sign-in', { email: person.email, password });
  const trusted = await browser.postJson('/api/v1/sign-in/second-factor', { code: world.code(person), trustDevice: true });
  expect(trusted.statusCode, trusted.body).toBe(200);
  await browser.postJson('/api/v1/sign-out');
  const again = await browser.postJson('/api/v1/sign-in', { email: person.email, password });
  expect(again.json().session.amr).toEqual(['pwd', 'trusted_device']);
  return { browser, device: browser.cookies.get('tessera_device')! };
}

/** A browser in an MFA-only prompt for Ivy, whom the app registered just now and who has no method yet. */
export async function promptWithoutMethod(world: World): Promise<TestBrowser> {
  await asHost(world, 'PUT', '/api/v1/host/people/u-ivy', { email: 'ivy@example.com', emailVerified: true });
  const browser = new TestBrowser(world.server.app);
  await browser.get(`/prompt?request=${await promptRequest(world, { ...world.ada, externalId: 'u-ivy' })}`);
  return browser;
}
