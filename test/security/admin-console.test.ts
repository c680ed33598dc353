import { afterEach, describe, expect, it } from 'vitest';
import { mfaRequirementOf } from '../../src/core/flows/mfa-policy.js';
import { createOrganization, optionalPolicy, putMember } from '../../src/core/flows/organizations.js';
import { TestBrowser } from '../support/http-client.js';
import {
  confirmAdmin,
  latestVerificationLink,
  password,
  reachChallenge,
  signUpWithEmailCodes,
  signUpWithTotp,
  totpAt,
} from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

let server: TestServer;
afterEach(() => server.close());

const idOf = async (email: string) => (await server.deps.store.users.findByEmail(email))!.id;

describe('the admin console', () => {
  it('shows an instance administrator everyone, after a second factor that lasts ten minutes', async () => {
    server = await startTestServer({ config: testConfig({ admin: { emails: ['root@example.com'] } }) });
    const root = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, root, 'root@example.com');
    await new TestBrowser(server.app).postJson('/api/v1/sign-up', { email: 'bo@example.com', password });

    const first = await root.get('/admin');
    expect(first.headers.location).toBe('/step-up?action=admin.act&return_to=%2Fadmin');
    await confirmAdmin(server, root, secret);
    const page = await root.get('/admin');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('bo@example.com');
    expect(page.body).toContain('root@example.com');
    expect((await root.get('/admin?q=bo')).body).not.toContain('>root@example.com</a>');
    server.clock.advance(10 * 60_000);
    expect((await root.get('/admin')).statusCode).toBe(303);
  });

  it('lets an organization admin see and act on its members only: anyone else is not found, and nothing changes', async () => {
    server = await startTestServer();
    const owner = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, owner, 'owner@acme.example');
    await signUpWithTotp(server, new TestBrowser(server.app), 'member@acme.example');
    await signUpWithTotp(server, new TestBrowser(server.app), 'outsider@other.example');
    const acme = await createOrganization(server.deps, { name: 'Acme', policy: optionalPolicy });
    await putMember(server.deps, { orgId: acme.id, userId: await idOf('owner@acme.example'), role: 'owner' });
    await putMember(server.deps, { orgId: acme.id, userId: await idOf('member@acme.example'), role: 'member' });
    await confirmAdmin(server, owner, secret);

    const list = (await owner.get('/admin')).body;
    expect(list).toContain('member@acme.example');
    expect(list).not.toContain('outsider@other.example');
    const outsider = await idOf('outsider@other.example');
    expect((await owner.get(`/admin/people/${outsider}`)).statusCode).toBe(404);
    const reset = await owner.submitForm('/admin', `/admin/people/${outsider}/reset-mfa`, { confirm: 'on' });
    expect(reset.statusCode).toBe(404);
    expect(await server.deps.store.factors.listForUser(outsider)).toHaveLength(1);
    const code = await owner.submitForm('/admin', `/admin/people/${outsider}/operator-code`, {});
    expect(code.statusCode).toBe(404);

    const member = await idOf('member@acme.example');
    expect((await owner.get(`/admin/people/${member}`)).body).toContain('member@acme.example');
  });

  it('issues a one-time code shown once, and resets two-step verification only when confirmed', async () => {
    server = await startTestServer({ config: testConfig({ admin: { emails: ['root@example.com'] } }) });
    const root = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, root, 'root@example.com');
    const person = new TestBrowser(server.app);
    await signUpWithTotp(server, person, 'ada@example.com');
    await person.postJson('/api/v1/email/verify', await latestVerificationLink(server, 'ada@example.com'));
    const ada = await idOf('ada@example.com');
    await confirmAdmin(server, root, secret);

    const issued = await root.submitForm(`/admin/people/${ada}`, `/admin/people/${ada}/operator-code`, {});
    expect(issued.body).toMatch(/data-testid="operator-code">\d{8}</);
    expect((await root.get(`/admin/people/${ada}`)).body).not.toContain('data-testid="operator-code"');

    const unconfirmed = await root.submitForm(`/admin/people/${ada}`, `/admin/people/${ada}/reset-mfa`, {});
    expect(unconfirmed.statusCode).toBe(409);
    const done = await root.submitForm(`/admin/people/${ada}`, `/admin/people/${ada}/reset-mfa`, { confirm: 'on' });
    expect(done.body).toContain('Two-step verification was reset');
    expect(await server.deps.store.factors.listForUser(ada)).toEqual([]);
    expect((await person.get('/api/v1/me')).statusCode).toBe(401);
    expect(done.body).toContain('Two-step verification reset by root@example.com');
  });

  it('is not found for people who administer nothing, and refused to administrators without a second factor', async () => {
    server = await startTestServer({ config: testConfig({ admin: { emails: ['root@example.com'] } }) });
    const bo = new TestBrowser(server.app);
    await bo.postJson('/api/v1/sign-up', { email: 'bo@example.com', password });
    expect((await bo.get('/admin')).statusCode).toBe(404);
    const root = new TestBrowser(server.app);
    await root.postJson('/api/v1/sign-up', { email: 'root@example.com', password });
    const refused = await root.get('/admin');
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('Set up two-step verification to use the admin console.');
  });

  it('filters the security event log and exports it as CSV, only within the administrator’s scope', async () => {
    server = await startTestServer();
    const owner = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, owner, 'owner@acme.example');
    const member = new TestBrowser(server.app, '=HYPERLINK("http://evil.example")');
    await member.postJson('/api/v1/sign-up', { email: 'member@acme.example', password });
    await member.postJson('/api/v1/sign-in', { email: 'member@acme.example', password: 'not the password' });
    await new TestBrowser(server.app).postJson('/api/v1/sign-up', { email: 'outsider@other.example', password });
    const acme = await createOrganization(server.deps, { name: 'Acme', policy: optionalPolicy });
    await putMember(server.deps, { orgId: acme.id, userId: await idOf('owner@acme.example'), role: 'admin' });
    await putMember(server.deps, { orgId: acme.id, userId: await idOf('member@acme.example'), role: 'member' });
    await confirmAdmin(server, owner, secret);

    const all = (await owner.get('/admin/events')).body;
    expect(all).toContain('member@acme.example');
    expect(all).not.toContain('outsider@other.example');
    const failures = (await owner.get('/admin/events?outcome=failure')).body;
    expect(failures).toContain('Sign-in refused: wrong password or passkey');
    expect(failures).not.toContain('Account created');
    const onlyOwner = (await owner.get('/admin/events?email=owner%40acme.example')).body;
    expect(onlyOwner).not.toContain('<td>member@acme.example</td>');
    expect((await owner.get('/admin/events?email=outsider%40other.example')).body).toContain('No events match.');

    const csv = await owner.get('/admin/events.csv?email=member%40acme.example');
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('"at","email","type","outcome","ip","user_agent","description"');
    expect(lines.slice(1).every((line) => line.includes('"member@acme.example"'))).toBe(true);
    expect(csv.body).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
    expect(csv.body).not.toContain('outsider@other.example');
  });

  it('counts coverage by method, organization and role, the people in their grace period, and a daily snapshot', async () => {
    server = await startTestServer({
      config: testConfig({ admin: { emails: ['root@example.com'] }, mfa: { requiredRoles: ['staff'], graceDays: 7 } }),
    });
    const root = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, root, 'root@example.com');
    await signUpWithTotp(server, new TestBrowser(server.app), 'ada@example.com');
    await signUpWithEmailCodes(server, new TestBrowser(server.app), 'bo@example.com');
    for (const email of ['cy@example.com', 'dee@example.com']) {
      await new TestBrowser(server.app).postJson('/api/v1/sign-up', { email, password });
    }
    const acme = await createOrganization(server.deps, { name: 'Acme', policy: optionalPolicy });
    const beta = await createOrganization(server.deps, { name: 'Beta', policy: optionalPolicy });
    for (const [org, email, role] of [
      [acme, 'ada@example.com', 'staff'],
      [acme, 'bo@example.com', 'member'],
      [acme, 'cy@example.com', 'staff'],
      [beta, 'dee@example.com', 'member'],
    ] as const) {
      await putMember(server.deps, { orgId: org.id, userId: await idOf(email), role });
    }
    expect((await server.sweep()).coverageSnapshot).toBe(true);
    expect((await server.sweep()).coverageSnapshot).toBe(false);
    server.clock.advance(3_600_000);
    expect((await server.sweep()).coverageSnapshot).toBe(true);
    await reachChallenge(root, 'root@example.com');
    await root.postJson('/api/v1/sign-in/second-factor', { code: totpAt(secret, server.clock.now()) });
    await confirmAdmin(server, root, secret);

    const page = (await root.get('/admin/coverage')).body;
    expect(page).toContain('data-testid="coverage-share">60 %<');
    expect(page).toContain('<strong>3 of 5</strong>');
    expect(page).toContain('data-testid="coverage-grace">1<');
    expect(page).toMatch(/authenticator app<\/text>[\s\S]*?chart-value[^>]*>2</);
    expect(page).toMatch(/Acme<\/text>[\s\S]*?chart-value[^>]*>67 % of 3</);
    expect(page).toMatch(/Beta<\/text>[\s\S]*?chart-value[^>]*>0 % of 1</);
    expect(page).toMatch(/staff<\/text>[\s\S]*?chart-value[^>]*>50 % of 2</);
    expect(page).toContain('<polyline class="chart-line" points="295.0,66.0" />');
    expect(page).not.toContain('style=');
  });

  it('lets administrators set an organization’s policy and members; an organization admin cannot bring in outsiders', async () => {
    server = await startTestServer({ config: testConfig({ admin: { emails: ['root@example.com'] } }) });
    const root = new TestBrowser(server.app);
    const rootApp = await signUpWithTotp(server, root, 'root@example.com');
    const owner = new TestBrowser(server.app);
    const ownerApp = await signUpWithTotp(server, owner, 'owner@acme.example');
    for (const email of ['sam@acme.example', 'outsider@other.example']) {
      await new TestBrowser(server.app).postJson('/api/v1/sign-up', { email, password });
    }
    await confirmAdmin(server, root, rootApp.secret);

    const created = await root.submitForm('/admin/orgs', '/admin/orgs', { name: 'Acme' });
    const orgPath = created.headers.location as string;
    for (const [email, role] of [
      ['owner@acme.example', 'admin'],
      ['sam@acme.example', 'member'],
    ]) {
      expect((await root.submitForm(orgPath, `${orgPath}/members`, { email: email!, role: role! })).body).toContain(
        `${email} is ${role}.`,
      );
    }
    const saved = await root.submitForm(orgPath, `${orgPath}/policy`, {
      mfa: 'roles',
      roles: 'staff',
      methods: 'security_key',
      graceDays: '3',
      signInChallenge: 'adaptive',
    });
    expect(saved.body).toContain('The policy was saved');
    expect(saved.body).toMatch(/<option value="adaptive" selected>/);
    const invalid = await root.submitForm(orgPath, `${orgPath}/policy`, { mfa: 'optional', signInChallenge: 'sometimes' });
    expect(invalid.statusCode).toBe(400);

    await confirmAdmin(server, owner, ownerApp.secret);
    const refused = await owner.submitForm(orgPath, `${orgPath}/members`, { email: 'outsider@other.example', role: 'member' });
    expect(refused.body).toContain('an instance administrator adds new members');
    const outsider = await idOf('outsider@other.example');
    expect(await server.deps.store.organizations.membershipsOf(outsider)).toEqual([]);
    expect((await owner.submitForm(orgPath, `${orgPath}/members`, { email: 'sam@acme.example', role: 'staff' })).body).toContain(
      'sam@acme.example is staff.',
    );
    const sam = (await server.deps.store.users.findByEmail('sam@acme.example'))!;
    expect(await mfaRequirementOf(server.deps, sam)).toMatchObject({
      required: true,
      allowedMethods: ['security_key'],
      graceDays: 3,
      signInChallenge: 'adaptive',
    });

    const recorded = (await server.deps.store.events.listForUser(await idOf('owner@acme.example'), 5)).map((event) => event.type);
    expect(recorded[0]).toBe('org_member_changed');
    expect((await root.get('/admin/events?type=org_policy_changed')).body).toContain(
      'Changed the two-step verification policy of Acme',
    );
    const removed = await owner.submitForm(orgPath, `${orgPath}/members/${sam.id}/remove`, {});
    expect(removed.body).toContain('The member was removed.');

    const other = await createOrganization(server.deps, { name: 'Other', policy: optionalPolicy });
    expect((await owner.get(`/admin/orgs/${other.id}`)).statusCode).toBe(404);
    expect((await owner.submitForm(orgPath, `/admin/orgs/${other.id}/policy`, { mfa: 'required' })).statusCode).toBe(404);
    expect((await owner.submitForm(orgPath, '/admin/orgs', { name: 'Mine' })).statusCode).toBe(404);
  });
});
