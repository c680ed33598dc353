import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrganization, optionalPolicy, putMember } from '../../src/core/flows/organizations.js';
import type { SecurityEvent } from '../../src/core/ports.js';
import { assessNewDevice, deviceHashInput } from '../../src/core/risk/new-device.js';
import { assessUntrustedIp } from '../../src/core/risk/untrusted-ip.js';
import { databaseKinds } from '../support/databases.js';
import { TestBrowser } from '../support/http-client.js';
import { confirmAdmin, latestVerificationLink, password, signUpWithTotp, totpAt } from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

/** Real addresses on three continents, placed by the bundled DB-IP Lite database. */
const london = '81.2.69.142';
const sydney = '1.1.1.1';
const saoPaulo = '200.160.2.3';

const chromeOnWindows =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
const firefoxOnMac = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:140.0) Gecko/20100101 Firefox/140.0';
const hour = 3_600_000;

describe.each(databaseKinds)('adaptive sign-in on %s', (database) => {
  let server: TestServer;
  afterEach(() => server.close());

  async function start(adaptive: Record<string, unknown> = {}, more: Parameters<typeof testConfig>[0] = {}) {
    server = await startTestServer({
      database,
      config: testConfig({ adaptive: { policy: 'adaptive', ...adaptive }, ...more }, database),
    });
  }

  /** Ada's laptop: she signs up and sets up an authenticator app at home in London, then signs out. */
  async function adaAtHome() {
    const laptop = new TestBrowser(server.app, chromeOnWindows);
    laptop.ip = london;
    const enrolled = await signUpWithTotp(server, laptop, 'ada@example.com');
    await laptop.postJson('/api/v1/sign-out');
    return { laptop, enrolled };
  }

  /** A second apart, so that the newest assessment is always the last sign-in's. */
  const signIn = (browser: TestBrowser, email = 'ada@example.com') => {
    server.clock.advance(1000);
    return browser.postJson('/api/v1/sign-in', { email, password });
  };
  const assessments = async (email = 'ada@example.com') => {
    const user = await server.deps.store.users.findByEmail(email);
    const events = await server.deps.store.events.listForUser(user!.id, 50);
    return events.filter((event) => event.type === 'sign_in_assessed');
  };
  const latestAssessment = async (email?: string) => (await assessments(email))[0] as SecurityEvent;

  it('lets a person in from their usual laptop and city without a code, asks a new device and another continent an hour later, and says why', async () => {
    await start();
    const { laptop, enrolled } = await adaAtHome();

    server.clock.advance(2 * hour);
    const usual = await signIn(laptop);
    expect(usual.json()).toMatchObject({ status: 'signed_in', session: { aal: 1, amr: ['pwd'] } });
    expect((await latestAssessment()).detail).toMatchObject({
      confidence: 'high',
      decision: 'not_challenged',
      place: 'London, United Kingdom',
    });
    await laptop.postJson('/api/v1/sign-out');

    const stranger = new TestBrowser(server.app, firefoxOnMac);
    stranger.ip = london;
    expect((await signIn(stranger)).json()).toMatchObject({ status: 'second_factor_required' });
    const newDevice = await latestAssessment();
    expect(newDevice.detail).toMatchObject({ confidence: 'low', decision: 'challenged' });
    expect(newDevice.detail?.signals).toEqual([
      expect.objectContaining({ assessor: 'new_device', strength: 1, evidence: expect.stringContaining('Firefox on macOS') }),
    ]);

    server.clock.advance(hour);
    laptop.ip = sydney;
    expect((await signIn(laptop)).json()).toMatchObject({ status: 'second_factor_required' });
    const travel = await latestAssessment();
    expect(travel.detail).toMatchObject({ confidence: 'low', decision: 'challenged', place: 'Sydney, Australia' });
    expect(travel.detail?.signals).toEqual([
      expect.objectContaining({
        assessor: 'impossible_travel',
        evidence: expect.stringMatching(
          /^London, United Kingdom to Sydney, Australia: 16,\d{3} km in 1 h, 16,\d{3} km\/h is faster than 900 km\/h$/,
        ),
      }),
    ]);

    // Once she proves it is her, Sydney is where she was last: the next sign-in there is not asked.
    const passed = await laptop.postJson('/api/v1/sign-in/second-factor', { code: totpAt(enrolled.secret, server.clock.now()) });
    expect(passed.json()).toMatchObject({ status: 'signed_in', session: { aal: 2 } });
    await laptop.postJson('/api/v1/sign-out');
    server.clock.advance(10 * 60_000);
    expect((await signIn(laptop)).json()).toMatchObject({ status: 'signed_in', session: { aal: 1 } });

    const activity = (await laptop.get('/api/v1/activity?limit=50')).json().events as { description: string }[];
    expect(activity.map((event) => event.description)).toContain(
      `New sign-in from Sydney, Australia on Chrome 156 on Windows: ${String(travel.detail?.signals && (travel.detail.signals as { evidence: string }[])[0]?.evidence)}; asked for the second step`,
    );
  });

  it('learns nothing from a sign-in that failed its second step: the stranger’s device stays new', async () => {
    await start();
    await adaAtHome();
    const stranger = new TestBrowser(server.app, firefoxOnMac);
    stranger.ip = saoPaulo;
    expect((await signIn(stranger)).json()).toMatchObject({ status: 'second_factor_required' });
    const wrong = await stranger.postJson('/api/v1/sign-in/second-factor', { code: '000000' });
    expect(wrong.statusCode).toBe(401);
    server.clock.advance(2 * hour);
    expect((await signIn(stranger)).json()).toMatchObject({ status: 'second_factor_required' });
    expect((await latestAssessment()).detail?.signals).toContainEqual(
      expect.objectContaining({ assessor: 'new_device', strength: 1 }),
    );
  });

  it('asks on a trusted device when confidence is low, and lets it skip the second step otherwise', async () => {
    await start();
    const { laptop, enrolled } = await adaAtHome();
    const stranger = new TestBrowser(server.app, firefoxOnMac);
    stranger.ip = london;
    await signIn(stranger);
    server.clock.advance(30_000);
    const trusted = await stranger.postJson('/api/v1/sign-in/second-factor', {
      code: totpAt(enrolled.secret, server.clock.now()),
      trustDevice: true,
    });
    expect(trusted.statusCode).toBe(200);
    await stranger.postJson('/api/v1/sign-out');

    server.clock.advance(hour);
    expect((await signIn(stranger)).json()).toMatchObject({
      status: 'signed_in',
      session: { aal: 2, amr: ['pwd', 'trusted_device'] },
    });
    await stranger.postJson('/api/v1/sign-out');

    server.clock.advance(hour);
    stranger.ip = sydney;
    expect((await signIn(stranger)).json()).toMatchObject({ status: 'second_factor_required' });
    expect(laptop.cookies.get('tessera_browser')).not.toBe(stranger.cookies.get('tessera_browser'));
  });

  it('does not count another account’s known device, and still asks a stolen device cookie from another continent', async () => {
    await start();
    const { laptop } = await adaAtHome();
    const eve = new TestBrowser(server.app, chromeOnWindows);
    eve.ip = saoPaulo;
    await signUpWithTotp(server, eve, 'eve@example.com');
    await eve.postJson('/api/v1/sign-out');
    server.clock.advance(2 * hour);
    expect((await signIn(eve, 'eve@example.com')).json().status).toBe('signed_in');
    await eve.postJson('/api/v1/sign-out');
    expect((await signIn(eve)).json()).toMatchObject({ status: 'second_factor_required' });
    expect((await latestAssessment()).detail?.signals).toContainEqual(
      expect.objectContaining({ assessor: 'new_device', strength: 1 }),
    );

    eve.cookies.set('tessera_browser', laptop.cookies.get('tessera_browser')!);
    expect((await signIn(eve)).json()).toMatchObject({ status: 'second_factor_required' });
    expect((await latestAssessment()).detail?.signals).toEqual([
      expect.objectContaining({ assessor: 'impossible_travel', strength: 1 }),
    ]);
  });

  it('never relaxes protected actions: a sign-in that was not asked still needs a second factor to turn it off', async () => {
    await start();
    const { laptop } = await adaAtHome();
    expect((await signIn(laptop)).json()).toMatchObject({ status: 'signed_in', session: { aal: 1 } });
    const off = await laptop.postJson('/api/v1/mfa/off', { password });
    expect(off.statusCode).toBe(403);
    expect(off.json().error.code).toBe('ERR_STEP_UP_REQUIRED');
    const factors = (await laptop.get('/api/v1/factors')).json().factors as unknown[];
    expect(factors).toHaveLength(1);
  });

  it('never relaxes required setup: a known device of someone who must set up reaches only setting up', async () => {
    await start({}, { mfa: { required: true } });
    const laptop = new TestBrowser(server.app, chromeOnWindows);
    laptop.ip = london;
    expect((await laptop.postJson('/api/v1/sign-up', { email: 'bo@example.com', password })).statusCode).toBe(201);
    await laptop.postJson('/api/v1/sign-out');
    server.clock.advance(hour);
    expect((await signIn(laptop, 'bo@example.com')).json()).toMatchObject({ status: 'signed_in' });
    expect((await latestAssessment('bo@example.com')).detail).toMatchObject({ confidence: 'high' });
    const me = await laptop.get('/api/v1/sessions');
    expect(me.statusCode).toBe(403);
    expect(me.json().error.code).toBe('ERR_ENROLLMENT_REQUIRED');
  });

  it('treats a cleared cookie in the same browser at the same address as medium confidence, asked only where medium is', async () => {
    await start();
    await adaAtHome();
    const privateWindow = new TestBrowser(server.app, chromeOnWindows);
    privateWindow.ip = london;
    expect((await signIn(privateWindow)).json()).toMatchObject({ status: 'signed_in' });
    expect((await latestAssessment()).detail).toMatchObject({ confidence: 'medium', score: 0.35, decision: 'not_challenged' });
    await server.close();

    await start({ challengeAt: 'medium' });
    await adaAtHome();
    const another = new TestBrowser(server.app, chromeOnWindows);
    another.ip = london;
    expect((await signIn(another)).json()).toMatchObject({ status: 'second_factor_required' });
  });

  it('asks from an address on an untrusted list, read again when the list changes', async () => {
    const config = testConfig({}, database);
    const list = join(config.dataDir, 'untrusted.txt');
    writeFileSync(list, '# anonymising proxies\n192.0.2.0/24\n');
    server = await startTestServer({
      database,
      config: testConfig({ adaptive: { policy: 'adaptive', untrustedIpLists: [list] } }, database),
    });
    const { laptop } = await adaAtHome();
    laptop.ip = '198.51.100.7';
    expect((await signIn(laptop)).json()).toMatchObject({ status: 'signed_in' });
    await laptop.postJson('/api/v1/sign-out');

    writeFileSync(list, '# anonymising proxies\n192.0.2.0/24\n198.51.100.0/24\n');
    await expect.poll(() => server.deps.untrustedNetworks.listing('198.51.100.7'), { timeout: 10_000 }).toBe('untrusted.txt');
    expect((await signIn(laptop)).json()).toMatchObject({ status: 'second_factor_required' });
    expect((await latestAssessment()).detail?.signals).toEqual([
      { assessor: 'untrusted_ip', strength: 1, evidence: '198.51.100.7 is on the untrusted list untrusted.txt' },
    ]);
  });

  it('asks from an address that many refused sign-ins to other accounts came from', async () => {
    await start({ failedSignInsPerIp: 4 });
    const { laptop } = await adaAtHome();
    const attacker = new TestBrowser(server.app);
    attacker.ip = london;
    for (const email of ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com']) {
      expect((await signIn(attacker, email)).statusCode).toBe(401);
    }
    expect((await signIn(laptop)).json()).toMatchObject({ status: 'second_factor_required' });
    expect((await latestAssessment()).detail?.signals).toEqual([
      expect.objectContaining({
        assessor: 'untrusted_ip',
        evidence: `4 refused sign-ins to other accounts from ${london} in the last 60 minutes`,
      }),
    ]);
  });

  it('tells the person of a risky sign-in by email, naming the place and the browser', async () => {
    await start();
    const { laptop } = await adaAtHome();
    const link = await latestVerificationLink(server, 'ada@example.com');
    expect((await laptop.postJson('/api/v1/email/verify', link)).statusCode).toBe(200);
    expect(await server.sweepNotices()).toBe(1);
    const [setUp] = await server.deps.store.outbox.latest(1);
    expect(setUp?.text).toContain('Authenticator app');
    expect(setUp?.text).not.toContain('New sign-in');
    server.clock.advance(hour);
    laptop.ip = sydney;
    await signIn(laptop);
    server.clock.advance(10 * 60_000);
    expect(await server.sweepNotices()).toBe(1);
    const [notice] = (await server.deps.store.outbox.latest(5)).filter((message) => message.purpose === 'security_notice');
    expect(notice?.subject).toMatch(/^Security alert: New sign-in from Sydney, Australia on Chrome 156 on Windows: /);
    expect(notice?.text).toContain('IP address 1.1.1.1');
  });
});

