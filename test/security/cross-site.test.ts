import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyServerOptions, LightMyRequestResponse, RouteOptions } from 'fastify';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOrganization, putMember } from '../../src/core/flows/organizations.js';
import { addWebhook } from '../../src/core/flows/webhook-subscriptions.js';
import { TestBrowser } from '../support/http-client.js';
import { latestVerificationLink, password, reachChallenge, signUpWithTotp, totpAt } from '../support/mfa.js';
import { startTestServer, TestClock, testConfig, type TestServer } from '../support/test-server.js';

/**
 * Cross-site requests and framing (STANDARDS attack 13, ASVS 5.0 3.5): every state-changing
 * route of a server with every feature on refuses a request another site makes with the
 * victim's cookies, and changes nothing; every page is sent under a Content-Security-Policy
 * that allows no inline script and no framing. The routes are the app's own, as its onRoute
 * hooks see them, so a new route is covered (or named here) the day it is added.
 */

// Every route the app registers: createServer builds the app, so the hook goes on each Fastify instance as it is made.
const routes = vi.hoisted(() => [] as RouteOptions[]);
vi.mock('fastify', async (importOriginal) => {
  const fastify = await importOriginal<typeof import('fastify')>();
  const withRouteLog = (options?: FastifyServerOptions) =>
    fastify.default(options).addHook('onRoute', (route) => {
      routes.push(route);
    });
  return { ...fastify, default: withRouteLog };
});

const ownOrigin = 'http://localhost:4000';
const appOrigin = 'https://app.example.com';
/** The OpenID Connect client's redirect URI, on an origin of its own, so form_post's addition to form-action shows. */
const rpRedirect = 'https://rp.example.net/callback';
const hostKey = { id: 'shop', secret: 's'.repeat(40) };
const bearer = { authorization: `Bearer ${hostKey.id}.${hostKey.secret}` };
const promptSecret = 'p'.repeat(40);
const refusal = 'This request came from another site and was refused.';
const root = 'root@example.com';
const bo = 'bo@example.com';
/** The host app's own id of the person it registered. */
const hostPerson = 'u-1';

let server: TestServer;
/** The victim: an instance administrator with an authenticator app, signed in with both factors. */
let victim: TestBrowser;
let totpSecret: string;
/** Ids from the prepared accounts, for the routes' path parameters. */
const values: Record<string, string> = {};

/** Each method of each route, but the HEAD routes Fastify adds to every GET. */
const routeList = () => [
  ...new Map(
    routes.flatMap((route) =>
      [route.method]
        .flat()
        .flatMap((method) => (method === 'HEAD' ? [] : [[`${method} ${route.url}`, { method, url: route.url }]])),
    ) as [string, { method: string; url: string }][],
  ).values(),
];

beforeAll(async () => {
  server = await startTestServer({
    // Prompt requests are dated by the app's clock and the OpenID provider's records by the real one.
    clock: new TestClock(Date.now()),
    config: testConfig({
      admin: { emails: [root] },
      signIn: { passwordless: true },
      magicLinks: { enabled: true },
      accountDeletion: { graceDays: 7 },
      sso: {
        providers: [
          {
            id: 'okta',
            name: 'Okta',
            issuer: 'https://idp.example.com',
            clientId: 'tessera',
            clientSecret: 'x'.repeat(20),
            scopes: 'openid email',
            mfa: 'provider',
          },
        ],
      },
      oidc: { clients: [{ clientId: 'rp', clientSecret: 'c'.repeat(40), redirectUris: [rpRedirect] }] },
      prompt: { apps: [{ id: 'shop', signingSecret: promptSecret, returnUrls: [`${appOrigin}/mfa/`] }] },
      hostApi: { keys: [hostKey] },
      stepUp: { returnUrls: [`${appOrigin}/`] },
      throttling: { ipAttempts: 100_000 },
    }),
  });

  const signingUp = new TestBrowser(server.app);
  ({ secret: totpSecret } = await signUpWithTotp(server, signingUp, root));
  expect((await signingUp.postJson('/api/v1/email/verify', await latestVerificationLink(server, root))).statusCode).toBe(200);
  victim = await signedInAdmin(true);

  const { sessions } = (await victim.get('/api/v1/sessions')).json() as { sessions: { id: string; current: boolean }[] };
  const [factor] = (await victim.get('/api/v1/factors')).json().factors as { id: string }[];
  const [device] = (await victim.get('/api/v1/trusted-devices')).json().devices as { id: string }[];

  await signUpWithTotp(server, new TestBrowser(server.app), bo);
  const boId = (await server.deps.store.users.findByEmail(bo))!.id;
  const org = await createOrganization(server.deps, { name: 'Acme' });
  await putMember(server.deps, { orgId: org.id, userId: boId, role: 'member' });
  const { subscription } = await addWebhook(server.deps, {
    url: 'https://hooks.example.com/tessera',
    eventTypes: ['factor.added'],
    orgId: null,
    production: false,
  });
  const person = await server.app.inject({
    method: 'PUT',
    url: `/api/v1/host/people/${hostPerson}`,
    payload: { email: 'ivy@example.com', emailVerified: true },
    headers: bearer,
  });
  expect(person.statusCode).toBe(201);
  Object.assign(values, {
    factorId: factor!.id,
    sessionId: sessions.find((session) => session.current)!.id,
    deviceId: device!.id,
    userId: boId,
    orgId: org.id,
    webhookId: subscription.id,
  });
});
afterAll(() => server?.close());

