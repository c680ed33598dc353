import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds, rateLimitStores } from '../support/databases.js';
import { HttpBrowser } from '../support/http-browser.js';
import { type Instance, startInstance } from '../support/instances.js';
import { freePort } from '../support/live-server.js';
import { password } from '../support/mfa.js';
import { postgresUrl, redisUrl } from '../support/services.js';

const publicUrl = 'http://localhost:4990';
const hostKey = `shop.${'k'.repeat(40)}`;
const available = databaseKinds.includes('postgres') && rateLimitStores.includes('redis');

/** The code the authenticator app shows `steps` time steps from now. */
const codeAt = (secret: string, steps: number) =>
  TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + steps * 30_000 });

describe.skipIf(!available)('two instances on one PostgreSQL and one Redis', () => {
  const database = `tessera_two_${randomBytes(4).toString('hex')}`;
  let a: Instance;
  let b: Instance;
  const admin = () => new pg.Client({ connectionString: postgresUrl });

  beforeAll(async () => {
    const client = admin();
    await client.connect();
    await client.query(`create database ${database}`);
    await client.end();
    const env = {
      TESSERA_DATABASE_URL: `${postgresUrl.replace(/\/[^/]*$/, '')}/${database}`,
      TESSERA_REDIS_URL: redisUrl,
      TESSERA_SERVER_PUBLIC_URL: publicUrl,
      TESSERA_SECRETS_KEYS: `two1:${randomBytes(32).toString('base64')}`,
      TESSERA_HOST_API_KEYS: hostKey.replace('.', ':'),
      TESSERA_DATA_DIR: `/tmp/${database}`,
      TESSERA_THROTTLING_IP_ATTEMPTS: '1000000',
      TESSERA_LOCKOUT_MAX_FAILURES: '60',
    };
    // The first migrates the new database; the second finds it up to date.
    a = await startInstance(await freePort(), env);
    b = await startInstance(await freePort(), env);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    const client = admin();
    await client.connect();
    await client.query(`drop database if exists ${database} with (force)`);
    await client.end();
  });

  /** Signs a new account up on `on`, sets up an authenticator app there, and signs out. */
  async function enrolled(email: string, on: Instance) {
    const browser = new HttpBrowser(publicUrl);
    expect((await browser.send(on, 'POST', '/api/v1/sign-up', { email, password })).status).toBe(201);
    const started = await browser.send(on, 'POST', '/api/v1/factors/totp', { password });
    const secret = started.body.secret as string;
    const confirmed = await browser.send(on, 'POST', '/api/v1/factors/totp/confirm', {
      enrollmentToken: started.body.enrollmentToken,
      code: codeAt(secret, 0),
    });
    expect(confirmed.status).toBe(201);
    await browser.send(on, 'POST', '/api/v1/sign-out');
    return { secret, recoveryCodes: confirmed.body.recoveryCodes as string[] };
  }

  async function pendingOn(instance: Instance, email: string) {
    const browser = new HttpBrowser(publicUrl);
    const started = await browser.send(instance, 'POST', '/api/v1/sign-in', { email, password });
    expect(started.body.status, JSON.stringify(started)).toBe('second_factor_required');
    return browser;
  }

  it('completes on one a sign-in started on the other, and refuses there the code the first accepted', async () => {
    const { secret } = await enrolled('ada@example.com', a);
    const laptop = await pendingOn(a, 'ada@example.com');
    const stranger = await pendingOn(b, 'ada@example.com');
    const code = codeAt(secret, 1);
    expect((await laptop.send(b, 'POST', '/api/v1/sign-in/second-factor', { code })).body.status).toBe('signed_in');
    expect((await stranger.send(a, 'POST', '/api/v1/sign-in/second-factor', { code })).status).toBe(401);
  });

  it('lets exactly one of 50 parallel submissions of one recovery code, split across both, succeed', async () => {
    const { recoveryCodes } = await enrolled('bo@example.com', b);
    // One after another: parallel passwords for one account are throttled, by design.
    const browsers: HttpBrowser[] = [];
    for (let index = 0; index < 50; index++) browsers.push(await pendingOn(index % 2 ? a : b, 'bo@example.com'));
    const answers = await Promise.all(
      browsers.map((browser, index) =>
        browser.send(index % 2 ? b : a, 'POST', '/api/v1/sign-in/second-factor', { recoveryCode: recoveryCodes[0] }),
      ),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 401)).toHaveLength(49);
  });

  it('spends a single-use grant once when both are asked to at the same time', async () => {
    const { recoveryCodes } = await enrolled('cy@example.com', a);
    const browser = await pendingOn(a, 'cy@example.com');
    await browser.send(b, 'POST', '/api/v1/sign-in/second-factor', { recoveryCode: recoveryCodes[0] });
    const asked = await browser.send(a, 'POST', '/api/v1/step-up', { action: 'funds.withdraw', details: 'Withdraw £250.00' });
    const approved = await browser.send(b, 'POST', '/api/v1/step-up/verify', {
      stepUpId: asked.body.stepUpId,
      recoveryCode: recoveryCodes[1],
    });
    const host = new HttpBrowser(publicUrl);
    const spends = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        host.send(
          index % 2 ? a : b,
          'POST',
          '/api/v1/grants/consume',
          { grant: approved.body.grant },
          { authorization: `Bearer ${hostKey}` },
        ),
      ),
    );
    expect(spends.filter((spend) => spend.status === 200)).toHaveLength(1);
    expect(spends.filter((spend) => spend.status === 409)).toHaveLength(19);
  });

  it('counts wrong codes made on both towards one lockout', async () => {
    await enrolled('dee@example.com', b);
    const browser = await pendingOn(a, 'dee@example.com');
    for (let attempt = 1; attempt <= 60; attempt++) {
      const answer = await browser.send(attempt % 2 ? a : b, 'POST', '/api/v1/sign-in/second-factor', { code: '000000' });
      expect(answer.status).toBe(attempt < 60 ? 401 : 423);
    }
    expect((await browser.send(a, 'POST', '/api/v1/sign-in/second-factor', { code: '000000' })).status).toBe(423);
    expect((await browser.send(b, 'POST', '/api/v1/sign-in/second-factor', { code: '000000' })).status).toBe(423);
  });

  it('refuses on one, at once, a session the other revoked', async () => {
    const { recoveryCodes } = await enrolled('eve@example.com', a);
    const [phone, laptop] = [await pendingOn(a, 'eve@example.com'), await pendingOn(b, 'eve@example.com')];
    await phone.send(a, 'POST', '/api/v1/sign-in/second-factor', { recoveryCode: recoveryCodes[0] });
    await laptop.send(b, 'POST', '/api/v1/sign-in/second-factor', { recoveryCode: recoveryCodes[1] });
    expect((await laptop.send(a, 'GET', '/api/v1/me')).status).toBe(200);
    const { sessions } = (await phone.send(a, 'GET', '/api/v1/sessions')).body as {
      sessions: { id: string; current: boolean }[];
    };
    const other = sessions.find((session) => !session.current)!;
    expect((await phone.send(a, 'DELETE', `/api/v1/sessions/${other.id}`)).status).toBe(200);
    expect((await laptop.send(b, 'GET', '/api/v1/me')).status).toBe(401);
  });
});
