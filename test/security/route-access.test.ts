import Database from 'better-sqlite3';
import type { FastifyServerOptions, LightMyRequestResponse, RouteOptions } from 'fastify';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ApiScope, apiScopes } from '../../src/core/api-scopes.js';
import { createApiKey } from '../../src/core/flows/api-keys.js';
import { createOrganization, putMember } from '../../src/core/flows/organizations.js';
import { TestBrowser } from '../support/http-client.js';
import { latestVerificationLink, password, signUpWithTotp, totpAt } from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';
import { type RouteAccess, routeAccess } from './route-access.js';

// Every route the app registers, as its onRoute hooks see it (as in openapi.test.ts).
const registered = vi.hoisted(() => [] as RouteOptions[]);
vi.mock('fastify', async (importOriginal) => {
  const fastify = await importOriginal<typeof import('fastify')>();
  const withRouteLog = (options?: FastifyServerOptions) =>
    fastify.default(options).addHook('onRoute', (route) => {
      registered.push(route);
    });
  return { ...fastify, default: withRouteLog };
});

const signingSecret = 'p'.repeat(40);
const metricsToken = 'm'.repeat(40);
const newPassword = 'quartz lantern meadow';
const code = '000000';

/** Every optional part on, so that every route is registered. */
const config = testConfig({
  admin: { emails: ['root@example.com'] },
  hostApi: { keys: [{ id: 'shop', secret: 's'.repeat(40) }] },
  metrics: { token: metricsToken },
  oidc: { clients: [{ clientId: 'demo', clientSecret: 'c'.repeat(40), redirectUris: ['http://127.0.0.1:9/callback'] }] },
  prompt: { apps: [{ id: 'shop', signingSecret, returnUrls: ['http://127.0.0.1:9/mfa/'] }] },
  signIn: { passwordless: true },
  // Nothing listens there: the provider is offered and registered, and never reached.
  sso: {
    providers: [
      {
        id: 'acme',
        name: 'Acme ID',
        issuer: 'http://127.0.0.1:9',
        clientId: 'tessera',
        clientSecret: 'x'.repeat(32),
        scopes: 'openid email',
        mfa: 'provider',
      },
    ],
  },
});

/**
 * What a route reads before it checks who calls it — a JSON body's schema, a form's fields
 * before a protected action's proof — so that the check is what answers. API routes validate
 * their body before the handler runs, which is where `requireAuth` is.
 */