/**
 * A browser of the administrator signed in with both steps (trusting the device, if asked: the
 * victim has a trusted device to lose), with the admin console's protected action approved —
 * for ten minutes, which the clock, moved only by codes, does not reach in this file.
 */
async function signedInAdmin(trustDevice = false): Promise<TestBrowser> {
  const browser = new TestBrowser(server.app);
  expect((await browser.postJson('/api/v1/sign-in', { email: root, password })).statusCode).toBe(200);
  const signedIn = await browser.postJson('/api/v1/sign-in/second-factor', { code: nextCode(), trustDevice });
  expect(signedIn.statusCode, signedIn.body).toBe(200);
  const { stepUpId } = (await browser.postJson('/api/v1/step-up', { action: 'admin.act' })).json() as { stepUpId: string };
  expect((await browser.postJson('/api/v1/step-up/verify', { stepUpId, code: nextCode() })).statusCode).toBe(200);
  expect((await browser.get('/admin')).statusCode).toBe(200);
  return browser;
}

/** The next authenticator code of the administrator's app: the clock moves one time step, so each is new. */
function nextCode(): string {
  server.clock.advance(30_000);
  return totpAt(totpSecret, server.clock.now());
}

/**
 * A route's pattern with its parameters filled from the prepared accounts: the victim's own
 * factor, session and trusted device, and in the admin console someone else in reach (bo) and
 * an organization. An unknown parameter fails, naming the route, rather than being skipped.
 */
function concrete(url: string): string {
  const byParam = (name: string): string | undefined => {
    if (name === 'factorId') return values.factorId;
    if (name === 'externalId') return hostPerson;
    if (name === 'userId') return values.userId;
    if (name === 'uid') return values.interactionUid;
    if (name !== 'id') return undefined;
    if (url.startsWith('/api/v1/sessions/') || url.startsWith('/account/sessions/')) return values.sessionId;
    if (url.startsWith('/api/v1/trusted-devices/') || url.startsWith('/account/devices/')) return values.deviceId;
    if (url.startsWith('/admin/people/')) return values.userId;
    if (url.startsWith('/admin/orgs/')) return values.orgId;
    if (url.startsWith('/admin/webhooks/')) return values.webhookId;
    if (url.startsWith('/sign-in/sso/')) return 'okta';
    return undefined;
  };
  return url.replace(/:(\w+)/g, (_match, name: string) => {
    const value = byParam(name);
    if (value === undefined) throw new Error(`no value for :${name} of ${url}: add one to concrete()`);
    return value;
  });
}

/** Every row of every table, to show that a refused request changed nothing at all. */
function databaseState(): Record<string, string[]> {
  const database = new Database(server.config.database.url.replace(/^sqlite:/, ''), { readonly: true });
  try {
    const tables = database
      .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")
      .all() as { name: string }[];
    return Object.fromEntries(
      tables.map(({ name }) => [
        name,
        (database.prepare(`select * from "${name}"`).all() as unknown[]).map((row) => JSON.stringify(row)).sort(),
      ]),
    );
  } finally {
    database.close();
  }
}

/** The CSRF token of the victim's pages: a valid one, so only the cross-site guard stands in the way. */
async function formToken(): Promise<string> {
  const page = await victim.get('/account');
  return /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
}

