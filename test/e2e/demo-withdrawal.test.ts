import { Secret, TOTP } from 'otpauth';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { startDemo } from '../support/demo.js';
import { setUpAppOnPage, signInOnPage, signUpOnPage } from '../support/pages.js';
import { usbKey, VirtualAuthenticator } from '../support/virtual-authenticator.js';
import { chromiumInstalled, inCi } from '../support/services.js';

const password = 'harbour violet compass';
const withdrawal = 'Withdraw £250.00 to account ••••1234';

describe.skipIf(!chromiumInstalled() && !inCi)('Kestrel, the demo app, in Chromium', () => {
  let demo: Awaited<ReturnType<typeof startDemo>>;
  let browser: Browser;
  beforeAll(async () => {
    demo = await startDemo();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('signs in through Tessera with two factors and withdraws funds after approving exactly that withdrawal', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(8_000);
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) throw new Error(message.text());
    });
    await signUpOnPage(page, demo.tessera.url, 'noor@example.com', password);
    const app: Secret = await setUpAppOnPage(page, password);
    const recoveryCode = (await page.getByTestId('recovery-codes').locator('code').allInnerTexts())[0]!;
    await page.getByRole('link', { name: 'I have saved them' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();

    await page.goto(demo.appUrl);
    await page.getByRole('link', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${demo.tessera.url}/sign-in`);
    await signInOnPage(page, 'noor@example.com', password);
    await page.getByLabel('Verification code').fill(TOTP.generate({ secret: app, timestamp: Date.now() + 30_000 }));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${demo.appUrl}/dashboard`);
    const overview = await page.locator('main').innerText();
    expect(overview).toContain('password + authenticator app');
    expect(overview).toContain('urn:tessera:acr:mfa');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Withdraw' }).click();
    await page.getByLabel('Amount (£)').fill('250');
    await page.getByRole('button', { name: 'Withdraw' }).click();
    await page.waitForURL(new RegExp(`^${demo.tessera.url}/step-up\\?`));
    expect(await page.getByRole('group', { name: 'What you are approving' }).innerText()).toContain(withdrawal);
    await page.getByText('Use a recovery code').click();
    await page.getByLabel('Recovery code').fill(recoveryCode);
    const returned = page.waitForRequest(/\/approvals\/funds\.withdraw\/[\w-]+\?grant=/);
    await page.getByRole('button', { name: 'Approve' }).last().click();
    const returnAddress = (await returned).url();

    await page.waitForURL(`${demo.appUrl}/withdraw`);
    expect(await page.getByRole('status').innerText()).toBe(`Done: ${withdrawal}.`);
    const after = await page.locator('main').innerText();
    expect(after).toContain('Available: £12,250.00');
    expect(after).toContain('£250.00 to ••••1234');

    await page.goto(returnAddress);
    expect(await page.locator('main').innerText()).toContain('This change was already made, or never asked for.');
    await page.goto(`${demo.appUrl}/withdraw`);
    expect((await page.locator('main').innerText()).match(/£250\.00 to ••••1234/g)).toHaveLength(1);
    await page.screenshot({ path: 'test-results/demo-withdrawal.png', fullPage: true });
  });

  it('opens the advisor desk only after the person’s security key raises the sign-in to phrh', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(8_000);
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) throw new Error(message.text());
    });
    await signUpOnPage(page, demo.tessera.url, 'omar@example.com', password);
    await VirtualAuthenticator.attach(page, usbKey);
    await page.goto(`${demo.tessera.url}/account/security-key`);
    await page.getByLabel('Name').fill('Blue key');
    await page.getByLabel('Your password').fill(password);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    const recoveryCode = (await page.getByTestId('recovery-codes').locator('code').allInnerTexts())[0]!;
    await page.getByRole('link', { name: 'I have saved them' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();

    await page.goto(`${demo.appUrl}/sign-in`);
    await signInOnPage(page, 'omar@example.com', password);
    await page.getByText('Use a recovery code').click();
    await page.getByLabel('Recovery code').fill(recoveryCode);
    await page.getByRole('button', { name: 'Verify' }).last().click();
    await page.waitForURL(`${demo.appUrl}/dashboard`);
    expect(await page.locator('main').innerText()).toContain('urn:tessera:acr:mfa');

    await page.getByRole('link', { name: 'Advisor desk' }).click();
    await page.waitForURL(new RegExp(`^${demo.tessera.url}/account/confirm\\?`));
    expect(await page.locator('main').innerText()).toContain('asks for your security key or passkey');
    await page.getByRole('button', { name: 'Use your security key or passkey' }).click();
    await page.waitForURL(`${demo.appUrl}/advisor`);
    const desk = await page.locator('main').innerText();
    expect(desk).toContain('phishing-resistant (security key)');
    expect(desk).toContain('password + recovery code + security key');
    await page.screenshot({ path: 'test-results/demo-advisor.png', fullPage: true });
  });

  it('adds Tessera’s prompt to Kestrel’s own password login: an authenticator app set up on the prompt, then back with two factors', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(8_000);
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) throw new Error(message.text());
    });
    await page.goto(`${demo.appUrl}/classic`);
    await page.getByLabel('Email').last().fill('lena@example.com');
    await page.getByLabel('Password (10 characters or more)').fill('a long kestrel password');
    await page.getByRole('button', { name: 'Create login' }).click();
    await page.waitForURL(`${demo.tessera.url}/prompt/setup`);
    const secret = Secret.fromBase32((await page.getByTestId('setup-key').innerText()).replace(/\s/g, ''));
    await page.getByLabel('6-digit code').fill(TOTP.generate({ secret }));
    await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
    await page.getByRole('link', { name: 'I have saved them' }).click();
    await page.waitForURL(`${demo.appUrl}/classic`);
    const signedIn = await page.locator('main').innerText();
    expect(signedIn).toContain('Kestrel password + authenticator app');
    expect(signedIn).toContain('urn:tessera:acr:mfa');
  });
});
