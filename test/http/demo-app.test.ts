import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, TwoSiteBrowser } from '../support/demo.js';
import { password } from '../support/mfa.js';
import { accountWithTotp } from '../support/oidc.js';

const withdrawal = 'Withdraw £250.00 to account ••••1234';

describe('Kestrel, the demo app, on Tessera through the SDK', () => {
  let demo: Awaited<ReturnType<typeof startDemo>>;
  const kestrel = (path: string) => new URL(path, demo.appUrl);

  beforeAll(async () => {
    demo = await startDemo();
  });
  afterAll(() => demo?.close());

  let people = 0;
  /** A new person with an authenticator app, signed in to Tessera's pages from `path` at Kestrel, a recovery code as the second step. */
  async function signedIn(path = '/sign-in') {
    const email = `person${++people}@example.com`;
    const browser = new TwoSiteBrowser(demo.appUrl, demo.tessera.url);
    const { recoveryCodes } = await accountWithTotp(new TwoSiteBrowser(demo.tessera.url).site(demo.tessera.url), email);
    const atTessera = await browser.follow(kestrel(path));
    expect(atTessera.url.origin + atTessera.url.pathname).toBe(`${demo.tessera.url}/sign-in`);
    await browser.submit(atTessera.url, { email, password });
    const back = await browser.submit(new URL('/sign-in/verify', demo.tessera.url), { recoveryCode: recoveryCodes.shift()! });
    return { browser, back, email, recoveryCodes };
  }

  it('signs in through Tessera with two factors, and shows the acr and methods the ID token carries', async () => {
    const { back, email } = await signedIn();
    expect(back.url.href).toBe(kestrel('/dashboard').href);
    expect(back.html).toContain(`<dd>${email}</dd>`);
    expect(back.html).toContain('<dd>password + recovery code</dd>');
    expect(back.html).toContain('two factors <code>urn:tessera:acr:mfa</code>');
  });

  it('shares no cookie between the two sites', async () => {
    const { browser } = await signedIn();
    expect([...browser.site(demo.appUrl).jar.keys()]).toEqual(['kestrel_session']);
    expect([...browser.site(demo.tessera.url).jar.keys()]).not.toContain('kestrel_session');
  });

  it('signs the person in again at Tessera for max_age=0, although they are signed in there', async () => {
    const { browser } = await signedIn();
    const again = await browser.follow(kestrel('/sign-in?max_age=0'));
    expect(again.url.origin + again.url.pathname).toBe(`${demo.tessera.url}/sign-in`);
  });

  it('withdraws once, after Tessera approves exactly that amount and account, and a replayed return does nothing', async () => {
    const { browser, recoveryCodes } = await signedIn();
    const approval = await browser.submit(kestrel('/withdraw'), { amount: '250' });
    expect(approval.url.origin + approval.url.pathname).toBe(`${demo.tessera.url}/step-up`);
    expect(approval.html).toContain(withdrawal);
    const done = await browser.submit(approval.url, { recoveryCode: recoveryCodes.shift()! }, '/step-up/verify');
    expect(done.url.href).toBe(kestrel('/withdraw').href);
    expect(done.html).toContain(`Done: ${withdrawal}.`);
    expect(done.html).toContain('Available: <strong>£12,250.00</strong>');

    const withdrawals = await browser.follow(kestrel('/withdraw'));
    expect(withdrawals.html.match(/£250.00 to ••••1234/g)).toHaveLength(1);
  });

  it('refuses to replay the approved return address: the change was made and nothing is waiting', async () => {
    const { browser, recoveryCodes } = await signedIn();
    const approval = await browser.submit(kestrel('/withdraw'), { amount: '10' });
    const verified = await browser.site(demo.tessera.url).submit(
      approval.url.pathname + approval.url.search,
      {
        recoveryCode: recoveryCodes.shift()!,
      },
      '/step-up/verify',
    );
    const returnTo = verified.url;
    expect(returnTo.searchParams.get('grant')).toBeTruthy();
    expect((await browser.follow(returnTo)).url.href).toBe(kestrel('/withdraw').href);
    const replay = await browser.follow(returnTo);
    expect(replay.response.status).toBe(404);
    expect(replay.html).toContain('This change was already made, or never asked for.');
  });

  it('asks for the first team change and lets the next one within five minutes through without asking', async () => {
    const { browser, recoveryCodes } = await signedIn();
    const first = await browser.submit(kestrel('/team'), { name: 'Ada Byron', email: 'ada@kestrel.example' });
    expect(first.url.pathname).toBe('/step-up');
    expect(first.html).toContain('Add Ada Byron (ada@kestrel.example) to your team');
    const added = await browser.submit(first.url, { recoveryCode: recoveryCodes.shift()! }, '/step-up/verify');
    expect(added.html).toContain('Done: Add Ada Byron (ada@kestrel.example) to your team.');

    const second = await browser.submit(kestrel('/team'), { name: 'Alan Turing', email: 'alan@kestrel.example' });
    expect(second.url.href).toBe(kestrel('/team').href);
    expect(second.html).toContain('Done: Add Alan Turing (alan@kestrel.example) to your team.');
  });

  it('shows a new API key once and invalidates it only after approval', async () => {
    const { browser, recoveryCodes } = await signedIn();
    const created = await browser.submit(kestrel('/api-keys'), { name: 'Portfolio export' });
    expect(created.response.status).toBe(201);
    expect(created.html).toMatch(/<code class="copy">kst_[\w-]{32}<\/code>/);
    expect((await browser.follow(kestrel('/api-keys'))).html).not.toContain('class="copy"');

    const keyId = /action="\/api-keys\/([\w-]+)\/invalidate"/.exec(created.html)![1]!;
    const approval = await browser.submit(kestrel('/api-keys'), {}, `/api-keys/${keyId}/invalidate`);
    expect(approval.html).toContain('Invalidate the API key “Portfolio export”');
    expect((await browser.follow(kestrel('/api-keys'))).html).toContain(`/api-keys/${keyId}/invalidate`);
    const done = await browser.submit(approval.url, { recoveryCode: recoveryCodes.shift()! }, '/step-up/verify');
    expect(done.html).toContain('Invalidated');
  });

  it('refuses a form posted from another site, and refuses input it cannot use without changing anything', async () => {
    const { browser } = await signedIn();
    const site = browser.site(demo.appUrl);
    const foreign = await site.fetch('/withdraw', { form: { amount: '1' }, headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    const tooMuch = await site.fetch('/withdraw', { form: { amount: '99999999' } });
    expect(tooMuch.status).toBe(400);
    expect(await tooMuch.text()).toContain('Enter an amount up to your available balance.');
  });

  it('sends a signed-out visitor to sign in and back to the page they asked for', async () => {
    const { back } = await signedIn('/team');
    expect(back.url.href).toBe(kestrel('/team').href);
  });

  it('tells a person without two-step verification that Kestrel needs it, instead of asking for a second step they cannot give', async () => {
    const browser = new TwoSiteBrowser(demo.appUrl, demo.tessera.url);
    const tessera = browser.site(demo.tessera.url);
    expect((await tessera.fetch('/api/v1/sign-up', { json: { email: 'plain@example.com', password } })).status).toBe(201);
    await tessera.fetch('/api/v1/sign-out', { json: {} });
    const atTessera = await browser.follow(kestrel('/sign-in'));
    const refused = await browser.submit(atTessera.url, { email: 'plain@example.com', password });
    expect(refused.response.status).toBe(403);
    expect(refused.html).toContain('This app needs two-step verification. Set it up on your Account security page');
  });

  it('adds Tessera’s prompt to Kestrel’s own password login: setting up the second step, then a withdrawal approved through it', async () => {
    const browser = new TwoSiteBrowser(demo.appUrl, demo.tessera.url);
    const kestrelSite = browser.site(demo.appUrl);
    const setup = await browser.submit(
      kestrel('/classic'),
      { email: 'rosa@example.com', password: 'a long kestrel password' },
      '/classic/sign-up',
    );
    expect(setup.url.origin + setup.url.pathname).toBe(`${demo.tessera.url}/prompt/setup`);
    const secret = Secret.fromBase32(/data-testid="setup-key">([A-Z2-7 ]+)</.exec(setup.html)![1]!.replace(/\s/g, ''));
    const hidden = Object.fromEntries(
      [...setup.html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((field) => [field[1]!, field[2]!]),
    );
    const codes = await browser.follow(setup.url, { form: { ...hidden, code: TOTP.generate({ secret }) } });
    const recoveryCode = /<li><code>([\w-]+)<\/code><\/li>/.exec(codes.html)![1]!;
    const signedIn = await browser.follow(new URL('/prompt/continue', demo.tessera.url));
    expect(signedIn.url.href).toBe(kestrel('/classic').href);
    expect(signedIn.html).toContain('<dd>Kestrel password + authenticator app</dd>');
    expect(signedIn.html).toContain('two factors <code>urn:tessera:acr:mfa</code>');

    const approval = await browser.submit(kestrel('/classic'), { amount: '100' }, '/classic/withdraw');
    expect(approval.url.pathname).toBe('/step-up');
    expect(approval.html).toContain('Withdraw £100.00 to account ••••1234');
    const done = await browser.submit(approval.url, { recoveryCode }, '/step-up/verify');
    expect(done.url.href).toBe(kestrel('/classic').href);
    expect(done.html).toContain('Done: Withdraw £100.00 to account ••••1234.');
    expect([...kestrelSite.jar.keys()]).toEqual(['kestrel_session']);
  });

  it('refuses a wrong Kestrel password before anything reaches Tessera', async () => {
    const browser = new TwoSiteBrowser(demo.appUrl, demo.tessera.url);
    const refused = await browser.submit(
      kestrel('/classic'),
      { email: 'rosa@example.com', password: 'not the password' },
      '/classic/sign-in',
    );
    expect(refused.response.status).toBe(401);
    expect(refused.html).toContain('The email or password is not right.');
  });
});
