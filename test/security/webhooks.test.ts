import { readFileSync, existsSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook, type WebhookEvent, WebhookRefused } from '@tessera/sdk';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { TesseraConfig } from '../../src/config.js';
import { createOrganization, putMember } from '../../src/core/flows/organizations.js';
import { addWebhook, webhookSecretContext } from '../../src/core/flows/webhook-subscriptions.js';
import type { WebhookEventType } from '../../src/core/ports.js';
import { createServer } from '../../src/server.js';
import { openDatabase } from '../../src/store/open-database.js';
import { capturedLog } from '../support/delivery.js';
import { TestBrowser } from '../support/http-client.js';
import { confirmAdmin, password, reachChallenge, signUpWithTotp, totpAt } from '../support/mfa.js';
import { CountingHasher, startTestServer, TestClock, testConfig, type TestServer } from '../support/test-server.js';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The event, when the SDK's verifyWebhook accepted the request; the receiver answered 400 otherwise. */
  event?: WebhookEvent;
}

/**
 * A webhook receiver on loopback, as an app would run one: each request is checked with the
 * SDK's verifyWebhook against the secret and the test's clock, refused with 400 when it fails,
 * and otherwise answered with what `answer` gives for the n-th verified request.
 */
async function startReceiver(clock: TestClock, answer: (verified: number) => number = () => 204) {
  const received: Received[] = [];
  const secrets: string[] = [];
  const server: Server = createHttpServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry: Received = { path: request.url ?? '', headers: request.headers, body };
      received.push(entry);
      for (const secret of secrets) {
        try {
          entry.event = verifyWebhook({ body, headers: request.headers, secret, now: new Date(clock.now()) });
          break;
        } catch {
          // Signed under another webhook's secret, or not by Tessera at all.
        }
      }
      response.writeHead(entry.event ? answer(received.filter((each) => each.event).length) : 400).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (path = '/hooks') => `${base}${path}`,
    received,
    /** The secrets it accepts signatures under. */
    secrets,
    events: () => received.flatMap((each) => (each.event ? [each.event] : [])),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function started(config?: TesseraConfig, answer?: (verified: number) => number) {
  const server = await startTestServer({ config });
  cleanups.push(() => server.close());
  const receiver = await startReceiver(server.clock, answer);
  cleanups.push(receiver.close);
  return { server, receiver };
}

/** A webhook added through the core flow, its secret given to the receiver. */
async function subscribe(
  server: TestServer,
  receiver: Receiver,
  eventTypes: WebhookEventType[],
  options: { orgId?: string; path?: string } = {},
) {
  const added = await addWebhook(server.deps, {
    url: receiver.url(options.path),
    eventTypes,
    orgId: options.orgId ?? null,
    production: false,
  });
  receiver.secrets.push(added.secret);
  return added;
}

const deliveriesOf = (server: TestServer, subscriptionId: string) =>
  server.deps.store.webhookDeliveries.listForSubscription(subscriptionId, 50);

describe('webhooks for security events', () => {
  it('delivers a factor added by a person, signed with the webhook’s secret, naming who and what, once', async () => {
    const { server, receiver } = await started();
    const { subscription } = await subscribe(server, receiver, ['factor.added', 'mfa.enabled']);
    const ada = new TestBrowser(server.app, 'Mozilla/5.0 (Macintosh) Firefox/140.0');
    const { factorId } = await signUpWithTotp(server, ada, 'ada@example.com');
    const adaId = (await server.deps.store.users.findByEmail('ada@example.com'))!.id;

    expect(await server.deliverWebhooks()).toEqual({ delivered: 2, retrying: 0, failed: 0 });
    expect(receiver.received).toHaveLength(2);
    const byType = Object.fromEntries(receiver.events().map((event) => [event.type, event]));
    expect(byType['factor.added']).toEqual({
      id: expect.any(String),
      type: 'factor.added',
      occurredAt: new Date(server.clock.now()).toISOString(),
      user: { id: adaId, email: 'ada@example.com' },
      organizationId: null,
      data: {
        ip: '127.0.0.1',
        userAgent: 'Mozilla/5.0 (Macintosh) Firefox/140.0',
        factorId,
        kind: 'totp',
        label: expect.any(String),
      },
    });
    expect(byType['mfa.enabled']).toMatchObject({ user: { id: adaId }, data: { ip: '127.0.0.1' } });
    const request = receiver.received.find((each) => each.event?.type === 'factor.added')!;
    expect(request.headers).toMatchObject({
      'content-type': 'application/json',
      'tessera-webhook-id': byType['factor.added']!.id,
      'tessera-webhook-timestamp': String(Math.floor(server.clock.now() / 1000)),
      'tessera-webhook-signature': expect.stringMatching(/^v1=[0-9a-f]{64}$/),
    });

    expect(await deliveriesOf(server, subscription.id)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ eventType: 'factor.added', status: 'delivered', attempts: 1, lastStatusCode: 204 }),
        expect.objectContaining({ eventType: 'mfa.enabled', status: 'delivered', attempts: 1, lastStatusCode: 204 }),
      ]),
    );
    server.clock.advance(86_400_000);
    expect(await server.deliverWebhooks()).toEqual({ delivered: 0, retrying: 0, failed: 0 });
    expect(receiver.received).toHaveLength(2);
  });

  it('sends a delivery the receiver answered with 500 again after the backoff, with the same id and body, and then delivers it once', async () => {
    const { server, receiver } = await started(undefined, (verified) => (verified === 1 ? 500 : 200));
    const { subscription } = await subscribe(server, receiver, ['factor.added']);
    await signUpWithTotp(server, new TestBrowser(server.app), 'ada@example.com');

    expect(await server.deliverWebhooks()).toEqual({ delivered: 0, retrying: 1, failed: 0 });
    const [waiting] = await deliveriesOf(server, subscription.id);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500, deliveredAt: null });
    const delay = waiting!.nextAttemptAt - server.clock.now();
    expect(delay).toBeGreaterThanOrEqual(22_500);
    expect(delay).toBeLessThanOrEqual(37_500);

    server.clock.advance(delay - 1);
    await server.deliverWebhooks();
    expect(receiver.received).toHaveLength(1);
    server.clock.advance(1);
    expect(await server.deliverWebhooks()).toEqual({ delivered: 1, retrying: 0, failed: 0 });
    expect(receiver.received).toHaveLength(2);
    const [first, second] = receiver.received;
    expect(second!.body).toBe(first!.body);
    expect(second!.headers['tessera-webhook-id']).toBe(first!.headers['tessera-webhook-id']);
    expect(Number(second!.headers['tessera-webhook-timestamp'])).toBeGreaterThan(
      Number(first!.headers['tessera-webhook-timestamp']),
    );
    expect((await deliveriesOf(server, subscription.id))[0]).toMatchObject({
      status: 'delivered',
      attempts: 2,
      lastStatusCode: 200,
      deliveredAt: server.clock.now(),
    });

    server.clock.advance(86_400_000);
    await server.deliverWebhooks();
    expect(receiver.received).toHaveLength(2);
  });

  it('gives a delivery up as failed after webhooks.maxAttempts, doubling the wait between attempts', async () => {
    const { server, receiver } = await started(testConfig({ webhooks: { maxAttempts: 3 } }), () => 503);
    const { subscription } = await subscribe(server, receiver, ['factor.added']);
    await signUpWithTotp(server, new TestBrowser(server.app), 'ada@example.com');

    const waits: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      await server.deliverWebhooks();
      const [delivery] = await deliveriesOf(server, subscription.id);
      if (delivery!.status === 'pending') waits.push(delivery!.nextAttemptAt - server.clock.now());
      server.clock.advance(3_600_000);
    }
    expect(receiver.received).toHaveLength(3);
    expect(waits[1]! / waits[0]!).toBeGreaterThan(1.2);
    expect((await deliveriesOf(server, subscription.id))[0]).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastStatusCode: 503,
    });
    await server.deliverWebhooks();
    expect(receiver.received).toHaveLength(3);
  });

  it('has a new server on the same database, with its worker on a timer, deliver what was pending when the old one stopped', async () => {
    const config = testConfig({ webhooks: { intervalSeconds: 1 } });
    const { server, receiver } = await started(config);
    const { subscription } = await subscribe(server, receiver, ['factor.added']);
    await signUpWithTotp(server, new TestBrowser(server.app), 'ada@example.com');
    await server.close();
    cleanups.shift();
    expect(receiver.received).toHaveLength(0);

    const restarted = await createServer(config, { clock: server.clock, passwords: new CountingHasher(), warn: () => undefined });
    cleanups.push(() => restarted.close());
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(1);
    expect(receiver.events().map((event) => event.type)).toEqual(['factor.added']);
    await expect
      .poll(async () => (await restarted.deps.store.webhookDeliveries.listForSubscription(subscription.id, 1))[0]?.status)
      .toBe('delivered');
  });

  it('gives an organization’s webhook only its members’ events, and the instance’s webhook everyone’s', async () => {
    const { server, receiver } = await started();
    const acme = await createOrganization(server.deps, { name: 'Acme' });
    const ada = new TestBrowser(server.app);
    const bob = new TestBrowser(server.app);
    const adaCodes = (await signUpWithTotp(server, ada, 'ada@example.com')).recoveryCodes;
    const bobCodes = (await signUpWithTotp(server, bob, 'bob@example.com')).recoveryCodes;
    const adaId = (await server.deps.store.users.findByEmail('ada@example.com'))!.id;
    await putMember(server.deps, { orgId: acme.id, userId: adaId, role: 'member' });
    await subscribe(server, receiver, ['recovery_code.used'], { orgId: acme.id, path: '/acme' });
    await subscribe(server, receiver, ['recovery_code.used'], { path: '/everyone' });

    for (const [browser, email, codes] of [
      [ada, 'ada@example.com', adaCodes],
      [bob, 'bob@example.com', bobCodes],
    ] as const) {
      await reachChallenge(browser, email);
      const signedIn = await browser.postJson('/api/v1/sign-in/second-factor', { recoveryCode: codes[0] });
      expect(signedIn.statusCode).toBe(200);
    }
    expect(await server.deliverWebhooks()).toMatchObject({ delivered: 3 });
    const heard = (path: string) =>
      receiver.received.filter((each) => each.path === path).map((each) => [each.event?.user.email, each.event?.organizationId]);
    expect(heard('/acme')).toEqual([['ada@example.com', acme.id]]);
    expect(heard('/everyone').sort()).toEqual([
      ['ada@example.com', null],
      ['bob@example.com', null],
    ]);
    expect(receiver.events().every((event) => event.type === 'recovery_code.used' && event.data.remaining === 9)).toBe(true);
  });

  it('refuses in verifyWebhook a tampered body, an old or future timestamp, another secret and a missing header', async () => {
    const { server, receiver } = await started();
    const { secret } = await subscribe(server, receiver, ['factor.added']);
    await signUpWithTotp(server, new TestBrowser(server.app), 'ada@example.com');
    await server.deliverWebhooks();
    const [{ body, headers }] = receiver.received as [Received];
    const now = new Date(server.clock.now());
    const refusal = (options: Partial<Parameters<typeof verifyWebhook>[0]>) => {
      try {
        verifyWebhook({ body, headers, secret, now, ...options });
      } catch (error) {
        return error instanceof WebhookRefused ? error.code : error;
      }
      return 'accepted';
    };

    expect(refusal({})).toBe('accepted');
    expect(refusal({ body: new TextEncoder().encode(body) })).toBe('accepted');
    expect(refusal({ body: body.replace('ada@example.com', 'eve@example.com') })).toBe('bad_signature');
    expect(refusal({ secret: `${secret.slice(0, -1)}x` })).toBe('bad_signature');
    expect(
      refusal({ headers: { ...headers, 'tessera-webhook-timestamp': String(Number(headers['tessera-webhook-timestamp']) + 1) } }),
    ).toBe('bad_signature');
    expect(refusal({ now: new Date(server.clock.now() + 301_000) })).toBe('stale_timestamp');
    expect(refusal({ now: new Date(server.clock.now() - 301_000) })).toBe('stale_timestamp');
    expect(refusal({ now: new Date(server.clock.now() + 3_600_000), toleranceSeconds: 7200 })).toBe('accepted');
    expect(refusal({ headers: { ...headers, 'tessera-webhook-signature': undefined } })).toBe('missing_header');
    expect(refusal({ headers: { ...headers, 'tessera-webhook-id': 'another-delivery' } })).toBe('bad_body');
    expect(refusal({ headers: new Headers(headers as Record<string, string>) })).toBe('accepted');
  });

  it('keeps the signing secret only sealed under the server key, never in plain text in the database', async () => {
    const { server, receiver } = await started();
    const { subscription, secret } = await subscribe(server, receiver, ['factor.added']);
    expect(secret).toMatch(/^whsec_[\w-]{43}$/);
    const stored = (await server.deps.store.webhookSubscriptions.findById(subscription.id))!;
    expect(stored.secretSealed).not.toContain(secret.slice(6));
    expect(server.deps.secretBox.open(stored.secretSealed, webhookSecretContext(subscription.id))).toBe(secret);
    expect(server.deps.secretBox.open(stored.secretSealed, webhookSecretContext('another'))).toBeUndefined();

    const file = new URL(server.config.database.url.replace(/^sqlite:/, 'file://')).pathname;
    const bytes = [file, `${file}-wal`].filter(existsSync).map((path) => readFileSync(path).toString('latin1'));
    expect(bytes.join('')).toContain(subscription.url);
    expect(bytes.join('')).not.toContain(secret.slice(6));
  });

  it('logs a failure to queue deliveries and keeps the event and the person’s request', async () => {
    const log = capturedLog();
    const server = await startTestServer({ logger: log.logger });
    cleanups.push(() => server.close());
    const receiver = await startReceiver(server.clock);
    cleanups.push(receiver.close);
    await subscribe(server, receiver, ['factor.added']);
    const database = await openDatabase(server.config.database.url);
    await sql`drop table webhook_deliveries`.execute(database.db);
    await database.close();

    const ada = new TestBrowser(server.app);
    const { factorId } = await signUpWithTotp(server, ada, 'ada@example.com');
    const adaId = (await server.deps.store.users.findByEmail('ada@example.com'))!.id;
    expect((await server.deps.store.factors.listForUser(adaId)).map((factor) => factor.id)).toEqual([factorId]);
    expect((await server.deps.store.events.listForUser(adaId, 10)).map((event) => event.type)).toContain('factor_added');
    expect(log.lines()).toContainEqual(
      expect.objectContaining({ msg: 'webhook deliveries could not be queued; the event is recorded', event: 'factor_added' }),
    );
  });
});