/** A request the victim's browser would send for this route, cookies and all: the body its kind of route reads. */
async function forged(
  method: string,
  url: string,
  headers: Record<string, string>,
  token: string,
): Promise<LightMyRequestResponse> {
  const api = url.startsWith('/api/');
  return victim.request({
    method: method as 'POST',
    url,
    headers: {
      ...(url.startsWith('/api/v1/host/') ? bearer : {}),
      'content-type': api ? 'application/json' : 'application/x-www-form-urlencoded',
      ...headers,
    },
    payload: api ? '{}' : new URLSearchParams({ _csrf: token }).toString(),
  });
}

const unsafe = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The OpenID provider's endpoints, behind its two wildcard routes. The protocol's own calls come
 * from the app's server (the token endpoint, authenticated by the client's secret or PKCE) and
 * carry no Origin or Sec-Fetch-Site, so the guard lets them through. The protocol also lets a
 * browser POST to the authorization and end-session endpoints from the app's site (OpenID
 * Connect Core 3.1.2.1, RP-Initiated Logout 1.0); Tessera makes no exception for them — the code
 * applies the one guard to every route — so such a POST is refused like any other, and apps use
 * the redirect (GET) forms, as Tessera's SDK does. A browser app's CORS call to the token endpoint
 * is refused the same way.
 */
const oidcEndpoints = ['/oidc/auth', '/oidc/token', '/oidc/me', '/oidc/session/end', '/oidc/session/end/confirm'];

/** Every state-changing route, as concrete URLs. */
function stateChanging(): { method: string; url: string; route: string }[] {
  return routeList()
    .filter(({ method }) => unsafe.has(method))
    .flatMap(({ method, url }) =>
      url.endsWith('/*')
        ? oidcEndpoints.map((endpoint) => ({ method, url: endpoint, route: `${method} ${url}` }))
        : [{ method, url: concrete(url), route: `${method} ${url}` }],
    );
}