const bodies: Record<string, Record<string, unknown>> = {
  'POST /api/v1/sign-up': { email: 'api-new@example.com', password },
  'POST /api/v1/sign-in': { email: 'ada@example.com', password },
  'POST /api/v1/sign-in/passkey': {
    credential: {
      id: 'AA',
      rawId: 'AA',
      type: 'public-key',
      response: { clientDataJSON: 'AA', authenticatorData: 'AA', signature: 'AA' },
    },
  },
  'POST /api/v1/sign-in/link/send': { email: 'ada@example.com' },
  'POST /api/v1/password/reset/send': { email: 'ada@example.com' },
  'POST /api/v1/sign-in/passwordless': { email: 'ada@example.com' },
  'POST /api/v1/sign-in/link': { c: 'made-up', t: 'made-up' },
  'POST /api/v1/password/reset': { c: 'made-up', t: 'made-up', newPassword },
  'POST /api/v1/email/verify': { c: 'made-up', t: 'made-up' },
  'POST /api/v1/sign-in/second-factor': { code },
  'POST /api/v1/sign-in/passwordless/send': { channel: 'email' },
  'POST /api/v1/sign-in/passwordless/verify': { code },
  'POST /api/v1/email/change': { newEmail: 'ada.new@example.com', password },
  'POST /api/v1/session/confirm': { code },
  'POST /api/v1/password': { currentPassword: password, newPassword },
  'POST /api/v1/account/delete': { password, confirm: true },
  'POST /api/v1/factors/totp': { password },
  'POST /api/v1/factors/totp/confirm': { enrollmentToken: 'made-up', code },
  'POST /api/v1/factors/email': { password },
  'POST /api/v1/factors/email/confirm': { code },
  'POST /api/v1/factors/phone': { number: '+447400123456', code },
  'POST /api/v1/factors/phone/confirm': { code },
  'POST /api/v1/factors/webauthn/options': { kind: 'security_key', password },
  'POST /api/v1/factors/webauthn': {
    credential: { id: 'AA', rawId: 'AA', type: 'public-key', response: { clientDataJSON: 'AA', attestationObject: 'AA' } },
  },
  'PATCH /api/v1/factors/:factorId': { label: 'My phone' },
  'POST /api/v1/factors/:factorId/primary': { code },
  'DELETE /api/v1/factors/:factorId': { confirmTurningOff: true },
  'POST /api/v1/mfa/require-at-next-sign-in': { password },
  'POST /api/v1/mfa/setup/unlock': { password, code },
  'POST /api/v1/step-up': { action: 'funds.withdraw' },
  'POST /api/v1/step-up/send-code': { stepUpId: 'made-up' },
  'POST /api/v1/step-up/webauthn-options': { stepUpId: 'made-up' },
  'POST /api/v1/step-up/verify': { stepUpId: 'made-up', code },

  'POST /sign-in': { email: 'ada@example.com', password },
  'POST /sign-up': { email: 'page-new@example.com', password },
  'POST /sign-in/link/send': { email: 'ada@example.com' },
  'POST /forgot-password': { email: 'ada@example.com' },
  'POST /sign-in/passwordless': { email: 'ada@example.com' },
  'POST /sign-in/passwordless/send': { email: 'ada@example.com', channel: 'email' },
  'POST /sign-in/passwordless/verify': { email: 'ada@example.com', code },
  'POST /sign-in/link': { c: 'made-up', t: 'made-up' },
  'POST /reset-password': { c: 'made-up', t: 'made-up', newPassword },
  'POST /verify-email': { c: 'made-up', t: 'made-up' },
  'POST /account/email': { newEmail: 'ada.new@example.com', password },
  'POST /account/password': { currentPassword: password, newPassword },
  'POST /account/delete': { password, confirmDeletion: 'on' },
  'POST /account/authenticator': { password, consent: 'on' },
  'POST /account/email-codes': { password, consent: 'on' },
  'POST /account/phone': { number: '+447400123456', proof: code },
  'POST /account/factors/:factorId/primary': { proof: code },
  'POST /account/factors/:factorId/remove': { confirmTurningOff: 'on' },
  'POST /account/mfa/off': { confirmTurningOff: 'on' },
  'POST /account/mfa/reset': { confirmReset: 'on' },
};

/** Where a route is called when its pattern alone does not lead to what it acts on. */
const urls: Record<string, string> = {
  'GET /sign-in/sso/:id': '/sign-in/sso/acme',
  'GET /sign-in/sso/:id/callback': '/sign-in/sso/acme/callback',
  'GET /prompt': '/prompt?request=made-up',
  // The provider's own endpoints behind the wildcard.
  'GET /oidc/*': '/oidc/me',
  'POST /oidc/*': '/oidc/token',
  'OPTIONS /oidc/*': '/oidc/token',
  'DELETE /oidc/*': '/oidc/token',
};

/** The fields that carry a second factor, which a caller without one leaves out. */
const proofFields = ['code', 'recoveryCode', 'webauthn', 'proof'];
const withoutProof = (body: Record<string, unknown> | undefined) =>
  body && Object.fromEntries(Object.entries(body).filter(([field]) => !proofFields.includes(field)));

/** A browser with its CSRF token: a refused form must be refused for who sends it, not for a missing token. */
interface Caller {
  browser: TestBrowser;
  csrf: string;
  headers?: Record<string, string>;
}

let server: TestServer;
let database: Database.Database;
let ada: { secret: string; factorId: string };
let callers: {
  /** Ada, who has an authenticator app, signed in long enough ago that her second factor is no longer recent. */
  member: Caller;
  /** Sam, whose organization requires two-step verification: his session may only set up a method. */
  setupOnly: Caller;
  /** The instance administrator, signed in without the console's recent second factor. */
  staleAdmin: Caller;
  /** An organization's admin, with the console's recent second factor. */
  orgAdmin: Caller;
};
let rootSecret: string;
/** Per scope, a key with every other scope. */
const keysWithout = {} as Record<ApiScope, string>;