describe('adaptive sign-in policy and client addresses', () => {
  let server: TestServer;
  afterEach(() => server.close());

  it('takes X-Forwarded-For only from a trusted proxy: a spoofed header from anyone else is ignored', async () => {
    server = await startTestServer({
      config: testConfig({ adaptive: { policy: 'adaptive' }, server: { trustedProxies: ['10.0.0.1'] } }),
    });
    const browser = new TestBrowser(server.app, chromeOnWindows);
    browser.ip = sydney;
    await browser.postJson('/api/v1/sign-up', { email: 'ada@example.com', password }, { 'x-forwarded-for': london });
    const user = await server.deps.store.users.findByEmail('ada@example.com');
    const [spoofed] = await server.deps.store.events
      .listForUser(user!.id, 10)
      .then((events) => events.filter((event) => event.type === 'sign_in_assessed'));
    expect(spoofed).toMatchObject({ ip: sydney, detail: { place: 'Sydney, Australia' } });

    await browser.postJson('/api/v1/sign-out');
    browser.ip = '10.0.0.1';
    server.clock.advance(48 * hour);
    await browser.postJson('/api/v1/sign-in', { email: 'ada@example.com', password }, { 'x-forwarded-for': london });
    const [proxied] = await server.deps.store.events
      .listForUser(user!.id, 10)
      .then((events) => events.filter((event) => event.type === 'sign_in_assessed'));
    expect(proxied).toMatchObject({ ip: london, detail: { place: 'London, United Kingdom' } });
  });

  it('lets an organization choose for its members, the strictest organization winning, and asks everyone else always', async () => {
    server = await startTestServer();
    const laptop = new TestBrowser(server.app, chromeOnWindows);
    laptop.ip = london;
    const { secret } = await signUpWithTotp(server, laptop, 'ada@example.com');
    const ada = (await server.deps.store.users.findByEmail('ada@example.com'))!;
    const acme = await createOrganization(server.deps, {
      name: 'Acme',
      policy: { ...optionalPolicy, signInChallenge: 'adaptive' },
    });
    await putMember(server.deps, { orgId: acme.id, userId: ada.id, role: 'member' });

    const signIn = async () => {
      await laptop.postJson('/api/v1/sign-out');
      server.clock.advance(hour);
      return (await laptop.postJson('/api/v1/sign-in', { email: 'ada@example.com', password })).json().status;
    };
    // The first assessed sign-in meets a device it has never seen; passing it makes the laptop known.
    expect(await signIn()).toBe('second_factor_required');
    await laptop.postJson('/api/v1/sign-in/second-factor', { code: totpAt(secret, server.clock.now()) });
    expect(await signIn()).toBe('signed_in');

    const bank = await createOrganization(server.deps, {
      name: 'Bank',
      policy: { ...optionalPolicy, signInChallenge: 'always' },
    });
    await putMember(server.deps, { orgId: bank.id, userId: ada.id, role: 'member' });
    expect(await signIn()).toBe('second_factor_required');

    const other = new TestBrowser(server.app, chromeOnWindows);
    await signUpWithTotp(server, other, 'bo@example.com');
    await other.postJson('/api/v1/sign-out');
    expect((await other.postJson('/api/v1/sign-in', { email: 'bo@example.com', password })).json().status).toBe(
      'second_factor_required',
    );
  });

  it('shows the administrator why a sign-in was asked, with the geolocation credit, on the event log and the person’s page', async () => {
    server = await startTestServer({
      config: testConfig({ adaptive: { policy: 'adaptive' }, admin: { emails: ['root@example.com'] } }),
    });
    const laptop = new TestBrowser(server.app, chromeOnWindows);
    laptop.ip = london;
    await signUpWithTotp(server, laptop, 'ada@example.com');
    await laptop.postJson('/api/v1/sign-out');
    server.clock.advance(hour);
    laptop.ip = sydney;
    expect((await laptop.postJson('/api/v1/sign-in', { email: 'ada@example.com', password })).json().status).toBe(
      'second_factor_required',
    );

    const root = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, root, 'root@example.com');
    await confirmAdmin(server, root, secret);
    const log = (await root.get('/admin/events?type=sign_in_assessed')).body;
    expect(log).toContain(
      'New sign-in from Sydney, Australia on Chrome 156 on Windows: London, United Kingdom to Sydney, Australia',
    );
    expect(log).toContain('asked for the second step');
    expect(log).toContain('<a href="https://db-ip.com">IP Geolocation by DB-IP</a>');
    const ada = await server.deps.store.users.findByEmail('ada@example.com');
    expect((await root.get(`/admin/people/${ada!.id}`)).body).toContain('IP Geolocation by DB-IP');
  });

  it('with the policy off, never asks at sign-in, yet protected actions still ask', async () => {
    server = await startTestServer({ config: testConfig({ adaptive: { policy: 'off' } }) });
    const browser = new TestBrowser(server.app);
    await signUpWithTotp(server, browser, 'ada@example.com');
    await browser.postJson('/api/v1/sign-out');
    expect((await browser.postJson('/api/v1/sign-in', { email: 'ada@example.com', password })).json()).toMatchObject({
      status: 'signed_in',
      session: { aal: 1 },
    });
    expect((await browser.postJson('/api/v1/mfa/off', { password })).statusCode).toBe(403);
  });
});