describe('cross-site requests with the victim’s cookies', () => {
  const foreign: [string, Record<string, string>][] = [
    ['a foreign Origin', { origin: 'https://evil.example' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
  ];

  it('covers the routes of every feature: account, factors, admin console, host API, prompt, OIDC', () => {
    const names = new Set(stateChanging().map(({ route }) => route));
    for (const route of [
      'POST /api/v1/password',
      'DELETE /api/v1/factors/:factorId',
      'PATCH /api/v1/factors/:factorId',
      'POST /account/mfa/off',
      'POST /admin/people/:id/reset-mfa',
      'POST /admin/api-keys',
      'PUT /api/v1/host/people/:externalId',
      'POST /prompt/setup',
      'POST /step-up/verify',
      'POST /oidc/*',
      'DELETE /oidc/*',
    ]) {
      expect(names, route).toContain(route);
    }
    expect(names.size).toBeGreaterThan(100);
  });

  it.each(foreign)('refuses every state-changing route with %s (403) and changes nothing', async (_name, headers) => {
    const token = await formToken();
    const before = databaseState();
    const refusedRoutes: string[] = [];
    for (const { method, url, route } of stateChanging()) {
      const response = await forged(method, url, headers, token);
      expect(response.statusCode, `${method} ${url}`).toBe(403);
      if (url.startsWith('/api/')) {
        expect(response.json(), `${method} ${url}`).toEqual({ error: { code: 'ERR_CSRF', message: refusal } });
      } else {
        expect(response.headers['content-type'], `${method} ${url}`).toMatch(/^text\/html/);
        expect(response.body, `${method} ${url}`).toContain(refusal);
      }
      expect(databaseState(), `${method} ${url} changed nothing`).toEqual(before);
      refusedRoutes.push(route);
    }
    expect(new Set(refusedRoutes)).toEqual(new Set(stateChanging().map(({ route }) => route)));
    // Still signed in, with the same factors, sessions and device.
    expect((await victim.get('/api/v1/me')).statusCode).toBe(200);
  });

  it('holds API keys to the same guard: the code makes no exception for them', async () => {
    const upsert = (headers: Record<string, string>) =>
      server.app.inject({
        method: 'PUT',
        url: '/api/v1/host/people/u-2',
        payload: { email: 'kit@example.com', emailVerified: true },
        headers: { ...bearer, ...headers },
      });
    for (const [, headers] of foreign) {
      const refused = await upsert(headers);
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toEqual({ error: { code: 'ERR_CSRF', message: refusal } });
    }
    expect(await server.deps.store.hostPeople.findUserId('u-2')).toBeUndefined();
    // A server-to-server call names no site, and goes through.
    expect((await upsert({})).statusCode).toBe(201);
    expect(await server.deps.store.hostPeople.findUserId('u-2')).toBeDefined();
  });
});

/** A Content-Security-Policy as its directives, in order, each with its sources. */
function directives(csp: string | undefined): [string, string[]][] {
  return String(csp ?? '')
    .split(';')
    .map((directive) => directive.trim())
    .filter(Boolean)
    .map((directive) => {
      const [name, ...sources] = directive.split(/\s+/);
      return [name!, sources];
    });
}
const directive = (csp: string | undefined, name: string) => directives(csp).find(([candidate]) => candidate === name)?.[1];

/**
 * What every page is sent with: no inline or eval'd script anywhere in the policy, scripts from
 * Tessera's own origin only (no wildcard, no scheme, no other host; a hash only where a page
 * adds its one fixed script), no framing by anyone, in the policy and for older browsers.
 */
function expectUnframeableStrictPage(response: LightMyRequestResponse, name: string) {
  const csp = response.headers['content-security-policy'] as string | undefined;
  expect(csp, `${name}: a Content-Security-Policy`).toBeTruthy();
  expect(csp, name).not.toMatch(/'unsafe-inline'|'unsafe-eval'|'unsafe-hashes'|'wasm-unsafe-eval'/);
  for (const source of directive(csp, 'script-src') ?? ['(none)']) {
    expect(source, `${name}: script-src source`).toMatch(/^('self'|'sha256-[A-Za-z0-9+/]+=*')$/);
  }
  expect(directive(csp, 'default-src'), name).toEqual(["'none'"]);
  expect(directive(csp, 'object-src'), name).toEqual(["'none'"]);
  expect(directive(csp, 'base-uri'), name).toEqual(["'none'"]);
  expect(directive(csp, 'frame-ancestors'), name).toEqual(["'none'"]);
  expect(response.headers['x-frame-options'], name).toBe('DENY');
}

/**
 * GET routes that are not pages, with the reason; every other GET route is walked below and must
 * answer with an HTML page. A new GET route fails the walk until it renders or is named here.
 */
const notPages: Record<string, string> = {
  'GET /': 'only redirects, to /sign-in or /account',
  'GET /assets/*': 'static scripts and styles',
  'GET /assets/theme.css': 'the branding stylesheet',
  'GET /assets/vendor/simplewebauthn-browser.js': 'a script',
  'GET /healthz': 'operations: JSON for the load balancer',
  'GET /readyz': 'operations: JSON for the load balancer',
  'GET /metrics': 'operations: Prometheus text',
  'GET /.well-known/jwks.json': 'the step-up grants’ public keys, JSON',
  'GET /admin/events.csv': 'the event log’s CSV export',
  'GET /sign-in/sso/:id': 'only redirects, to the identity provider, after reading its discovery document over the network',
  'GET /prompt': 'only redirects, to /prompt/continue, with the app’s signed request (the prompt pages are checked below)',
  'GET /oidc': 'the OpenID provider’s protocol endpoints (JSON and redirects; its pages are checked below)',
  'GET /oidc/*': 'the OpenID provider’s protocol endpoints (JSON and redirects; its pages are checked below)',
};
const isApi = (route: string) => route.startsWith('GET /api/');

/** Pages that answer with the error page unless the browser comes from elsewhere; walked as such, and named with why. */
const errorPageOnly: Record<string, string> = {
  'GET /prompt/continue': 'needs a prompt opened by the app’s signed request (the prompt pages are checked below)',
  'GET /prompt/setup': 'needs a prompt opened by the app’s signed request (the prompt pages are checked below)',
  'GET /sign-in/sso/:id/callback': 'needs a sign-in started at the identity provider in this browser',
};

/** The path and query of the newest link to `path` the outbox kept for `to`. */
async function emailedLink(to: string, path: string): Promise<string> {
  const messages = (await server.deps.store.outbox.latest(50)).filter((message) => message.to === to);
  const link = messages.map((message) => new RegExp(`https?://\\S+${path}\\?\\S+`).exec(message.text)?.[0]).find(Boolean);
  if (!link) throw new Error(`no ${path} link for ${to} in the outbox`);
  const url = new URL(link);
  return url.pathname + url.search;
}

/** The hosted step-up page as an app sends the browser there. */
const stepUpUrl = `/step-up?${new URLSearchParams({
  action: 'funds.withdraw',
  details: 'Withdraw £250.00 to account ••••1234',
  return_to: `${appOrigin}/back`,
})}`;

/** A fresh authorization request of the OpenID client in `browser`, up to Tessera's interaction page; its URL. */
async function interactionOf(browser: TestBrowser, extra: Record<string, string> = {}): Promise<string> {
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    client_id: 'rp',
    response_type: 'code',
    scope: 'openid email',
    redirect_uri: rpRedirect,
    state: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...extra,
  });
  const authorization = await browser.get(`/oidc/auth?${query}`);
  expect(authorization.statusCode, authorization.body).toBe(303);
  const location = new URL(authorization.headers.location as string, ownOrigin);
  expect(location.pathname).toMatch(/^\/oidc-interaction\/[\w-]+$/);
  return location.pathname;
}