async function csrfOf(browser: TestBrowser): Promise<string> {
  // Signed in, every page's header holds the sign-out form; signed out, the sign-in page's form.
  for (const page of ['/dev/outbox', '/sign-in']) {
    const token = /name="_csrf" value="([^"]+)"/.exec((await browser.get(page)).body)?.[1];
    if (token) return token;
  }
  throw new Error('no CSRF token');
}

const callerOf = async (browser: TestBrowser): Promise<Caller> => ({ browser, csrf: await csrfOf(browser) });
const nobody = async (headers?: Record<string, string>): Promise<Caller> => ({
  ...(await callerOf(new TestBrowser(server.app))),
  headers,
});

async function keyWith(...scopes: ApiScope[]): Promise<string> {
  const created = await createApiKey(server.deps, {
    name: 'Route access test',
    scopes,
    by: { userId: null, ip: 'cli' },
  });
  return created.token;
}

async function approveConsole(browser: TestBrowser, secret: string) {
  const { stepUpId } = (await browser.postJson('/api/v1/step-up', { action: 'admin.act' })).json();
  const approved = await browser.postJson('/api/v1/step-up/verify', { stepUpId, code: nextCode(secret) });
  expect(approved.statusCode, approved.body).toBe(200);
}

beforeAll(async () => {
  server = await startTestServer({ config });
  database = new Database(config.database.url.replace(/^sqlite:/, ''), { readonly: true, fileMustExist: true });

  const adaBrowser = new TestBrowser(server.app);
  const { secret, factorId } = await signUpWithTotp(server, adaBrowser, 'ada@example.com');
  await adaBrowser.postJson('/api/v1/email/verify', await latestVerificationLink(server, 'ada@example.com'));
  ada = { secret, factorId };
  const root = new TestBrowser(server.app);
  rootSecret = (await signUpWithTotp(server, root, 'root@example.com')).secret;
  const olga = new TestBrowser(server.app);
  const olgaSecret = (await signUpWithTotp(server, olga, 'olga@example.com')).secret;

  const sam = new TestBrowser(server.app);
  await sam.postJson('/api/v1/sign-up', { email: 'sam@example.com', password });
  await sam.postJson('/api/v1/sign-out');
  const userId = async (email: string) => (await server.deps.store.users.findByEmail(email))!.id;
  const acme = await createOrganization(server.deps, { name: 'Acme' });
  await putMember(server.deps, { orgId: acme.id, userId: await userId('olga@example.com'), role: 'admin' });
  await putMember(server.deps, { orgId: acme.id, userId: await userId('ada@example.com'), role: 'member' });
  const strict = await createOrganization(server.deps, {
    name: 'Strict',
    policy: { mfa: 'required', roles: [], allowedMethods: [], graceDays: 0, graceSignIns: 0 },
  });
  await putMember(server.deps, { orgId: strict.id, userId: await userId('sam@example.com'), role: 'member' });
  const samIn = await sam.postJson('/api/v1/sign-in', { email: 'sam@example.com', password });
  expect(samIn.json().session).toMatchObject({ enrollmentRequired: true });

  // Past the 10 minutes of factor.add and admin.act: Ada's and the administrator's second factors are no longer recent.
  server.clock.advance(11 * 60_000);
  await approveConsole(olga, olgaSecret);
  callers = {
    member: await callerOf(adaBrowser),
    setupOnly: await callerOf(sam),
    staleAdmin: await callerOf(root),
    orgAdmin: await callerOf(olga),
  };
  for (const scope of apiScopes) keysWithout[scope] = await keyWith(...apiScopes.filter((other) => other !== scope));
});
afterAll(async () => {
  database?.close();
  await server?.close();
});

/** Calls a route as `caller`: JSON to the API, a form with the caller's CSRF token to pages. */
function call(
  caller: Caller,
  route: string,
  { body = bodies[route], url = urlOf(route) }: { body?: Record<string, unknown>; url?: string } = {},
): Promise<LightMyRequestResponse> {
  const method = route.slice(0, route.indexOf(' ')) as 'GET';
  if (method === 'GET' || !isPage(route)) {
    return caller.browser.request({ method, url, headers: caller.headers, ...(body ? { payload: body } : {}) });
  }
  return caller.browser.request({
    method,
    url,
    headers: { ...caller.headers, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: caller.csrf, ...(body as Record<string, string>) }).toString(),
  });
}

