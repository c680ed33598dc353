import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOrganization, optionalPolicy, putMember } from '../../../src/core/flows/organizations.js';
import type { TestBrowser } from '../../support/http-client.js';
import { postForm, signedInBrowser, startWorld, trustedDeviceBrowser, type World } from './world.js';

/**
 * Attack 13 (the IDOR half; CSRF is test/security/cross-site.test.ts): acting on someone else's
 * two-step verification by putting their ids in one's own requests — Eve's factor, session or
 * trusted device in Ada's signed-in requests, with Ada's own valid proof; or, as an
 * organization's admin, people outside the organizations one administers. Every factor, session
 * and device route looks the id up within the signed-in person's own (`listForUser(user.id)`,
 * `delete(user.id, id)` in src/core/flows/manage-factors.ts, session.ts, trusted-devices.ts),
 * before any proof is spent; the console resolves every person and organization through
 * `personInScope` / `organizationInScope` (src/core/flows/admin-scope.ts): anyone else is "not found".
 */
describe('IDOR on enabling, disabling or resetting MFA', () => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld();
  });
  afterEach(() => world.close());

  const csrfOf = async (browser: TestBrowser) => /name="_csrf" value="([^"]+)"/.exec((await browser.get('/account')).body)![1]!;

  /** Ada's requests naming Eve's authenticator app, each with Ada's own current code where a proof is asked. */
  const onEvesFactor: [string, (ada: TestBrowser, factorId: string, code: string) => Promise<{ statusCode: number }>][] = [
    ['rename Eve’s', (ada, id) => ada.request({ method: 'PATCH', url: `/api/v1/factors/${id}`, payload: { label: 'Mine now' } })],
    ['make Eve’s primary', (ada, id, code) => ada.postJson(`/api/v1/factors/${id}/primary`, { code })],
    [
      'remove Eve’s',
      (ada, id, code) =>
        ada.request({ method: 'DELETE', url: `/api/v1/factors/${id}`, payload: { code, confirmTurningOff: true } }),
    ],
    [
      'rename Eve’s on the account page',
      async (ada, id) => postForm(ada, `/account/factors/${id}/rename`, { _csrf: await csrfOf(ada), label: 'Mine now' }),
    ],
    [
      'make Eve’s primary on the account page',
      async (ada, id, code) => postForm(ada, `/account/factors/${id}/primary`, { _csrf: await csrfOf(ada), proof: code }),
    ],
    [
      'remove Eve’s on the account page',
      async (ada, id, code) =>
        postForm(ada, `/account/factors/${id}/remove`, { _csrf: await csrfOf(ada), proof: code, confirmTurningOff: 'on' }),
    ],
  ];

  it.each(onEvesFactor)('finds no such method when Ada tries to %s, and spends none of her own proof', async (_name, act) => {
    const { ada, eve, server } = world;
    const before = await server.deps.store.factors.listForUser(eve.id);
    const browser = await signedInBrowser(world, ada);
    const code = world.code(ada);
    const refused = await act(browser, eve.factorId, code);
    expect(refused.statusCode).toBe(404);
    expect(await server.deps.store.factors.listForUser(eve.id)).toEqual(before);
    const evesChanges = (await server.deps.store.events.listForUser(eve.id, 100)).map((event) => event.type);
    expect(evesChanges).not.toContain('factor_removed');
    expect(evesChanges).not.toContain('factor_renamed');
    expect(evesChanges).not.toContain('primary_factor_changed');
    // The code Ada gave (where one was asked) was not spent, and nothing was counted against her.
    const stepUp = (await browser.postJson('/api/v1/step-up', { action: 'funds.withdraw' })).json();
    expect((await browser.postJson('/api/v1/step-up/verify', { stepUpId: stepUp.stepUpId, code })).statusCode).toBe(200);
  });

  it('finds no such session or trusted device when Ada ends Eve’s, which stay', async () => {
    const { ada, eve, server } = world;
    const eves = await trustedDeviceBrowser(world, eve);
    const [evesSession] = await server.deps.store.sessions.listForUser(eve.id, server.clock.now());
    const [evesDevice] = await server.deps.store.trustedDevices.listForUser(eve.id, server.clock.now());
    const browser = await signedInBrowser(world, ada);
    expect((await browser.request({ method: 'DELETE', url: `/api/v1/sessions/${evesSession!.id}` })).statusCode).toBe(404);
    expect((await browser.request({ method: 'DELETE', url: `/api/v1/trusted-devices/${evesDevice!.id}` })).statusCode).toBe(404);
    expect((await eves.browser.get('/api/v1/me')).statusCode).toBe(200);
    expect(await server.deps.store.trustedDevices.listForUser(eve.id, server.clock.now())).toHaveLength(1);
  });

  describe('an organization’s admin', () => {
    /** Eve owns Acme, where Mo is a member; Ada belongs to Beta only. Eve has passed the console's second factor. */
    async function acmeAdmin() {
      const { server, eve, ada } = world;
      const acme = await createOrganization(server.deps, { name: 'Acme', policy: optionalPolicy });
      const beta = await createOrganization(server.deps, { name: 'Beta', policy: optionalPolicy });
      await putMember(server.deps, { orgId: acme.id, userId: eve.id, role: 'owner' });
      await putMember(server.deps, { orgId: beta.id, userId: ada.id, role: 'member' });
      const browser = await signedInBrowser(world, eve);
      const { stepUpId } = (await browser.postJson('/api/v1/step-up', { action: 'admin.act' })).json();
      expect((await browser.postJson('/api/v1/step-up/verify', { stepUpId, code: world.code(eve) })).statusCode).toBe(200);
      const csrf = /name="_csrf" value="([^"]+)"/.exec((await browser.get('/admin')).body)![1]!;
      return { browser, acme, beta, csrf };
    }

    // Resetting Ada's MFA and issuing her an operator code are test/security/admin-console.test.ts's
    // "lets an organization admin see and act on its members only".
    it.each([
      ['unlock', 'unlock'],
      ['sign out everywhere', 'revoke-sessions'],
    ])('finds no such person when Eve tries to %s Ada, who is outside Acme', async (_name, action) => {
      const { server, ada } = world;
      const adasSession = await signedInBrowser(world, ada);
      const { browser, csrf } = await acmeAdmin();
      const refused = await postForm(browser, `/admin/people/${ada.id}/${action}`, { _csrf: csrf, confirm: 'on' });
      expect(refused.statusCode).toBe(404);
      expect((await adasSession.get('/api/v1/me')).statusCode).toBe(200);
      expect(await server.deps.store.factors.listForUser(ada.id)).toHaveLength(2);
      const adasEvents = (await server.deps.store.events.listForUser(ada.id, 100)).map((event) => event.type);
      expect(adasEvents.filter((type) => type.startsWith('admin_'))).toEqual([]);
    });

    it('exports none of Ada’s events, and removes her from no organization of Eve’s or another', async () => {
      const { server, ada } = world;
      const { browser, acme, beta, csrf } = await acmeAdmin();
      const csv = await browser.get(`/admin/events.csv?email=${encodeURIComponent(ada.email)}`);
      expect(csv.statusCode).toBe(200);
      expect(csv.body.trimEnd().split('\r\n')).toHaveLength(1);
      expect(csv.body).not.toContain(ada.email);
      expect((await browser.get(`/admin/events.csv?org=${beta.id}`)).body.trimEnd().split('\r\n')).toHaveLength(1);

      expect((await postForm(browser, `/admin/orgs/${beta.id}/members/${ada.id}/remove`, { _csrf: csrf })).statusCode).toBe(404);
      const fromAcme = await postForm(browser, `/admin/orgs/${acme.id}/members/${ada.id}/remove`, { _csrf: csrf });
      expect(fromAcme.body).toContain('That person is not a member.');
      expect((await server.deps.store.organizations.membershipsOf(ada.id)).map(({ org }) => org.id)).toEqual([beta.id]);
    });
  });
});