describe('every page under the Content-Security-Policy', () => {
  it('walks every GET page: no inline or eval’d script, scripts from its own origin, never framed', async () => {
    const admin = await signedInAdmin();
    const anonymous = new TestBrowser(server.app);
    const pending = new TestBrowser(server.app);
    await reachChallenge(pending, bo);
    /** Pages that need a browser in a particular state. */
    const special: Record<string, () => Promise<LightMyRequestResponse>> = {
      'GET /sign-in/verify': () => pending.get('/sign-in/verify'),
      'GET /oidc-interaction/:uid': async () => admin.get(await interactionOf(admin)),
      'GET /step-up': () => admin.get(stepUpUrl),
      'GET /reset-password': async () => {
        await anonymous.postJson('/api/v1/password/reset/send', { email: root });
        return anonymous.get(await emailedLink(root, '/reset-password'));
      },
      'GET /verify-email': async () => anonymous.get(await emailedLink(bo, '/verify-email')),
    };

    const walked: string[] = [];
    for (const { method, url } of routeList()) {
      const route = `${method} ${url}`;
      if (method !== 'GET' || isApi(route) || route in notPages) continue;
      // Signed in as the administrator first; a page only for the signed-out (it redirects the signed-in) anonymously.
      let response = special[route] ? await special[route]() : await admin.get(concrete(url));
      if (!special[route] && response.statusCode >= 300 && response.statusCode < 400)
        response = await anonymous.get(concrete(url));
      expect(response.headers['content-type'], `${route} renders a page (or belongs in notPages)`).toMatch(/^text\/html/);
      expectUnframeableStrictPage(response, route);
      expect(response.statusCode, `${route} renders`).toBe(route in errorPageOnly ? 400 : 200);
      walked.push(route);
    }
    // The walk reached the pages of every feature.
    for (const route of [
      'GET /sign-in',
      'GET /account',
      'GET /admin',
      'GET /admin/people/:id',
      'GET /step-up',
      'GET /prompt/setup',
      'GET /sign-in/verify',
      'GET /oidc-interaction/:uid',
      'GET /docs/api',
    ]) {
      expect(walked, route).toContain(route);
    }
  });
});