/** The route's pattern with Ada's factor as `:factorId`, and anything else made up. */
const urlOf = (route: string) =>
  urls[route] ??
  route.slice(route.indexOf(' ') + 1).replace(/:(\w+)/g, (_, name: string) => (name === 'factorId' ? ada.factorId : 'made-up'));

const isPage = (route: string) => !/ \/(api|oidc)\b/.test(route) && route !== 'GET /metrics';

/** Each table of the database as JSON, but the per-IP budgets and last-used times, which every request moves. */
function databaseState(): Map<string, string> {
  const tables = database
    .prepare<[], string>("select name from sqlite_master where type = 'table' and name <> 'rate_limits'")
    .pluck()
    .all();
  return new Map(
    tables.map((table) => [
      table,
      JSON.stringify(
        database
          .prepare<[], Record<string, unknown>>(`select * from "${table}" order by rowid`)
          .all()
          .map(({ last_seen_at: _seen, last_used_at: _used, ...row }) => row),
      ),
    ]),
  );
}

/** The tables whose rows differ from `before`. */
const changedSince = (before: Map<string, string>) =>
  [...databaseState()].filter(([table, rows]) => before.get(table) !== rows).map(([table]) => table);

const errorCode = (response: LightMyRequestResponse): string | undefined =>
  response.headers['content-type']?.toString().includes('json') ? response.json()?.error?.code : undefined;

/** Refused as an API refuses: this status and one of these codes. */
const apiRefusal =
  (status: number, ...codes: string[]) =>
  (response: LightMyRequestResponse) => {
    expect(response.statusCode, response.body).toBe(status);
    expect(codes).toContain(errorCode(response));
  };
/** Refused as a page refuses: a redirect to where the missing credential is got, or an error page. */
const redirect = (location: string | RegExp) => (response: LightMyRequestResponse) => {
  expect(response.statusCode, response.body).toBe(303);
  if (typeof location === 'string') expect(response.headers.location).toBe(location);
  else expect(response.headers.location).toMatch(location);
};
const errorPage = (status: number) => (response: LightMyRequestResponse) => {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toContain('text/html');
};

interface Refusal {
  /** Who calls, in the test's words. */
  who: string;
  caller: () => Promise<Caller>;
  body?: Record<string, unknown>;
  refused: (response: LightMyRequestResponse) => void;
}

const sessionClasses = new Set(['session', 'secondFactor', 'admin', 'instanceAdmin']);

