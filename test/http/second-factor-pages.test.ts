import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../support/http-client.js';
import { password, totpAt } from '../support/mfa.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;
let browser: TestBrowser;

beforeEach(async () => {
  server = await startTestServer();
  browser = new TestBrowser(server.app);
  await browser.submitForm('/sign-up', '/sign-up', { email: 'ada@example.com', password });
});
afterEach(() => server.close());

const setupKeyOf = (body: string) => /data-testid="setup-key">([^<]+)</.exec(body)?.[1]?.replace(/\s/g, '');
const codesOf = (body: string) => [...body.matchAll(/<li><code>([A-Z0-9-]+)<\/code><\/li>/g)].map((match) => match[1]!);
const alertOf = (body: string) => /role="alert">([^<]+)</.exec(body)?.[1];

/** Turns on the authenticator app through the pages; returns the secret and the recovery codes shown. */
async function enrollThroughPages() {
  const scan = await browser.submitForm('/account/authenticator', '/account/authenticator', { password, consent: 'on' });
  const secret = setupKeyOf(scan.body)!;
  const token = /name="enrollmentToken" value="([^"]+)"/.exec(scan.body)![1]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(scan.body)![1]!;
  const done = await browser.request({
    method: 'POST',
    url: '/account/authenticator/confirm',
    payload: new URLSearchParams({ _csrf: csrf, enrollmentToken: token, code: totpAt(secret, server.clock.now()) }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  return { secret, scan, done, codes: codesOf(done.body) };
}

describe('setting up the authenticator app on the pages', () => {
  it('needs the password and an explicit yes before showing the QR code', async () => {
    const noConsent = await browser.submitForm('/account/authenticator', '/account/authenticator', { password });
    expect(noConsent.statusCode).toBe(400);
    expect(noConsent.body).not.toContain('setup-key');
    const wrongPassword = await browser.submitForm('/account/authenticator', '/account/authenticator', {
      password: 'nope nope',
      consent: 'on',
    });
    expect(wrongPassword.statusCode).toBe(401);
    expect(wrongPassword.body).not.toContain('setup-key');
  });

  it('shows a QR code, the grouped setup key and the suggested apps, then the recovery codes once', async () => {
    const { scan, done, codes, secret } = await enrollThroughPages();
    expect(scan.body).toMatch(/class="qr"\s+src="data:image\/png;base64,[^"]+"/);
    expect(scan.body).toMatch(/data-testid="setup-key">([A-Z2-7]{4} ){7}[A-Z2-7]{4}</);
    for (const app of ['Google Authenticator', 'Microsoft Authenticator', '2FAS (open source)']) expect(scan.body).toContain(app);
    expect(scan.body).toMatch(/inputmode="numeric"\s+autocomplete="one-time-code"/);
    expect(secret).toHaveLength(32);

    expect(done.body).toContain('Save your recovery codes');
    expect(codes).toHaveLength(10);
    const download = /href="data:text\/plain;charset=utf-8,([^"]+)" download="tessera-recovery-codes.txt"/.exec(done.body)![1]!;
    expect(decodeURIComponent(download)).toContain(codes[0]);
    expect(done.body).toContain('<script src="/assets/print.js" defer></script>');

    const account = await browser.get('/account');
    expect(account.body).toMatch(/<strong>10<\/strong> of 10 left/);
    expect(account.body).toContain('badge-on');
  });

  it('shows the same QR code again with a message after a wrong code', async () => {
    const scan = await browser.submitForm('/account/authenticator', '/account/authenticator', { password, consent: 'on' });
    const token = /name="enrollmentToken" value="([^"]+)"/.exec(scan.body)![1]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(scan.body)![1]!;
    const wrong = await browser.request({
      method: 'POST',
      url: '/account/authenticator/confirm',
      payload: new URLSearchParams({ _csrf: csrf, enrollmentToken: token, code: '000000' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(alertOf(wrong.body)).toMatch(/not right/);
    expect(setupKeyOf(wrong.body)).toBe(setupKeyOf(scan.body));
  });
});

describe('the challenge page', () => {
  it('asks for a code after the password and signs in with a right one', async () => {
    const { secret } = await enrollThroughPages();
    await browser.submitForm('/account', '/sign-out', {});
    const signIn = await browser.submitForm('/sign-in', '/sign-in', { email: 'ada@example.com', password });
    expect(signIn.headers.location).toBe('/sign-in/verify');
    expect((await browser.get('/account')).headers.location).toBe('/sign-in');

    const challenge = await browser.get('/sign-in/verify');
    expect(challenge.body).toMatch(/inputmode="numeric"\s+autocomplete="one-time-code"/);
    const wrong = await browser.submitForm('/sign-in/verify', '/sign-in/verify', { code: '000000' });
    expect(wrong.statusCode).toBe(401);
    expect(alertOf(wrong.body)).toBe('That code is not right. Check it and try again.');

    server.clock.advance(30_000);
    const right = await browser.submitForm('/sign-in/verify', '/sign-in/verify', { code: totpAt(secret, server.clock.now()) });
    expect(right.headers.location).toBe('/account');
    expect((await browser.get('/account')).body).toContain('with two-step verification');
  });

  it('takes a recovery code on its own form and counts it down', async () => {
    const { codes } = await enrollThroughPages();
    await browser.submitForm('/account', '/sign-out', {});
    await browser.submitForm('/sign-in', '/sign-in', { email: 'ada@example.com', password });
    const form = await browser.get('/sign-in/verify?method=recovery');
    expect(form.body).toContain('name="recoveryCode"');
    const done = await browser.submitForm('/sign-in/verify?method=recovery', '/sign-in/verify', { recoveryCode: codes[0]! });
    expect(done.headers.location).toBe('/account');
    expect((await browser.get('/account')).body).toMatch(/<strong>9<\/strong> of 10 left/);
  });

  it('sends a browser without a pending sign-in back to the sign-in page', async () => {
    const stranger = new TestBrowser(server.app);
    expect((await stranger.get('/sign-in/verify')).headers.location).toBe('/sign-in');
  });

  it('starts over when the pending sign-in has expired', async () => {
    await enrollThroughPages();
    await browser.submitForm('/account', '/sign-out', {});
    await browser.submitForm('/sign-in', '/sign-in', { email: 'ada@example.com', password });
    const page = await browser.get('/sign-in/verify');
    server.clock.advance(11 * 60_000);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const late = await browser.request({
      method: 'POST',
      url: '/sign-in/verify',
      payload: new URLSearchParams({ _csrf: token, code: '123456' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(late.statusCode).toBe(401);
    expect(alertOf(late.body)).toBe('Your sign-in has expired. Please sign in again.');
    expect(late.body).toContain('action="/sign-in"');
  });
});

describe('managing factors on the account page', () => {
  it('removes the last factor only with the confirmation box ticked', async () => {
    const { secret } = await enrollThroughPages();
    const factorId = /action="\/account\/factors\/([^/]+)\/remove"/.exec((await browser.get('/account')).body)![1]!;
    server.clock.advance(30_000);
    const unticked = await browser.submitForm('/account', `/account/factors/${factorId}/remove`, {
      proof: totpAt(secret, server.clock.now()),
    });
    expect(unticked.statusCode).toBe(409);
    expect(alertOf(unticked.body)).toMatch(/last sign-in method/);
    const removed = await browser.submitForm('/account', `/account/factors/${factorId}/remove`, {
      proof: totpAt(secret, server.clock.now()),
      confirmTurningOff: 'on',
    });
    expect(removed.headers.location).toBe('/account?done=mfa-off');
    expect((await browser.get('/account?done=mfa-off')).body).toContain('Two-step verification is off.');
  });

  it('makes new recovery codes with a current code and shows them once', async () => {
    const { secret, codes } = await enrollThroughPages();
    server.clock.advance(30_000);
    const page = await browser.submitForm('/account', '/account/recovery-codes', { proof: totpAt(secret, server.clock.now()) });
    const fresh = codesOf(page.body);
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(codes[0]);
  });
});