describe('each assessor on its own', () => {
  let server: TestServer;
  afterEach(() => server.close());
  const day = 86_400_000;

  async function withAda() {
    server = await startTestServer();
    await new TestBrowser(server.app).postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
    return (await server.deps.store.users.findByEmail('ada@example.com'))!.id;
  }

  it('NewDevice: nothing for a known device, half for its browser at its address without the cookie, all otherwise', async () => {
    const userId = await withAda();
    const { deps, clock } = server;
    await deps.store.riskAssessments.create({
      id: 'laptop-sign-in',
      userId,
      at: clock.now(),
      ip: london,
      deviceHash: deps.keyedHash.hash(deviceHashInput('laptop-cookie')),
      browserFamily: 'Chrome on Windows',
      location: null,
      signals: [],
      score: 0,
      confidence: 'high',
      decision: 'not_challenged',
      completedAt: clock.now(),
    });
    clock.advance(29 * day);
    const newDevice = (input: { browserToken?: string; browserFamily?: string; ip?: string }) =>
      assessNewDevice(deps, { userId, browserFamily: 'Chrome on Windows', ip: sydney, now: clock.now(), ...input });

    expect((await newDevice({ browserToken: 'laptop-cookie' })).strength).toBe(0);
    expect((await newDevice({ ip: london })).strength).toBe(0.5);
    expect((await newDevice({})).strength).toBe(1);
    expect((await newDevice({ browserToken: 'laptop-cookie', browserFamily: 'Firefox on macOS' })).strength).toBe(1);
    expect((await newDevice({ browserToken: 'another-cookie' })).strength).toBe(1);
    clock.advance(2 * day);
    expect(await newDevice({ browserToken: 'laptop-cookie' })).toMatchObject({
      strength: 1,
      evidence: 'Chrome on Windows on a device not seen on this account in the last 30 days',
    });
  });

  it('UntrustedIP: half a signal at half the refused sign-ins to other accounts, all at the limit, none for the person’s own', async () => {
    const userId = await withAda();
    const { deps, clock } = server;
    const refused = async (count: number, who: string | null) => {
      for (let i = 0; i < count; i++) {
        await deps.store.events.record({
          type: 'sign_in_failed',
          userId: who,
          ip: saoPaulo,
          at: clock.now(),
          outcome: 'failure',
        });
      }
    };
    const untrusted = () => assessUntrustedIp(deps, { userId, ip: saoPaulo, now: clock.now() });
    await refused(15, userId);
    expect((await untrusted()).strength).toBe(0);
    await refused(10, null);
    expect((await untrusted()).strength).toBe(0.5);
    await refused(10, null);
    expect(await untrusted()).toMatchObject({
      strength: 1,
      evidence: `20 refused sign-ins to other accounts from ${saoPaulo} in the last 60 minutes`,
    });
    clock.advance(61 * 60_000);
    expect((await untrusted()).strength).toBe(0);
  });
});
