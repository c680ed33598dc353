import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type TesseraConfig } from '../../src/config.js';
import { createOrganization, optionalPolicy, putMember } from '../../src/core/flows/organizations.js';
import { createApiKey, revokeApiKey } from '../../src/core/flows/api-keys.js';
import type { ApiScope } from '../../src/core/api-scopes.js';
import { createServer } from '../../src/server.js';
import { openDatabase } from '../../src/store/open-database.js';
import { TestBrowser } from '../support/http-client.js';
import { confirmAdmin, latestVerificationLink, password, signUpWithTotp, totpAt } from '../support/mfa.js';
import { startTestServer, TestClock, testConfig, type TestServer } from '../support/test-server.js';

const staticKey = { id: 'shop', secret: 's'.repeat(40) };
const cli = { userId: null, ip: 'cli' };

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(
  config: TesseraConfig = testConfig({ admin: { emails: ['root@example.com'] }, hostApi: { keys: [staticKey] } }),
) {
  const server = await startTestServer({ config });
  servers.push(server);
  return server;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const registerPhone = (server: TestServer, token: string) =>
  server.app.inject({
    method: 'POST',
    url: '/api/v1/host/phone-numbers',
    payload: { email: 'ada@example.com', number: '+447400123456' },
    headers: bearer(token),
  });

const consume = (server: TestServer, token: string, grant: string) =>
  server.app.inject({ method: 'POST', url: '/api/v1/grants/consume', payload: { grant }, headers: bearer(token) });

/** Ada, with a confirmed address (so the host can register her phone) and no method yet. */
async function ada(server: TestServer) {
  const browser = new TestBrowser(server.app);
  await browser.postJson('/api/v1/sign-up', { email: 'ada@example.com', password });
  await browser.postJson('/api/v1/email/verify', await latestVerificationLink(server, 'ada@example.com'));
  return browser;
}

const factorsOf = async (browser: TestBrowser) => (await browser.get('/api/v1/factors')).json().factors as unknown[];

/** A single-use grant for a withdrawal, approved by a person with an authenticator app. */
async function grantFor(server: TestServer, browser: TestBrowser, secret: string) {
  const { stepUpId } = (await browser.postJson('/api/v1/step-up', { action: 'funds.withdraw', details: 'Withdraw £10' })).json();
  server.clock.advance(30_000);
  const approved = await browser.postJson('/api/v1/step-up/verify', { stepUpId, code: totpAt(secret, server.clock.now()) });
  return approved.json().grant as string;
}

const keyWith = async (server: TestServer, ...scopes: ApiScope[]) =>
  createApiKey(server.deps, { name: `Key for ${scopes.join(' and ')}`, scopes, by: cli });

/** The instance administrator, signed in with an authenticator app and through the console's step-up. */
async function signedInRoot(server: TestServer) {
  const root = new TestBrowser(server.app);
  const { secret } = await signUpWithTotp(server, root, 'root@example.com');
  await confirmAdmin(server, root, secret);
  return { root, secret };
}

/** Posts the create form of the API keys page as a browser does, one pair per field (scopes repeat). */
async function submitCreate(browser: TestBrowser, fields: [string, string][]) {
  const page = await browser.get('/admin/api-keys');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  if (!csrf) throw new Error(`no CSRF token on /admin/api-keys (status ${page.statusCode})`);
  return browser.request({
    method: 'POST',
    url: '/admin/api-keys',
    payload: new URLSearchParams([['_csrf', csrf], ...fields]).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

const tokenOn = (page: string) => /data-testid="api-key-token">([^<]+)</.exec(page)?.[1];

describe('API keys', () => {
  it('lets a created key call the routes of its scope, and refuses another scope with a 403 naming it, changing nothing', async () => {
    const server = await start();
    const browser = await ada(server);
    const phones = await keyWith(server, 'phone_numbers');
    const grants = await keyWith(server, 'grants', 'people');
    expect(phones.token).toMatch(/^key_[\w-]{22}\.[\w-]{43}$/);

    const refused = await registerPhone(server, grants.token);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({
      error: {
        code: 'ERR_SCOPE_REQUIRED',
        message:
          'This API key does not have the scope phone_numbers: create a key with it (admin console or tessera api-key create).',
      },
    });
    expect(await factorsOf(browser)).toEqual([]);
    expect(await server.deps.store.apiKeys.findActive(grants.key.id)).toMatchObject({ lastUsedAt: null });

    const registered = await registerPhone(server, phones.token);
    expect(registered.statusCode).toBe(201);
    expect(await factorsOf(browser)).toHaveLength(1);
    expect(await server.deps.store.apiKeys.findActive(phones.key.id)).toMatchObject({ lastUsedAt: server.clock.now() });
    expect((await consume(server, phones.token, 'not-a-grant')).statusCode).toBe(403);
  });

  it('refuses a revoked key with a 401, like a wrong secret or an unknown id, and records the revocation once', async () => {
    const server = await start();
    const browser = await ada(server);
    const { key, token } = await keyWith(server, 'phone_numbers');
    const [id] = token.split('.');
    expect((await registerPhone(server, `${id}.${randomBytes(32).toString('base64url')}`)).statusCode).toBe(401);
    expect((await registerPhone(server, `key_unknown.${token.split('.')[1]}`)).statusCode).toBe(401);

    expect(await revokeApiKey(server.deps, { id: key.id, by: cli })).toMatchObject({ alreadyRevoked: false });
    expect(await revokeApiKey(server.deps, { id: key.id, by: cli })).toMatchObject({ alreadyRevoked: true });
    const revoked = await registerPhone(server, token);
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().error.code).toBe('ERR_UNAUTHENTICATED');
    expect(await factorsOf(browser)).toEqual([]);
    const events = await server.deps.store.events.search({ type: 'api_key_revoked' }, 10);
    expect(events).toEqual([
      expect.objectContaining({ userId: null, ip: 'cli', detail: { keyId: key.id, name: key.name, scopes: ['phone_numbers'] } }),
    ]);
  });

  it('stores only a keyed hash of the secret, which a copy of the database without the server key cannot use', async () => {
    const config = testConfig({ hostApi: { keys: [staticKey] } });
    const server = await start(config);
    await ada(server);
    const { key, token } = await keyWith(server, 'phone_numbers');
    const secret = token.split('.')[1]!;

    const database = await openDatabase(config.database.url);
    const row = await database.db.selectFrom('api_keys').selectAll().where('id', '=', key.id).executeTakeFirstOrThrow();
    await database.close();
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(row.secret_hash).toMatch(/^test1:[\w-]{43}$/);
    expect(row.scopes).toBe('["phone_numbers"]');
    await servers.pop()!.close();

    const otherKey = { id: 'test1', secret: randomBytes(32).toString('base64') };
    const copy = await start({ ...config, secrets: { keys: [otherKey] } });
    expect((await registerPhone(copy, token)).statusCode).toBe(401);
  });

  it('keeps a key working while the server keys rotate, hashing it again under the new key at its next use', async () => {
    const serverKey = (id: string) => ({ id, secret: randomBytes(32).toString('base64') });
    const [k1, k2] = [serverKey('k1'), serverKey('k2')];
    const base = testConfig();
    const clock = new TestClock();
    const restart = async (keys: ReturnType<typeof serverKey>[]) => {
      await servers.pop()?.close();
      const server = await startTestServer({ config: { ...base, secrets: { keys } }, clock });
      servers.push(server);
      return server;
    };
    const first = await restart([k1]);
    await ada(first);
    const { key, token } = await keyWith(first, 'phone_numbers', 'grants');

    const both = await restart([k2, k1]);
    expect((await both.deps.store.keys.keyIdsInUse(['k2', 'k1']))['API keys']).toEqual({ k2: 0, k1: 1 });
    expect((await registerPhone(both, token)).statusCode).toBe(201);
    expect((await both.deps.store.apiKeys.findActive(key.id))?.secretHash).toMatch(/^k2:/);

    const onlyNew = await restart([k2]);
    expect((await consume(onlyNew, token, 'not-a-grant')).json().error.code).toBe('ERR_GRANT_INVALID');
  });

  it('answers parallel calls with one key, spending a single-use grant once, and writes its last use once a minute at most', async () => {
    const server = await start();
    const person = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, person, 'bo@example.com');
    const grant = await grantFor(server, person, secret);
    const { key, token } = await keyWith(server, 'grants');

    const answers = await Promise.all(Array.from({ length: 8 }, () => consume(server, token, grant)));
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
    const firstUse = server.clock.now();
    expect((await server.deps.store.apiKeys.findActive(key.id))?.lastUsedAt).toBe(firstUse);

    server.clock.advance(59_000);
    await consume(server, token, grant);
    expect((await server.deps.store.apiKeys.findActive(key.id))?.lastUsedAt).toBe(firstUse);
    server.clock.advance(1_000);
    await consume(server, token, grant);
    expect((await server.deps.store.apiKeys.findActive(key.id))?.lastUsedAt).toBe(firstUse + 60_000);
  });

  it('still accepts a static key from the configuration for every scope', async () => {
    const server = await start();
    const browser = await ada(server);
    const token = `${staticKey.id}.${staticKey.secret}`;
    expect((await registerPhone(server, token)).statusCode).toBe(201);
    expect(await factorsOf(browser)).toHaveLength(1);

    const person = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, person, 'bo@example.com');
    const consumed = await consume(server, token, await grantFor(server, person, secret));
    expect(consumed.statusCode).toBe(200);
    expect(consumed.json()).toMatchObject({ act: 'funds.withdraw', su: true });
    expect((await consume(server, `${staticKey.id}.${'x'.repeat(40)}`, 'a-grant')).statusCode).toBe(401);
  });

  it('shows a key created in the admin console once, lists it without its secret, and revokes it there', async () => {
    const server = await start();
    const { root } = await signedInRoot(server);
    expect((await root.get('/admin')).body).toContain('<a href="/admin/api-keys">API keys</a>');

    const created = await submitCreate(root, [
      ['name', 'Billing service'],
      ['scope', 'grants'],
      ['scope', 'people'],
    ]);
    expect(created.statusCode).toBe(200);
    expect(created.body).toContain('copy it now, it will not be shown again');
    const token = tokenOn(created.body)!;
    const [id, secret] = token.split('.') as [string, string];
    expect(id).toMatch(/^key_/);
    expect(secret).toMatch(/^[\w-]{43}$/);

    const person = new TestBrowser(server.app);
    const { secret: totp } = await signUpWithTotp(server, person, 'bo@example.com');
    expect((await consume(server, token, await grantFor(server, person, totp))).statusCode).toBe(200);

    const page = (await root.get('/admin/api-keys')).body;
    expect(page).toContain('<td>Billing service</td>');
    expect(page).toContain(`<code>${id}</code>`);
    expect(page).toContain('<td><div><code>people</code></div><div><code>grants</code></div></td>');
    expect(page).toContain('22 Nov 2026');
    expect(page).toMatch(/<td>shop<\/td>\s*<td><code>shop<\/code><\/td>\s*<td>Every scope<\/td>/);
    expect(page).not.toContain(secret);
    expect(page).not.toContain('data-testid="api-key-token"');
    expect(page).toContain(`aria-label="Revoke Billing service (${id})"`);

    const revoked = await root.submitForm('/admin/api-keys', '/admin/api-keys/revoke', { id });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.body).toContain('Billing service was revoked: its next request is refused.');
    expect(revoked.body).not.toContain(`aria-label="Revoke Billing service (${id})"`);
    expect((await consume(server, token, 'a-grant')).statusCode).toBe(401);

    const rootId = (await server.deps.store.users.findByEmail('root@example.com'))!.id;
    const events = await server.deps.store.events.search({ userIds: [rootId] }, 20);
    expect(events.filter((event) => event.type.startsWith('api_key_'))).toEqual([
      expect.objectContaining({
        type: 'api_key_revoked',
        userId: rootId,
        detail: { keyId: id, name: 'Billing service', scopes: ['people', 'grants'] },
      }),
      expect.objectContaining({
        type: 'api_key_created',
        userId: rootId,
        detail: { keyId: id, name: 'Billing service', scopes: ['people', 'grants'] },
      }),
    ]);
  });

  it('refuses a key without a name, without scopes or with an unknown scope with a 400 saying why, creating nothing', async () => {
    const server = await start();
    const { root } = await signedInRoot(server);

    const noName = await submitCreate(root, [
      ['name', '  '],
      ['scope', 'webhooks'],
    ]);
    expect(noName.statusCode).toBe(400);
    expect(noName.body).toContain('Give the key a name of 1-60 characters');
    expect(noName.body).toMatch(/value="webhooks" checked/);
    const noScope = await submitCreate(root, [['name', 'Billing service']]);
    expect(noScope.statusCode).toBe(400);
    expect(noScope.body).toContain('Choose at least one scope');
    expect(noScope.body).toContain('value="Billing service"');
    const unknown = await submitCreate(root, [
      ['name', 'Billing service'],
      ['scope', 'everything'],
    ]);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toContain('There is no scope &quot;everything&quot;');
    for (const refused of [noName, noScope, unknown]) expect(refused.body).not.toContain('data-testid="api-key-token"');
    expect(await server.deps.store.apiKeys.list()).toEqual([]);

    const missing = await root.submitForm('/admin/api-keys', '/admin/api-keys/revoke', { id: 'key_nothing' });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain('There is no API key key_nothing.');
  });

  it('is not found for an organization admin, who creates and revokes nothing', async () => {
    const server = await start();
    const owner = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, owner, 'owner@acme.example');
    const acme = await createOrganization(server.deps, { name: 'Acme', policy: optionalPolicy });
    await putMember(server.deps, {
      orgId: acme.id,
      userId: (await server.deps.store.users.findByEmail('owner@acme.example'))!.id,
      role: 'owner',
    });
    await confirmAdmin(server, owner, secret);
    const { key } = await keyWith(server, 'grants');

    expect((await owner.get('/admin')).body).not.toContain('/admin/api-keys');
    expect((await owner.get('/admin/api-keys')).statusCode).toBe(404);
    const created = await owner.submitForm('/admin', '/admin/api-keys', { name: 'Sneaky', scope: 'people' });
    expect(created.statusCode).toBe(404);
    const revoked = await owner.submitForm('/admin', '/admin/api-keys/revoke', { id: key.id });
    expect(revoked.statusCode).toBe(404);
    expect((await server.deps.store.apiKeys.list()).map(({ name, revokedAt }) => ({ name, revokedAt }))).toEqual([
      { name: key.name, revokedAt: null },
    ]);
  });

  it('creates, lists and revokes keys from the command line, printing the token once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
    const env = { ...process.env, TESSERA_DATA_DIR: dataDir, TESSERA_DATABASE_URL: `sqlite:${join(dataDir, 'tessera.db')}` };
    const tessera = async (...args: string[]) =>
      (await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env })).stdout;

    const created = JSON.parse(
      await tessera('api-key', 'create', '--name', 'Billing service', '--scope', 'people', '--scope', 'prompt', '--json'),
    );
    expect(created).toMatchObject({
      id: expect.stringMatching(/^key_/),
      name: 'Billing service',
      scopes: ['people', 'prompt'],
      token: expect.stringMatching(/^key_[\w-]{22}\.[\w-]{43}$/),
    });
    const printed = await tessera('api-key', 'create', '--name', 'Grants', '--scope', 'grants');
    expect(printed).toMatch(
      /^Created Grants \(key_[\w-]{22}\) with the scopes grants\.\nIts token, shown this once: key_[\w-]{22}\.[\w-]{43}\n$/,
    );
    const grantsToken = /shown this once: (\S+)/.exec(printed)![1]!;
    await expect(tessera('api-key', 'create', '--name', 'Bad', '--scope', 'everything')).rejects.toThrow(
      /There is no scope "everything"/,
    );

    const listed = await tessera('api-key', 'list');
    expect(listed).toContain(`${created.id}\tBilling service\tpeople,prompt\tlast used -\tactive\n`);
    expect(listed).not.toContain(created.token.split('.')[1]);
    expect(listed).not.toContain(grantsToken.split('.')[1]);
    expect(await tessera('api-key', 'revoke', '--id', created.id)).toBe(`Revoked ${created.id} (Billing service).\n`);
    expect(await tessera('api-key', 'revoke', '--id', created.id)).toBe(`${created.id} was already revoked.\n`);
    const keys = JSON.parse(await tessera('api-key', 'list', '--json')) as Record<string, unknown>[];
    expect(keys.map((key) => key.name)).toEqual(['Grants', 'Billing service']);
    expect(keys[1]).toMatchObject({ id: created.id, revokedAt: expect.any(Number), createdBy: 'cli' });
    expect(JSON.stringify(keys)).not.toMatch(/secretHash|secret_hash/);
    expect(await tessera('help')).toContain('api-key create --name NAME --scope S');

    const server = await createServer(loadConfig({ env }), { warn: () => undefined, manualSweeps: true });
    try {
      const withToken = (token: string) =>
        server.app.inject({
          method: 'POST',
          url: '/api/v1/grants/consume',
          payload: { grant: 'a-grant' },
          headers: bearer(token),
        });
      expect((await withToken(grantsToken)).json().error.code).toBe('ERR_GRANT_INVALID');
      expect((await withToken(created.token)).statusCode).toBe(401);
    } finally {
      await server.close();
    }
  }, 60_000);
});