/** The callers that lack what the route's class needs, and how the route must refuse each. */
function refusalsOf(route: string, { access, duringSetup, alike }: RouteAccess): Refusal[] {
  const api = route.includes(' /api/');
  const get = route.startsWith('GET ');
  const refusals: Refusal[] = [];
  if (sessionClasses.has(access) || access.startsWith('action:')) {
    refusals.push({
      who: 'without a session',
      caller: () => nobody(),
      refused: api ? apiRefusal(401, 'ERR_UNAUTHENTICATED') : redirect('/sign-in'),
    });
    if (!duringSetup) {
      refusals.push({
        who: 'to a session that may only set up a method',
        caller: async () => callers.setupOnly,
        refused: api ? apiRefusal(403, 'ERR_ENROLLMENT_REQUIRED') : redirect('/account'),
      });
    }
  }
  if (access === 'action:factor.add') {
    refusals.push({
      who: 'without a recent second factor',
      caller: async () => callers.member,
      refused: api ? apiRefusal(403, 'ERR_FRESH_FACTOR_REQUIRED') : get ? redirect(/^\/account\/confirm\?next=/) : errorPage(403),
    });
  } else if (access.startsWith('action:')) {
    refusals.push({
      who: `without a second factor for ${access.slice('action:'.length)}`,
      caller: async () => callers.member,
      refused: api ? apiRefusal(403, 'ERR_STEP_UP_REQUIRED') : errorPage(403),
    });
  }
  if (access === 'secondFactor') {
    refusals.push({
      who: 'without a current second factor',
      caller: async () => callers.member,
      body: withoutProof(bodies[route]),
      refused: api ? apiRefusal(400, 'ERR_INVALID_INPUT') : errorPage(400),
    });
  }
  if (access === 'admin' || access === 'instanceAdmin') {
    refusals.push(
      { who: 'to someone who administers nothing', caller: async () => callers.member, refused: errorPage(404) },
      {
        who: 'to an administrator without a recent second factor',
        caller: async () => callers.staleAdmin,
        refused: redirect(/^\/step-up\?action=admin\.act&/),
      },
    );
  }
  if (access === 'instanceAdmin') {
    refusals.push({ who: 'to an organization’s admin', caller: async () => callers.orgAdmin, refused: errorPage(404) });
  }
  if (access === 'pending') {
    refusals.push({
      who: alike ? 'without a pending sign-in, answering as for an unknown address' : 'without a pending sign-in',
      caller: () => nobody(),
      // It answers alike for every address by design: here it must only change nothing.
      refused: alike ? () => undefined : api ? apiRefusal(401, 'ERR_SIGN_IN_EXPIRED') : redirect('/sign-in'),
    });
  }
  if (access === 'link') {
    refusals.push({
      who: 'without a valid emailed link',
      caller: () => nobody(),
      refused: api ? apiRefusal(400, 'ERR_LINK_INVALID') : errorPage(400),
    });
  }
  if (access === 'sso') {
    refusals.push({ who: 'without a sign-in started at the provider', caller: () => nobody(), refused: errorPage(400) });
  }
  if (access === 'prompt') {
    refusals.push({ who: 'without an app’s prompt', caller: () => nobody(), refused: errorPage(400) });
  }
  if (access.startsWith('apiKey:')) {
    const scope = access.slice('apiKey:'.length) as ApiScope;
    refusals.push(
      { who: 'without an API key', caller: () => nobody(), refused: apiRefusal(401, 'ERR_UNAUTHENTICATED') },
      {
        who: `to a key without the ${scope} scope`,
        caller: () => nobody({ authorization: `Bearer ${keysWithout[scope]}` }),
        refused: apiRefusal(403, 'ERR_SCOPE_REQUIRED'),
      },
    );
  }
  if (access === 'metricsToken') {
    refusals.push(
      { who: 'without the metrics token', caller: () => nobody(), refused: apiRefusal(401, 'ERR_UNAUTHENTICATED') },
      {
        who: 'with another token',
        caller: () => nobody({ authorization: `Bearer ${'n'.repeat(40)}` }),
        refused: apiRefusal(401, 'ERR_UNAUTHENTICATED'),
      },
    );
  }
  return refusals;
}

/** A Set-Cookie that would give the browser a session or a pending sign-in. */
const credentialCookies = (response: LightMyRequestResponse) =>
  (response.cookies as { name: string; value: string }[])
    .filter((cookie) => /tessera_(session|pending)$/.test(cookie.name) && cookie.value !== '')
    .map((cookie) => cookie.name);

describe('the access table', () => {
  /** `METHOD /pattern` of every route, but what Fastify adds and what is shipped to every browser. */
  const routes = () => {
    const named = registered.flatMap((route) => [route.method].flat().map((method) => ({ method, url: route.url })));
    const gets = new Set(named.filter(({ method }) => method === 'GET').map(({ url }) => url));
    return (
      named
        // Fastify answers HEAD for every GET by itself; /assets/ holds the stylesheets and scripts every page loads.
        .filter(({ method, url }) => !(method === 'HEAD' && gets.has(url)) && !url.startsWith('/assets/'))
        .map(({ method, url }) => `${method} ${url}`)
    );
  };

  it('has an entry for every route the server registers', () => {
    expect(routes().length).toBeGreaterThan(100);
    expect(routes().filter((route) => !(route in routeAccess))).toEqual([]);
  });

  it('has no entry for a route the server no longer registers', () => {
    const present = new Set(routes());
    expect(Object.keys(routeAccess).filter((route) => !present.has(route))).toEqual([]);
  });
});

/** Pages whose whole work is to send a signed-out browser to sign in. */
const sendsToSignIn = new Set(['GET /', 'POST /sign-out']);
const inWords = new Intl.ListFormat('en', { type: 'disjunction' });

