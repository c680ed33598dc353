import { createPromptClient, TesseraRefused } from '@tessera/sdk';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/core/flows/api-keys.js';
import { HttpBrowser } from '../support/http-browser.js';
import { startLiveServer } from '../support/live-server.js';

const returnTo = 'http://127.0.0.1:9/mfa/back';
const signingSecret = 'p'.repeat(40);
const hostKey = { id: 'shop', secret: 's'.repeat(40) };
const withdrawal = 'Withdraw £250.00 to account ••••1234';

describe('the MFA-only prompt for apps that keep their own login', () => {
  let server: Awaited<ReturnType<typeof startLiveServer>>;
  let shop: ReturnType<typeof createPromptClient>;
  let totp: Secret;
  let recoveryCodes: string[];

  beforeAll(async () => {
    server = await startLiveServer({
      prompt: { apps: [{ id: 'shop', signingSecret, returnUrls: ['http://127.0.0.1:9/mfa/'] }] },
      hostApi: { keys: [hostKey] },
    });
    shop = createPromptClient({
      url: server.url,
      appId: 'shop',
      signingSecret,
      apiKey: `${hostKey.id}.${hostKey.secret}`,
      allowHttp: true,
    });
  });
  afterAll(() => server?.close());

  /** The browser's way through the prompt from the app's redirect; where it ended and the page there. */
  async function open(url: string, browser = new HttpBrowser(server.url)) {
    const { response, url: at } = await browser.follow(url);
    return { browser, at, html: await response.text(), status: response.status };
  }

  it('registers a person by the app’s id, has them set up an authenticator app, and returns a signed result of two factors', async () => {
    const person = await shop.upsertPerson('u-1', { email: 'ivy@example.com', emailVerified: true });
    expect(person.methods).toEqual([]);
    const { url, requestId } = await shop.promptUrl({ userId: 'u-1', returnTo, state: 'xyz' });
    const setup = await open(url);
    expect(setup.at.pathname).toBe('/prompt/setup');
    expect(setup.html).toContain('inputmode="numeric"');
    totp = Secret.fromBase32(/data-testid="setup-key">([A-Z2-7 ]+)</.exec(setup.html)![1]!.replace(/\s/g, ''));
    // Posted from the page as shown: opening the page again would start another set-up.
    const hidden = Object.fromEntries(
      [...setup.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((field) => [field[1]!, field[2]!]),
    );
    const codes = await setup.browser.follow('/prompt/setup', { form: { ...hidden, code: TOTP.generate({ secret: totp }) } });
    const codesPage = await codes.response.text();
    recoveryCodes = [...codesPage.matchAll(/<li><code>([\w-]+)<\/code><\/li>/g)].map((match) => match[1]!);
    expect(recoveryCodes).toHaveLength(10);
    expect(codesPage).toContain('href="/prompt/continue"');

    const back = await setup.browser.follow('/prompt/continue');
    expect(back.url.origin + back.url.pathname).toBe(returnTo);
    expect(back.url.searchParams.get('state')).toBe('xyz');
    const result = await shop.exchange(back.url.searchParams.get('code')!, { userId: 'u-1', requestId });
    expect(result).toMatchObject({ sub: 'u-1', tsub: person.id, act: null, dh: null, acr: 'urn:tessera:acr:mfa' });
    expect(result.amr).toEqual(['host', 'otp', 'mfa']);
    // The prompt's own Tessera session ended with it.
    expect((await setup.browser.fetch('/api/v1/me')).status).toBe(401);
  });

  it('asks a person who has a method for it on Tessera’s challenge page, and says which one was used', async () => {
    const { url, requestId } = await shop.promptUrl({ userId: 'u-1', returnTo });
    const challenge = await open(url);
    expect(challenge.at.pathname).toBe('/sign-in/verify');
    const back = await challenge.browser.submit('/sign-in/verify', { recoveryCode: recoveryCodes.shift()! });
    const result = await shop.exchange(back.url.searchParams.get('code')!, { userId: 'u-1', requestId });
    expect(result.amr).toEqual(['host', 'recovery_code', 'mfa']);
  });

  it('approves a transaction on Tessera’s step-up page, bound to its details, and the result carries their hash', async () => {
    const { url, requestId } = await shop.promptUrl({ userId: 'u-1', returnTo, action: 'funds.withdraw', details: withdrawal });
    const approval = await open(url);
    expect(approval.at.pathname).toBe('/step-up');
    expect(approval.html).toContain(withdrawal);
    const back = await approval.browser.submit(
      approval.at.pathname + approval.at.search,
      { recoveryCode: recoveryCodes.shift()! },
      '/step-up/verify',
    );
    const code = back.url.searchParams.get('code')!;
    await expect(
      shop.exchange(code, {
        userId: 'u-1',
        requestId,
        action: 'funds.withdraw',
        details: 'Withdraw £9,999.00 to account ••••9999',
      }),
    ).rejects.toThrow(TesseraRefused);

    const again = await shop.promptUrl({ userId: 'u-1', returnTo, action: 'funds.withdraw', details: withdrawal });
    const second = await open(again.url);
    const backAgain = await second.browser.submit(
      second.at.pathname + second.at.search,
      { recoveryCode: recoveryCodes.shift()! },
      '/step-up/verify',
    );
    const result = await shop.exchange(backAgain.url.searchParams.get('code')!, {
      userId: 'u-1',
      requestId: again.requestId,
      action: 'funds.withdraw',
      details: withdrawal,
    });
    expect(result).toMatchObject({ act: 'funds.withdraw', acr: 'urn:tessera:acr:mfa' });
    expect(result.amr).toEqual(['host', 'recovery_code', 'mfa']);
  });

  it('spends a code once, also when the app sends it several times at once', async () => {
    const { url } = await shop.promptUrl({ userId: 'u-1', returnTo });
    const challenge = await open(url);
    const back = await challenge.browser.submit('/sign-in/verify', { recoveryCode: recoveryCodes.shift()! });
    const code = back.url.searchParams.get('code')!;
    const exchange = () =>
      fetch(`${server.url}/api/v1/host/prompt/exchange`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hostKey.id}.${hostKey.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ code }),
      });
    const statuses = (await Promise.all(Array.from({ length: 5 }, exchange))).map((response) => response.status).sort();
    expect(statuses).toEqual([200, 400, 400, 400, 400]);
  });

  it('refuses a result whose signature was altered', async () => {
    const { url } = await shop.promptUrl({ userId: 'u-1', returnTo });
    const challenge = await open(url);
    const back = await challenge.browser.submit('/sign-in/verify', { recoveryCode: recoveryCodes.shift()! });
    const exchanged = await fetch(`${server.url}/api/v1/host/prompt/exchange`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hostKey.id}.${hostKey.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ code: back.url.searchParams.get('code') }),
    });
    const { result } = (await exchanged.json()) as { result: string };
    const keys = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
    await expect(jwtVerify(result, keys, { audience: 'shop', typ: 'tessera-prompt-result+jwt' })).resolves.toBeDefined();
    const [header, payload, signature] = result.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, dh: 'f'.repeat(64) })).toString('base64url')}.${signature}`;
    await expect(jwtVerify(forged, keys, { audience: 'shop' })).rejects.toThrow();
  });

  describe('refuses, changing nothing', () => {
    const promptsOf = async () => (await server.deps.store.prompts.findOpen(['none'], Date.now())) === undefined;

    it('a request whose claims were altered after signing', async () => {
      const { url } = await shop.promptUrl({ userId: 'u-1', returnTo });
      const token = new URL(url).searchParams.get('request')!;
      const [header, payload, signature] = token.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
      const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'u-2' })).toString('base64url')}.${signature}`;
      const refused = await open(`/prompt?request=${forged}`);
      expect(refused.status).toBe(400);
      expect(refused.html).toContain('was altered, has expired, or was not signed by the app');
      expect(await promptsOf()).toBe(true);
    });

    it('a request signed with another secret', async () => {
      const impostor = createPromptClient({
        url: server.url,
        appId: 'shop',
        signingSecret: 'x'.repeat(40),
        apiKey: 'none.none',
        allowHttp: true,
      });
      const refused = await open((await impostor.promptUrl({ userId: 'u-1', returnTo })).url);
      expect(refused.status).toBe(400);
    });

    it('a return address the app did not register', async () => {
      const refused = await open((await shop.promptUrl({ userId: 'u-1', returnTo: 'https://evil.example/mfa/back' })).url);
      expect(refused.status).toBe(400);
      expect(refused.html).toContain('return address is not one the app registered');
    });

    it('the same request twice', async () => {
      const { url } = await shop.promptUrl({ userId: 'u-1', returnTo });
      expect((await open(url)).at.pathname).toBe('/sign-in/verify');
      const replayed = await open(url);
      expect(replayed.status).toBe(400);
      expect(replayed.html).toContain('This request was used already');
    });

    it('a person the app never registered', async () => {
      const refused = await open((await shop.promptUrl({ userId: 'nobody', returnTo })).url);
      expect(refused.status).toBe(400);
      expect(refused.html).toContain('The app has not registered this person');
    });

    it('an address that belongs to an account the app did not register', async () => {
      const direct = new HttpBrowser(server.url);
      await direct.fetch('/api/v1/sign-up', { json: { email: 'own@example.com', password: 'marble tangerine orbit' } });
      await expect(shop.upsertPerson('u-9', { email: 'own@example.com', emailVerified: true })).rejects.toThrow(
        'This address belongs to a Tessera account the app did not register.',
      );
    });
  });

  it('lets each host route through only with its own scope, and a key without it changes nothing', async () => {
    const { token } = await createApiKey(server.deps, {
      name: 'Links only',
      scopes: ['sign_in_links'],
      by: { userId: null, ip: 'cli' },
    });
    const call = (method: string, path: string, body: unknown) =>
      fetch(`${server.url}/api/v1/host${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const upsert = await call('PUT', '/people/u-scoped', { email: 'scoped@example.com' });
    expect(upsert.status).toBe(403);
    expect(await server.deps.store.hostPeople.findUserId('u-scoped')).toBeUndefined();
    expect((await call('POST', '/prompt/exchange', { code: 'anything' })).status).toBe(403);
    expect((await call('POST', '/people/u-1/sign-in-links', {})).status).toBe(201);
  });

  it('mints a sign-in link for the app’s own email that works once, as a first factor', async () => {
    const { url } = await shop.signInLink('u-1');
    const link = new URL(url);
    const browser = new HttpBrowser(server.url);
    const used = await browser.submit(
      link.pathname + link.search,
      { c: link.searchParams.get('c')!, t: link.searchParams.get('t')! },
      '/sign-in/link',
    );
    expect(used.url.pathname).toBe('/sign-in/verify');
    const again = await new HttpBrowser(server.url).submit(
      link.pathname + link.search,
      { c: link.searchParams.get('c')!, t: link.searchParams.get('t')! },
      '/sign-in/link',
    );
    expect(await again.response.text()).toContain('This sign-in link has expired, was already used');
  });
});
