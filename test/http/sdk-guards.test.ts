import { acrValues, createTessera, type Identity, wwwAuthenticate } from '@tessera/sdk';
import { tesseraExpress } from '@tessera/sdk/express';
import { tesseraFastify } from '@tessera/sdk/fastify';
import express from 'express';
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acrValues as providerAcrValues } from '../../src/oidc/assurance.js';
import { HttpBrowser } from '../support/http-browser.js';
import { freePort, startLiveServer } from '../support/live-server.js';
import { password } from '../support/mfa.js';
import { accountWithTotp } from '../support/oidc.js';

const clientSecret = 'k'.repeat(40);
const hostKey = { id: 'app', secret: 'h'.repeat(40) };
const withdrawal = 'Withdraw £250.00 to account ••••1234';

describe('the SDK’s guards for Fastify and Express', () => {
  let server: Awaited<ReturnType<typeof startLiveServer>>;
  let appUrl: string;
  let tessera: ReturnType<typeof createTessera>;
  let recoveryCodes: string[];
  let browser: HttpBrowser;
  let identity: Identity;
  const closers: (() => unknown)[] = [];

  beforeAll(async () => {
    appUrl = `http://127.0.0.1:${await freePort()}`;
    server = await startLiveServer({
      oidc: { clients: [{ clientId: 'app', clientSecret, redirectUris: [`${appUrl}/callback`] }] },
      stepUp: { returnUrls: [`${appUrl}/`] },
      hostApi: { keys: [hostKey] },
    });
    tessera = createTessera({
      url: server.url,
      clientId: 'app',
      clientSecret,
      redirectUri: `${appUrl}/callback`,
      hostApiKey: `${hostKey.id}.${hostKey.secret}`,
      allowHttp: true,
    });
    browser = new HttpBrowser(server.url);
    ({ recoveryCodes } = await accountWithTotp(browser, 'grace@example.com'));
    const { url, pending } = await tessera.startSignIn({ acrValues: ['urn:tessera:acr:mfa'] });
    await browser.fetch('/api/v1/sign-out', { json: {} });
    await browser.follow(url);
    await browser.submit('/sign-in', { email: 'grace@example.com', password });
    const back = await browser.submit('/sign-in/verify', { recoveryCode: recoveryCodes.shift()! });
    identity = await tessera.finishSignIn(back.url, pending);
  });
  afterAll(async () => {
    for (const close of closers) await close();
    await server?.close();
  });

  it('signs in over OpenID Connect and reports the level and methods from the verified ID token', () => {
    expect(identity).toMatchObject({
      email: 'grace@example.com',
      acr: 'urn:tessera:acr:mfa',
      amr: ['pwd', 'recovery_code', 'mfa'],
    });
  });

  /** The same three routes in both frameworks; the ID token comes as a bearer token. */
  async function fastifyApp() {
    const app = Fastify();
    const guards = tesseraFastify(tessera, { appUrl });
    app.get('/me', { preHandler: guards.requireSession() }, (request) => request.tessera!.identity);
    app.get('/recent', { preHandler: guards.requireSession({ maxAge: 0 }) }, () => ({ ok: true }));
    app.get('/advisor', { preHandler: guards.requireAcr('phr', 'phrh') }, () => ({ ok: true }));
    app.get('/withdraw', { preHandler: guards.requireStepUp('funds.withdraw', withdrawal) }, (request) => request.tessera!.grant);
    await app.listen({ host: '127.0.0.1', port: 0 });
    closers.push(() => app.close());
    return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  }

  async function expressApp() {
    const app = express();
    const guards = tesseraExpress(tessera, { appUrl });
    app.get('/me', guards.requireSession(), (request, response) => void response.json(request.tessera!.identity));
    app.get('/recent', guards.requireSession({ maxAge: 0 }), (_request, response) => void response.json({ ok: true }));
    app.get('/advisor', guards.requireAcr('phr', 'phrh'), (_request, response) => void response.json({ ok: true }));
    app.get(
      '/withdraw',
      guards.requireStepUp('funds.withdraw', withdrawal),
      (request, response) => void response.json(request.tessera!.grant),
    );
    const listening = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => listening.once('listening', resolve));
    closers.push(() => new Promise((resolve) => listening.close(resolve)));
    return `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
  }

  const bearer = (token = identity.idToken) => ({ headers: { authorization: `Bearer ${token}` } });

  /** A grant from Tessera's step-up for this browser's session, approved with a recovery code. */
  async function grantFor(details: string) {
    const asked = await browser.send(server, 'POST', '/api/v1/step-up', { action: 'funds.withdraw', details });
    const approved = await browser.send(server, 'POST', '/api/v1/step-up/verify', {
      stepUpId: asked.body.stepUpId,
      recoveryCode: recoveryCodes.shift()!,
    });
    expect(approved.status).toBe(200);
    return approved.body.grant as string;
  }

  describe.each([
    ['Fastify', fastifyApp],
    ['Express', expressApp],
  ])('in %s', (_framework, start) => {
    let url: string;
    beforeAll(async () => {
      url = await start();
    });

    it('lets a valid ID token through and tells the route who signed in and how', async () => {
      const response = await fetch(`${url}/me`, bearer());
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ sub: identity.sub, acr: 'urn:tessera:acr:mfa' });
    });

    it('answers a request without a token with 401 and a bare Bearer challenge', async () => {
      const response = await fetch(`${url}/me`);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    });

    it('refuses an altered ID token as invalid_token', async () => {
      const [header, payload, signature] = identity.idToken.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
      const forged = Buffer.from(JSON.stringify({ ...claims, acr: 'phrh' })).toString('base64url');
      const response = await fetch(`${url}/advisor`, bearer(`${header}.${forged}.${signature}`));
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    });

    it('asks for a phishing-resistant sign-in with the RFC 9470 challenge when the level is not met', async () => {
      const response = await fetch(`${url}/advisor`, bearer());
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        'Bearer error="insufficient_user_authentication", error_description="A stronger sign-in is required.", acr_values="phr phrh"',
      );
      expect(await response.json()).toMatchObject({ error: 'insufficient_user_authentication', acr_values: 'phr phrh' });
    });

    it('asks for a more recent sign-in with max_age when the sign-in is older than the route allows', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const response = await fetch(`${url}/recent`, bearer());
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="insufficient_user_authentication"');
      expect(response.headers.get('www-authenticate')).toContain('max_age="0"');
    });

    it('answers a protected action without a grant with the challenge and where to approve it', async () => {
      const response = await fetch(`${url}/withdraw?ref=42`, bearer());
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="insufficient_user_authentication"');
      const stepUp = new URL(((await response.json()) as { step_up_url: string }).step_up_url);
      expect(stepUp.origin + stepUp.pathname).toBe(`${server.url}/step-up`);
      expect(Object.fromEntries(stepUp.searchParams)).toEqual({
        action: 'funds.withdraw',
        details: withdrawal,
        return_to: `${appUrl}/withdraw?ref=42`,
      });
    });

    it('lets a single-use grant for exactly these details through once, and refuses it the second time', async () => {
      const grant = await grantFor(withdrawal);
      const first = await fetch(`${url}/withdraw?grant=${grant}`, bearer());
      expect(first.status).toBe(200);
      expect(await first.json()).toMatchObject({ act: 'funds.withdraw', su: true, sub: identity.sub });
      const again = await fetch(`${url}/withdraw?grant=${grant}`, bearer());
      expect(again.status).toBe(403);
      expect(again.headers.get('www-authenticate')).toMatch(
        /^Bearer error="invalid_grant", error_description="This grant was already used\."/,
      );
    });

    it('refuses a grant approved for other details, and spends nothing', async () => {
      const grant = await grantFor('Withdraw £9,999.00 to account ••••9999');
      const response = await fetch(`${url}/withdraw`, { headers: { ...bearer().headers, 'tessera-grant': grant } });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({
        error: 'invalid_grant',
        error_description: 'The approval was given for something else.',
      });
      const spent = await browser.send(
        server,
        'POST',
        '/api/v1/grants/consume',
        { grant },
        {
          authorization: `Bearer ${hostKey.id}.${hostKey.secret}`,
        },
      );
      expect(spent.status).toBe(200);
    });
  });

  it('knows the same acr values, in the same order of strength, as Tessera’s provider', () => {
    expect(acrValues).toEqual(providerAcrValues);
  });

  it('quotes what a challenge says, so a description cannot add parameters', () => {
    expect(
      wwwAuthenticate({ status: 401, error: 'insufficient_user_authentication', description: 'say "hi", acr_values="x"' }),
    ).toBe('Bearer error="insufficient_user_authentication", error_description="say \\"hi\\", acr_values=\\"x\\""');
  });
});
