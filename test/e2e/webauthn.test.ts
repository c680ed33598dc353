import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { describeInChromium } from '../support/e2e.js';
import { signUpOnPage } from '../support/pages.js';
import { fingerprintSensor, u2fKey, usbKey, VirtualAuthenticator } from '../support/virtual-authenticator.js';

const password = 'copper lantern meadow';

describeInChromium('security keys, biometrics and passkeys in Chromium', (suite) => {
  const url = (path: string) => `${suite.server.url}${path}`;

  /** A new page that fails the test on any CSP violation, with a new account signed in. */
  async function signedUpPage(email: string): Promise<Page> {
    const page = await suite.browser.newPage();
    page.setDefaultTimeout(8_000);
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) throw new Error(message.text());
    });
    await signUpOnPage(page, suite.server.url, email, password);
    await page.waitForURL(url('/account'));
    return page;
  }

  async function addSecurityKey(page: Page, name: string): Promise<void> {
    await page.goto(url('/account/security-key'));
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Your password').fill(password);
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  /** A new account whose first factor is a USB key, past its recovery codes. */
  async function signedUpWithKey(email: string, name = 'Blue key') {
    const page = await signedUpPage(email);
    const key = await VirtualAuthenticator.attach(page, usbKey);
    await addSecurityKey(page, name);
    await page.getByRole('link', { name: 'I have saved them' }).click();
    return { page, key };
  }

  async function signInWithPassword(page: Page, email: string): Promise<void> {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(url('/sign-in'));
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(url('/sign-in/verify'));
  }

  const me = async (page: Page) => (await page.request.get(url('/api/v1/me'))).json();
  const eventsOf = async (email: string) => {
    const user = await suite.server.deps.store.users.findByEmail(email);
    return suite.server.deps.store.events.listForUser(user!.id, 50);
  };

  it('registers a security key, signs in with it as second factor, adds a fingerprint and signs in with a passkey alone', async () => {
    const page = await signedUpPage('ada@example.com');
    const key = await VirtualAuthenticator.attach(page, usbKey);

    await page.getByRole('link', { name: 'Use a security key' }).click();
    await page.getByLabel('Name').fill('Blue key');
    await page.getByLabel('Your password').fill(password);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    await page.getByRole('link', { name: 'I have saved them' }).click();
    const keyItem = page.locator('li.factor', { hasText: 'Blue key' });
    expect(await keyItem.innerText()).toContain('Security key · added');

    await signInWithPassword(page, 'ada@example.com');
    await page.getByRole('button', { name: 'Use security key or biometric' }).click();
    await page.waitForURL(url('/account'));
    expect((await me(page)).session).toMatchObject({ aal: 2, amr: ['pwd', 'hwk'] });
    expect(await keyItem.innerText()).toContain('last used');

    await key.remove();
    const sensor = await VirtualAuthenticator.attach(page, fingerprintSensor);
    await page.reload();
    await page.getByRole('link', { name: 'Use your fingerprint or face' }).click();
    await page.getByLabel('Name').fill('Work laptop');
    await page.getByLabel('Your password').fill(password);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(url('/account?done=biometric-added'));
    const biometricItem = page.locator('li.factor', { hasText: 'Work laptop' });
    expect(await biometricItem.innerText()).toContain('Biometric · added');
    expect(await biometricItem.locator('.badge').innerText()).toBe('Passkey');

    const signInsBefore = (await eventsOf('ada@example.com')).filter((event) => event.type === 'sign_in').length;
    await page.getByRole('button', { name: 'Sign out' }).click();
    // Chromium's virtual authenticator answers the email field's autofill request at once, as if the person picked the passkey there.
    await page.waitForURL(url('/account'));
    const signIns = (await eventsOf('ada@example.com')).filter((event) => event.type === 'sign_in');
    expect(signIns).toHaveLength(signInsBefore + 1);
    expect(signIns[0]?.detail).toEqual({ amr: ['hwk', 'user'] });
    expect((await me(page)).session).toMatchObject({ aal: 2, amr: ['hwk', 'user'] });

    const [passkey] = await sensor.credentials();
    await sensor.remove();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor();
    const laptop = await VirtualAuthenticator.attach(page, fingerprintSensor);
    await laptop.addCredential(passkey!);
    const asked = page.waitForRequest(url('/api/v1/sign-in/passkey/options'));
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await asked;
    await page.waitForURL(url('/account'));
    expect((await me(page)).session).toMatchObject({ aal: 2, amr: ['hwk', 'user'] });
  });

  it('signs in with an old U2F key as second factor', async () => {
    const page = await signedUpPage('grace@example.com');
    await VirtualAuthenticator.attach(page, u2fKey);
    await addSecurityKey(page, 'Old key');
    await page.getByRole('link', { name: 'I have saved them' }).click();
    expect(await page.locator('li.factor').innerText()).toContain('Old key');

    await signInWithPassword(page, 'grace@example.com');
    await page.getByRole('button', { name: 'Use security key or biometric' }).click();
    await page.waitForURL(url('/account'));
    expect((await me(page)).session).toMatchObject({ aal: 2, amr: ['pwd', 'hwk'] });
  });

  it('refuses a registration without user presence, and a biometric without user verification', async () => {
    const page = await signedUpPage('linus@example.com');
    const key = await VirtualAuthenticator.attach(page, usbKey);
    await key.override({ isBadUP: true });
    await addSecurityKey(page, 'Absent key');
    expect(await page.getByRole('alert').innerText()).toContain('could not be verified');
    await key.override({});
    await addSecurityKey(page, 'Present key');
    await page.getByRole('link', { name: 'I have saved them' }).click();
    await key.remove();

    const sensor = await VirtualAuthenticator.attach(page, fingerprintSensor);
    await sensor.override({ isBadUV: true });
    await page.goto(url('/account/biometric'));
    await page.getByLabel('Your password').fill(password);
    await page.getByRole('button', { name: 'Continue' }).click();
    expect(await page.getByRole('alert').innerText()).toContain('did not confirm it was you');
    await page.goto(url('/account'));
    expect(await page.locator('li.factor').allInnerTexts()).toHaveLength(1);
  });

  it('refuses a bogus signature, a missing presence and a replayed answer at the second step', async () => {
    const { page, key } = await signedUpWithKey('hedy@example.com');
    await signInWithPassword(page, 'hedy@example.com');

    for (const bits of [{ isBogusSignature: true }, { isBadUP: true }]) {
      await key.override(bits);
      // Wait for this attempt's own answer: the previous one's message is still on the page.
      const refused = page.waitForResponse(
        (response) => response.url() === url('/sign-in/verify') && response.request().method() === 'POST',
      );
      await page.getByRole('button', { name: 'Use security key or biometric' }).click();
      expect((await refused).status()).toBe(401);
      await page.getByText('was not accepted').waitFor();
      expect(page.url()).toBe(url('/sign-in/verify'));
    }

    await key.override({});
    const answered = page.waitForRequest((request) => request.url() === url('/sign-in/verify') && request.method() === 'POST');
    await page.getByRole('button', { name: 'Use security key or biometric' }).click();
    const answer = new URLSearchParams((await answered).postData() ?? '').get('webauthn')!;
    await page.waitForURL(url('/account'));

    await signInWithPassword(page, 'hedy@example.com');
    const replay = await page.request.post(url('/api/v1/sign-in/second-factor'), {
      data: { webauthn: JSON.parse(answer) },
      headers: { origin: suite.server.url },
    });
    expect(replay.status()).toBe(401);
    expect((await me(page)).error.code).toBe('ERR_UNAUTHENTICATED');
  });

  it('refuses a key whose signature counter went backwards, blocks it and records why', async () => {
    const { page, key } = await signedUpWithKey('barbara@example.com', 'Cloned key');
    await signInWithPassword(page, 'barbara@example.com');
    await page.getByRole('button', { name: 'Use security key or biometric' }).click();
    await page.waitForURL(url('/account'));

    const [credential] = await key.credentials();
    expect(credential!.signCount).toBeGreaterThan(1);
    await key.setSignCount(credential!, 1);
    await signInWithPassword(page, 'barbara@example.com');
    await page.getByRole('button', { name: 'Use security key or biometric' }).click();
    await page.getByText('was not accepted').waitFor();

    expect((await eventsOf('barbara@example.com')).map((event) => event.type)).toContain('webauthn_counter_regressed');
    expect(await page.getByLabel('Recovery code').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Use security key or biometric' }).count()).toBe(0);
  });

  it('tells the person plainly when a key is already on the account', async () => {
    const { page } = await signedUpWithKey('mary@example.com');
    await addSecurityKey(page, 'Same key again');
    await page.getByText('This security key is already on your account.').waitFor();
    expect(page.url()).toBe(url('/account/security-key'));
  });

  it('shows a browser without WebAuthn the other ways to sign in instead of an error', async () => {
    await signedUpWithKey('katherine@example.com');

    const oldBrowser = await suite.browser.newContext();
    await oldBrowser.addInitScript(() => {
      delete (window as { PublicKeyCredential?: unknown }).PublicKeyCredential;
    });
    const old = await oldBrowser.newPage();
    old.setDefaultTimeout(8_000);
    await old.goto(url('/sign-in'));
    expect(await old.getByRole('button', { name: 'Sign in with a passkey' }).isVisible()).toBe(false);
    await old.getByLabel('Email').fill('katherine@example.com');
    await old.getByLabel('Password').fill(password);
    await old.getByRole('button', { name: 'Sign in', exact: true }).click();
    await old.waitForURL(url('/sign-in/verify'));
    await old.getByText('This browser cannot use security keys or biometrics. Choose another way below.').waitFor();
    expect(await old.getByRole('button', { name: 'Use security key or biometric' }).isVisible()).toBe(false);
    await old.getByRole('link', { name: 'Use a recovery code' }).click();
    expect(await old.getByLabel('Recovery code').isVisible()).toBe(true);
    await oldBrowser.close();
  });
});