describe('clickjacking', () => {
  /** The policy every page shares: the sign-in page's. */
  let basePolicy: string;
  beforeAll(async () => {
    basePolicy = (await new TestBrowser(server.app).get('/sign-in')).headers['content-security-policy'] as string;
  });

  /** `response` is a page under exactly the shared policy, which frames nowhere. */
  const expectShared = (response: LightMyRequestResponse, name: string) => {
    expect(response.headers['content-type'], name).toMatch(/^text\/html/);
    expectUnframeableStrictPage(response, name);
    expect(response.headers['content-security-policy'], name).toBe(basePolicy);
  };

  it('refuses framing of the sign-in page and the challenge', async () => {
    const signIn = await new TestBrowser(server.app).get('/sign-in');
    expect(signIn.statusCode).toBe(200);
    expectShared(signIn, 'sign-in page');
    expect(directive(basePolicy, 'form-action')).toEqual(["'self'", appOrigin]);

    const browser = new TestBrowser(server.app);
    await reachChallenge(browser, bo);
    const challenge = await browser.get('/sign-in/verify');
    expect(challenge.statusCode).toBe(200);
    expect(challenge.body).toContain('Two-step verification');
    expectShared(challenge, 'challenge page');
  });

  it('refuses framing of the step-up page and the admin console', async () => {
    const admin = await signedInAdmin();
    const stepUp = await admin.get(stepUpUrl);
    expect(stepUp.statusCode).toBe(200);
    expect(stepUp.body).toContain('Withdraw £250.00 to account ••••1234');
    expectShared(stepUp, 'step-up page');
    for (const url of ['/admin', `/admin/people/${values.userId}`, '/admin/events', '/admin/coverage']) {
      const page = await admin.get(url);
      expect(page.statusCode, url).toBe(200);
      expectShared(page, url);
    }
  });

  it('refuses framing of the MFA-only prompt, from the app’s redirect to the page back to the app', async () => {
    const now = Math.floor(server.clock.now() / 1000);
    const request = await new SignJWT({ return_to: `${appOrigin}/mfa/back` })
      .setProtectedHeader({ alg: 'HS256', typ: 'tessera-prompt+jwt' })
      .setIssuer('shop')
      .setAudience(`${ownOrigin}/prompt`)
      .setSubject(hostPerson)
      .setJti(randomBytes(16).toString('base64url'))
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(new TextEncoder().encode(promptSecret));
    const browser = new TestBrowser(server.app);
    // Every answer on the way carries the headers, redirects too.
    let response = await browser.get(`/prompt?request=${request}`);
    while (response.statusCode === 303) {
      expectUnframeableStrictPage(response, `redirect to ${String(response.headers.location)}`);
      response = await browser.get(response.headers.location as string);
    }
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('data-testid="setup-key"');
    expectShared(response, 'prompt set-up page');

    const secret = /data-testid="setup-key">([A-Z2-7 ]+)</.exec(response.body)![1]!.replace(/\s/g, '');
    const hidden = Object.fromEntries(
      [...response.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((field) => [field[1]!, field[2]!]),
    );
    server.clock.advance(30_000);
    const codes = await browser.request({
      method: 'POST',
      url: '/prompt/setup',
      payload: new URLSearchParams({ ...hidden, code: totpAt(secret, server.clock.now()) }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(codes.statusCode, codes.body).toBe(200);
    expectShared(codes, 'prompt recovery codes page');
    const back = await browser.get('/prompt/continue');
    expect(back.statusCode).toBe(200);
    expect(String(back.headers.refresh)).toContain(`${appOrigin}/mfa/back`);
    expectShared(back, 'prompt page back to the app');
  });

  it('refuses framing of the OpenID interaction, and form_post adds exactly its script’s hash and the app’s origin', async () => {
    const admin = await signedInAdmin();
    const interaction = await admin.get(await interactionOf(admin));
    expect(interaction.statusCode).toBe(200);
    expect(interaction.body).toContain('Back to the app');
    expectShared(interaction, 'OpenID interaction page');

    const formPostInteraction = await admin.get(await interactionOf(admin, { response_mode: 'form_post' }));
    const resume = new URL(/^0;url=(.+)$/.exec(String(formPostInteraction.headers.refresh))![1]!);
    const formPost = await admin.get(resume.pathname + resume.search);
    expect(formPost.statusCode).toBe(200);
    expect(formPost.body).toContain(`action="${rpRedirect}"`);
    expectUnframeableStrictPage(formPost, 'form_post page');

    const script = /<script>([\s\S]*?)<\/script>/.exec(formPost.body)![1]!;
    const hash = `'sha256-${createHash('sha256').update(script).digest('base64')}'`;
    const expected = directives(basePolicy).map(([name, sources]): [string, string[]] => [
      name,
      name === 'script-src' ? [...sources, hash] : name === 'form-action' ? [...sources, new URL(rpRedirect).origin] : sources,
    ]);
    expect(directives(formPost.headers['content-security-policy'] as string)).toEqual(expected);
  });
});

describe('the guard refuses only what comes from elsewhere', () => {
  it('lets the same requests through from the own origin: the refusals above are the guard’s, nothing else', async () => {
    const token = await formToken();
    const before = databaseState();
    for (const { method, url } of stateChanging()) {
      const response = await forged(method, url, { origin: ownOrigin, 'sec-fetch-site': 'same-origin' }, token);
      expect(response.body, `${method} ${url}`).not.toContain(refusal);
    }
    // These went through, and the comparison of every table sees what they changed (sessions ended, at the least).
    expect(databaseState()).not.toEqual(before);
  });
});