describe('every route, called without the credential its class needs', () => {
  for (const [route, entry] of Object.entries(routeAccess)) {
    if (entry.access === 'anonymous') {
      it(`lets anyone call ${route}`, async () => {
        const response = await call(await nobody(), route);
        expect(response.statusCode, response.body).toBeLessThan(500);
        expect(['ERR_UNAUTHENTICATED', 'ERR_SIGN_IN_EXPIRED', 'ERR_ENROLLMENT_REQUIRED']).not.toContain(errorCode(response));
        if (!sendsToSignIn.has(route)) expect(response.headers.location).not.toBe('/sign-in');
      });
    } else if (entry.access === 'oidc') {
      it(`leaves ${route} to the OpenID Connect provider, which refuses it without a client or a token`, async () => {
        const before = databaseState();
        const response = await call(await nobody(), route);
        expect(response.statusCode).toBeGreaterThanOrEqual(400);
        // The provider's own answers: an OAuth error, or its router's "Not Found".
        expect(response.body).toMatch(/^(\{"error":"[a-z_]+"|Not Found$)/);
        expect(changedSince(before)).toEqual([]);
      });
    } else {
      const refusals = refusalsOf(route, entry);
      it(`refuses ${route} ${inWords.format(refusals.map((refusal) => refusal.who))}`, async () => {
        for (const refusal of refusals) {
          const caller = await refusal.caller();
          const before = databaseState();
          const response = await call(caller, route, refusal.body ? { body: refusal.body } : {});
          refusal.refused(response);
          expect(credentialCookies(response), refusal.who).toEqual([]);
          expect(changedSince(before), `${refusal.who}: the tables that changed`).toEqual([]);
        }
      });
    }
  }
});

/** The app's code for now, a time step after the last one used. */
function nextCode(secret: string): string {
  server.clock.advance(30_000);
  return totpAt(secret, server.clock.now());
}

/** A new browser just through the password and the app's code. */
async function justSignedIn(email: string, secret: string): Promise<TestBrowser> {
  const browser = new TestBrowser(server.app);
  await browser.postJson('/api/v1/sign-in', { email, password });
  const signedIn = await browser.postJson('/api/v1/sign-in/second-factor', { code: nextCode(secret) });
  expect(signedIn.statusCode, signedIn.body).toBe(200);
  return browser;
}

// Signing in through an upstream provider needs a live one: sso.test.ts runs it against its own.
describe('a route called with the credential its class needs', () => {
  it('answers a signed-in person: their sessions, and the page where they confirm it is them', async () => {
    expect((await call(callers.member, 'GET /api/v1/sessions')).statusCode).toBe(200);
    expect((await call(callers.member, 'GET /account/confirm')).statusCode).toBe(200);
  });

  it('answers a session that may only set up a method on every page and read of setting up', async () => {
    const reads = Object.entries(routeAccess).filter(([route, entry]) => entry.duringSetup && route.startsWith('GET '));
    for (const [route] of reads) expect((await call(callers.setupOnly, route)).statusCode, route).toBe(200);
    expect((await call(callers.setupOnly, 'GET /api/v1/me')).json().session).toMatchObject({ enrollmentRequired: true });
    expect((await call(callers.setupOnly, 'GET /account')).body).toContain('Set up two-step verification');
  });

  it('lets a person who just passed their second factor start adding an authenticator app', async () => {
    const fresh = await callerOf(await justSignedIn('ada@example.com', ada.secret));
    expect((await call(fresh, 'GET /account/authenticator')).statusCode).toBe(200);
    const started = await call(fresh, 'POST /api/v1/factors/totp');
    expect(started.statusCode, started.body).toBe(200);
  });

  it('lets a person make new recovery codes, and choose their primary method, with a current code', async () => {
    const codes = await call(callers.member, 'POST /api/v1/recovery-codes', { body: { code: nextCode(ada.secret) } });
    expect(codes.statusCode, codes.body).toBe(201);
    const primary = await call(callers.member, 'POST /api/v1/factors/:factorId/primary', {
      body: { code: nextCode(ada.secret) },
    });
    expect(primary.statusCode, primary.body).toBe(204);
  });

  it('lets a pending sign-in see its challenge and finish with the second factor', async () => {
    const browser = new TestBrowser(server.app);
    await browser.postJson('/api/v1/sign-in', { email: 'ada@example.com', password });
    const caller = await callerOf(browser);
    expect((await call(caller, 'GET /sign-in/verify')).statusCode).toBe(200);
    const finished = await call(caller, 'POST /api/v1/sign-in/second-factor', { body: { code: nextCode(ada.secret) } });
    expect(finished.json()).toMatchObject({ status: 'signed_in' });
  });

  it('lets the emailed link confirm an address, in any browser', async () => {
    const confirmed = await call(await nobody(), 'POST /api/v1/email/verify', {
      body: await latestVerificationLink(server, 'sam@example.com'),
    });
    expect(confirmed.json()).toEqual({ emailVerified: true });
  });

  it('lets an app’s signed request open its prompt', async () => {
    const people = await call(
      await nobody({ authorization: `Bearer ${await keyWith('people')}` }),
      'PUT /api/v1/host/people/:externalId',
      {
        url: '/api/v1/host/people/u-1',
        body: { email: 'ivy@example.com', emailVerified: true },
      },
    );
    expect(people.statusCode, people.body).toBe(201);
    const request = await new SignJWT({ return_to: 'http://127.0.0.1:9/mfa/back' })
      .setProtectedHeader({ alg: 'HS256', typ: 'tessera-prompt+jwt' })
      .setIssuer('shop')
      .setAudience(`${config.server.publicUrl}/prompt`)
      .setSubject('u-1')
      .setJti('request-1')
      .setIssuedAt(Math.floor(server.clock.now() / 1000))
      .setExpirationTime(Math.floor(server.clock.now() / 1000) + 300)
      .sign(new TextEncoder().encode(signingSecret));
    const opened = await call(await nobody(), 'GET /prompt', { url: `/prompt?request=${request}` });
    expect(opened.statusCode, opened.body).toBe(303);
    expect(opened.headers.location).toBe('/prompt/continue');
  });

  it('lets administrators with a recent second factor into the console, and the instance’s into its instance pages', async () => {
    const root = await justSignedIn('root@example.com', rootSecret);
    await approveConsole(root, rootSecret);
    const approvedRoot = await callerOf(root);
    expect((await call(approvedRoot, 'GET /admin')).statusCode).toBe(200);
    expect((await call(approvedRoot, 'GET /admin/api-keys')).statusCode).toBe(200);
    expect((await call(callers.orgAdmin, 'GET /admin')).body).toContain('ada@example.com');
  });

  it('lets a key holding a route’s scope call it', async () => {
    const made: Record<string, { url?: string; body?: Record<string, unknown> }> = {
      'POST /api/v1/grants/consume': { body: { grant: 'made-up' } },
      'POST /api/v1/host/phone-numbers': { body: { email: 'nobody@example.com', number: '+447400123456' } },
      'PUT /api/v1/host/people/:externalId': { url: '/api/v1/host/people/u-2', body: { email: 'kim@example.com' } },
      'POST /api/v1/host/people/:externalId/sign-in-links': {},
      'POST /api/v1/host/prompt/exchange': { body: { code: 'made-up' } },
    };
    for (const [route, { access }] of Object.entries(routeAccess).filter(([, entry]) => entry.access.startsWith('apiKey:'))) {
      const key = await keyWith(access.slice('apiKey:'.length) as ApiScope);
      const response = await call(await nobody({ authorization: `Bearer ${key}` }), route, made[route]);
      expect([401, 403], `${route}: ${response.body}`).not.toContain(response.statusCode);
    }
  });

  it('lets Prometheus read the metrics with the token', async () => {
    const response = await call(await nobody({ authorization: `Bearer ${metricsToken}` }), 'GET /metrics');
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('# HELP');
  });

  it('answers the OpenID Connect provider’s discovery for anyone', async () => {
    const response = await call(await nobody(), 'GET /oidc/*', { url: '/oidc/.well-known/openid-configuration' });
    expect(response.json()).toMatchObject({ issuer: `${config.server.publicUrl}/oidc` });
  });
});
