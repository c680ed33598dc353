import { randomBytes } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type { TesseraConfig } from '../../src/config.js';
import { clientSecretContext, registerOidcClient } from '../../src/core/flows/oidc-clients.js';
import { resealSecrets } from '../../src/core/flows/reseal-secrets.js';
import { addWebhook, webhookSecretContext } from '../../src/core/flows/webhook-subscriptions.js';
import { databaseKinds } from '../support/databases.js';
import { TestBrowser } from '../support/http-client.js';
import { reachChallenge, signUpWithTotp, totpAt } from '../support/mfa.js';
import { freshPostgresSchema, startTestServer, TestClock, testConfig, type TestServer } from '../support/test-server.js';

const key = (id: string) => ({ id, secret: randomBytes(32).toString('base64') });
const hostKey = { id: 'shop', secret: 'k'.repeat(40) };

describe.each(databaseKinds)('rotating the server keys on %s', (database) => {
  const servers: TestServer[] = [];
  const drops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
    await Promise.all(drops.splice(0).map((drop) => drop()));
  });

  /** One database, started again and again with other keys, as an operator restarts instances. */
  async function installation() {
    const base = testConfig({ hostApi: { keys: [hostKey] } }, database);
    const postgres = database === 'postgres' ? await freshPostgresSchema() : undefined;
    if (postgres) drops.push(postgres.drop);
    const clock = new TestClock();
    return async (keys: ReturnType<typeof key>[]) => {
      const config: TesseraConfig = { ...base, secrets: { keys } };
      const server = await startTestServer({ database, config, clock, databaseSchema: postgres?.schema });
      servers.push(server);
      return server;
    };
  }

  const grantFor = async (server: TestServer, browser: TestBrowser, secret: string) => {
    const { stepUpId } = (
      await browser.postJson('/api/v1/step-up', { action: 'funds.withdraw', details: 'Withdraw £10' })
    ).json();
    server.clock.advance(30_000);
    const approved = await browser.postJson('/api/v1/step-up/verify', { stepUpId, code: totpAt(secret, server.clock.now()) });
    return approved.json().grant as string;
  };
  const consume = (server: TestServer, grant: string) =>
    server.app.inject({
      method: 'POST',
      url: '/api/v1/grants/consume',
      payload: { grant },
      headers: { authorization: `Bearer ${hostKey.id}.${hostKey.secret}` },
    });

  it('reseals every secret under the new key while old sessions and grants keep working, then lets the old key go', async () => {
    const start = await installation();
    const [k1, k2] = [key('k1'), key('k2')];
    const first = await start([k1]);
    const ada = new TestBrowser(first.app);
    const { secret } = await signUpWithTotp(first, ada, 'ada@example.com');
    const oldGrant = await grantFor(first, ada, secret);
    const { clientSecret } = await registerOidcClient(first.deps, {
      clientId: 'coaching',
      redirectUris: ['https://app.example.com/callback'],
      confidential: true,
      production: false,
    });
    const webhook = await addWebhook(first.deps, {
      url: 'https://hooks.example.com/tessera',
      eventTypes: ['factor.added'],
      orgId: null,
      production: false,
    });
    await first.close();
    servers.splice(0);

    const both = await start([k2, k1]);
    ada.app = both.app;
    expect(await both.deps.store.keys.keyIdsInUse(['k2', 'k1'])).toMatchObject({
      'factor secrets': { k2: 0, k1: 1 },
      'signing keys': { k2: 0, k1: 1 },
      'webhook secrets': { k2: 0, k1: 1 },
      sessions: { k2: 0, k1: 1 },
      'unused recovery codes': { k2: 0, k1: 10 },
    });
    expect((await ada.get('/api/v1/me')).statusCode).toBe(200);
    expect((await both.deps.store.keys.keyIdsInUse(['k2', 'k1'])).sessions).toEqual({ k2: 1, k1: 0 });

    const batches: number[] = [];
    const totals = await resealSecrets(both.deps, { batchSize: 1, onBatch: (progress) => batches.push(progress.seen) });
    expect(totals).toEqual([
      { kind: 'factor', seen: 1, resealed: 1, unreadable: 0 },
      { kind: 'signing_key', seen: 1, resealed: 1, unreadable: 0 },
      { kind: 'oidc_client', seen: 1, resealed: 1, unreadable: 0 },
      { kind: 'webhook', seen: 1, resealed: 1, unreadable: 0 },
    ]);
    expect(batches).toEqual([1, 1, 1, 1]);
    expect((await resealSecrets(both.deps)).map((total) => total.resealed)).toEqual([0, 0, 0, 0]);
    expect((await consume(both, oldGrant)).statusCode).toBe(200);

    const kid = await both.deps.grants.rotate();
    expect((await both.deps.grants.jwks()).keys.map((jwk) => jwk.kid)).toHaveLength(2);
    const newGrant = await grantFor(both, ada, secret);
    expect(decodeProtectedHeader(newGrant).kid).toBe(kid);
    await both.close();
    servers.splice(0);

    const onlyNew = await start([k2]);
    const [registered] = await onlyNew.deps.store.oidcPayloads.list('Client', onlyNew.clock.now());
    const sealed = (JSON.parse(registered!.payload) as { client_secret_sealed: string }).client_secret_sealed;
    expect(onlyNew.deps.secretBox.open(sealed, clientSecretContext('coaching'))).toBe(clientSecret);
    const [subscription] = await onlyNew.deps.store.webhookSubscriptions.list();
    expect(onlyNew.deps.secretBox.open(subscription!.secretSealed, webhookSecretContext(webhook.subscription.id))).toBe(
      webhook.secret,
    );
    ada.app = onlyNew.app;
    expect((await ada.get('/api/v1/me')).statusCode).toBe(200);
    expect((await consume(onlyNew, newGrant)).statusCode).toBe(200);
    await reachChallenge(ada, 'ada@example.com');
    onlyNew.clock.advance(30_000);
    const signedIn = await ada.postJson('/api/v1/sign-in/second-factor', { code: totpAt(secret, onlyNew.clock.now()) });
    expect(signedIn.json()).toMatchObject({ status: 'signed_in' });
  });

  it('has another instance verify, at once, a grant signed with a key made by rotating on the first', async () => {
    const start = await installation();
    const shared = [key('k1')];
    const [one, two] = [await start(shared), await start(shared)];
    const ada = new TestBrowser(one.app);
    const { secret } = await signUpWithTotp(one, ada, 'ada@example.com');
    expect((await consume(two, await grantFor(one, ada, secret))).statusCode).toBe(200);
    await one.deps.grants.rotate();
    const rotated = await grantFor(one, ada, secret);
    expect((await consume(two, rotated)).statusCode).toBe(200);
    expect((await two.deps.grants.jwks()).keys).toHaveLength(2);
  });
});