describe('the admin console’s webhooks', () => {
  /** The instance administrator, signed in with an authenticator app and through the console's step-up. */
  async function signedInRoot(server: TestServer) {
    const root = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, root, 'root@example.com');
    await confirmAdmin(server, root, secret);
    return root;
  }

  /** Posts a form of the page with repeated fields, as a browser sends ticked checkboxes. */
  async function submit(browser: TestBrowser, action: string, fields: [string, string][]) {
    const page = await browser.get('/admin/webhooks');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    return browser.request({
      method: 'POST',
      url: action,
      payload: new URLSearchParams([['_csrf', token], ...fields]).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  const secretOn = (page: string) => /data-testid="webhook-secret">([^<]+)</.exec(page)?.[1];

  it('adds a webhook for an organization with its secret shown once, shows its deliveries, disables and removes it', async () => {
    const { server, receiver } = await started(testConfig({ admin: { emails: ['root@example.com'] } }));
    const root = await signedInRoot(server);
    const acme = await createOrganization(server.deps, { name: 'Acme' });
    expect((await root.get('/admin')).body).toContain('<a href="/admin/webhooks">Webhooks</a>');

    const added = await submit(root, '/admin/webhooks', [
      ['url', receiver.url()],
      ['org', acme.id],
      ['events', 'factor.added'],
      ['events', 'mfa.reset'],
    ]);
    expect(added.statusCode).toBe(200);
    const secret = secretOn(added.body)!;
    expect(secret).toMatch(/^whsec_/);
    expect(added.body).toContain('copy it now, it will not be shown again');
    const [subscription] = await server.deps.store.webhookSubscriptions.list();
    expect(subscription).toMatchObject({ url: receiver.url(), orgId: acme.id, eventTypes: ['factor.added', 'mfa.reset'] });

    const page = (await root.get('/admin/webhooks')).body;
    expect(page).toContain(`<code>${receiver.url()}</code>`);
    expect(page).toContain('Members of Acme');
    expect(page).not.toContain(secret);

    receiver.secrets.push(secret);
    const ada = new TestBrowser(server.app);
    await ada.postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
    const adaId = (await server.deps.store.users.findByEmail('ada@example.com'))!.id;
    await putMember(server.deps, { orgId: acme.id, userId: adaId, role: 'member' });
    const enrollment = (await ada.postJson('/api/v1/factors/totp', { password })).json() as {
      secret: string;
      enrollmentToken: string;
    };
    const confirmed = await ada.postJson('/api/v1/factors/totp/confirm', {
      enrollmentToken: enrollment.enrollmentToken,
      code: totpAt(enrollment.secret, server.clock.now()),
    });
    expect(confirmed.statusCode).toBe(201);
    await server.deliverWebhooks();
    const log = (await root.get(`/admin/webhooks/${subscription!.id}`)).body;
    expect(log).toContain('<code>factor.added</code>');
    expect(log).toContain('Delivered');
    expect(log).toContain('<td>204</td>');

    const disabled = await submit(root, '/admin/webhooks/disable', [['id', subscription!.id]]);
    expect(disabled.body).toContain('The webhook was disabled');
    expect((await server.deps.store.webhookSubscriptions.findById(subscription!.id))?.disabledAt).toBe(server.clock.now());
    const removed = await submit(root, '/admin/webhooks/remove', [['id', subscription!.id]]);
    expect(removed.body).toContain('The webhook was removed');
    expect(await server.deps.store.webhookSubscriptions.list()).toEqual([]);
    expect((await root.get(`/admin/webhooks/${subscription!.id}`)).statusCode).toBe(404);
  });

  it('shows the page again with a 400 saying why for a URL that is not https, no event or an unknown one, adding nothing', async () => {
    const { server } = await started(testConfig({ admin: { emails: ['root@example.com'] } }));
    const root = await signedInRoot(server);
    const refused = [
      {
        fields: [
          ['url', 'http://hooks.example.com/in'],
          ['events', 'factor.added'],
        ],
        says: 'must be https',
      },
      { fields: [['url', 'https://hooks.example.com/in']], says: 'Choose at least one event' },
      {
        fields: [
          ['url', 'https://hooks.example.com/in'],
          ['events', 'factor.renamed'],
        ],
        says: 'Unknown event factor.renamed',
      },
      {
        fields: [
          ['url', 'https://hooks.example.com/in'],
          ['org', 'no-such-org'],
          ['events', 'factor.added'],
        ],
        says: 'no such organization',
        status: 404,
      },
    ] as const;
    for (const { fields, says, ...rest } of refused) {
      const response = await submit(
        root,
        '/admin/webhooks',
        fields.map(([name, value]) => [name, value]),
      );
      expect(response.statusCode, says).toBe('status' in rest ? rest.status : 400);
      expect(response.body).toContain(says);
      expect(response.body, 'the form as typed').toContain(`value="${fields[0][1]}"`);
      expect(response.body).not.toContain('data-testid="webhook-secret"');
    }
    expect(await server.deps.store.webhookSubscriptions.list()).toEqual([]);
    expect((await submit(root, '/admin/webhooks/remove', [['id', 'nothing']])).statusCode).toBe(404);
  });

  it('is not found for an organization’s admin, who administers only its members', async () => {
    const { server } = await started();
    const acme = await createOrganization(server.deps, { name: 'Acme' });
    const owner = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, owner, 'owner@example.com');
    await putMember(server.deps, {
      orgId: acme.id,
      userId: (await server.deps.store.users.findByEmail('owner@example.com'))!.id,
      role: 'owner',
    });
    await confirmAdmin(server, owner, secret);
    expect((await owner.get('/admin')).statusCode).toBe(200);
    expect((await owner.get('/admin')).body).not.toContain('/admin/webhooks');
    expect((await owner.get('/admin/webhooks')).statusCode).toBe(404);
  });
});
