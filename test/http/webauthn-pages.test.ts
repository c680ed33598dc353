import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../support/http-client.js';
import { password } from '../support/mfa.js';
import { SoftAuthenticator } from '../support/soft-authenticator.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;
let browser: TestBrowser;
let key: SoftAuthenticator;

beforeEach(async () => {
  server = await startTestServer();
  browser = new TestBrowser(server.app);
  key = new SoftAuthenticator('http://localhost:4000');
  await browser.submitForm('/sign-up', '/sign-up', { email: 'ada@example.com', password });
});
afterEach(() => server.close());

const alertOf = (body: string) => /class="alert alert-error" role="alert">([^<]+)</.exec(body)?.[1];
const optionsFrom = async (url: string, body: unknown = {}) =>
  (await browser.postJson(url, body)).json() as { challenge: string };

/** Registers the soft key through the page's form, as webauthn.js does after the browser answered. */
async function addKeyThroughPage(label = 'Blue key') {
  const options = await optionsFrom('/api/v1/factors/webauthn/options', { kind: 'security_key', password });
  return browser.submitForm('/account/security-key', '/account/webauthn', {
    kind: 'security_key',
    label,
    credential: JSON.stringify(key.register(options)),
  });
}

describe('the security key pages', () => {
  it('explains the steps, works with autofill and loads its script from the server, never inline', async () => {
    const page = (await browser.get('/account/security-key')).body;
    expect(page).toContain('<h1 id="title">Add a security key</h1>');
    expect(page).toContain('A phone or tablet');
    expect(page).toContain('autocomplete="current-password"');
    expect(page).toContain('<noscript>');
    expect(page).toContain('<script src="/assets/webauthn.js" defer></script>');
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)|style=/);
    const script = await browser.get('/assets/vendor/simplewebauthn-browser.js');
    expect(script.headers['content-type']).toContain('text/javascript');
    expect(script.body).toContain('SimpleWebAuthnBrowser');
  });

  it('adds a named key with recovery codes, and refuses a form without a key’s answer or with a garbled one', async () => {
    const withoutAnswer = await browser.submitForm('/account/security-key', '/account/webauthn', {
      kind: 'security_key',
      label: 'Key',
    });
    expect(withoutAnswer.statusCode).toBe(400);
    expect(alertOf(withoutAnswer.body)).toContain('Turn on JavaScript');
    const garbled = await browser.submitForm('/account/security-key', '/account/webauthn', {
      kind: 'security_key',
      credential: '{"id":',
    });
    expect(garbled.statusCode).toBe(400);
    expect((await browser.get('/api/v1/factors')).json().factors).toEqual([]);

    const added = await addKeyThroughPage();
    expect(added.body).toContain('Save your recovery codes');
    const account = (await browser.get('/account')).body;
    expect(account).toContain('<strong>Blue key</strong>');
    expect(account).toContain('Security key · added');
  });

  it('renames a key, refusing an empty name', async () => {
    await addKeyThroughPage();
    const [factor] = (await browser.get('/api/v1/factors')).json().factors as { id: string }[];
    const empty = await browser.submitForm('/account', `/account/factors/${factor!.id}/rename`, { label: '  ' });
    expect(empty.statusCode).toBe(400);
    const renamed = await browser.submitForm('/account', `/account/factors/${factor!.id}/rename`, { label: 'Keyring key' });
    expect(renamed.headers.location).toBe('/account?done=renamed');
    expect((await browser.get('/account')).body).toContain('<strong>Keyring key</strong>');
  });

  it('removes a key with the answer the key button puts in the form', async () => {
    await addKeyThroughPage();
    const [factor] = (await browser.get('/api/v1/factors')).json().factors as { id: string }[];
    const answer = key.assert(await optionsFrom('/api/v1/factors/webauthn/proof-options'));
    const removed = await browser.submitForm('/account', `/account/factors/${factor!.id}/remove`, {
      webauthn: JSON.stringify(answer),
      confirmTurningOff: 'on',
    });
    expect(removed.headers.location).toBe('/account?done=mfa-off');
  });

  it('finishes the second step with the key answer posted by the challenge page', async () => {
    await addKeyThroughPage();
    await browser.submitForm('/account', '/sign-out', {});
    const challenge = await browser.submitForm('/sign-in', '/sign-in', { email: 'ada@example.com', password });
    expect(challenge.headers.location).toBe('/sign-in/verify');
    const page = (await browser.get('/sign-in/verify')).body;
    expect(page).toContain('data-options="/api/v1/sign-in/webauthn-options"');
    expect(page).toContain('Use a recovery code');
    const answer = key.assert(await optionsFrom('/api/v1/sign-in/webauthn-options'));
    const done = await browser.submitForm('/sign-in/verify', '/sign-in/verify', {
      method: 'webauthn',
      webauthn: JSON.stringify(answer),
    });
    expect(done.headers.location).toBe('/account');
  });
});
