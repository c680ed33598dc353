import { TOTP } from 'otpauth';
import { expect, it } from 'vitest';
import { describeInChromium } from '../support/e2e.js';
import { setUpAppOnPage, signInOnPage, signUpOnPage } from '../support/pages.js';
import { usbKey, VirtualAuthenticator } from '../support/virtual-authenticator.js';

const password = 'copper lantern meadow';

describeInChromium('primary and fallback factors and a trusted laptop in Chromium', (suite) => {
  const url = (path: string) => `${suite.server.url}${path}`;

  it('signs in with the fallback, trusts the device, skips the code, then asks again once the device is revoked', async () => {
    const page = await suite.browser.newPage();
    page.setDefaultTimeout(8_000);
    await signUpOnPage(page, suite.server.url, 'ada@example.com', password);
    await page.waitForURL(url('/account'));

    await VirtualAuthenticator.attach(page, usbKey);
    await page.getByRole('link', { name: 'Use a security key' }).click();
    await page.getByLabel('Your password').fill(password);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('link', { name: 'I have saved them' }).click();
    const secret = await setUpAppOnPage(page, password, 'Add an authenticator app');
    await page.waitForURL(url('/account?done=app-added'));
    expect(await page.locator('li.factor').allInnerTexts()).toHaveLength(2);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signInOnPage(page, 'ada@example.com', password);
    await page.waitForURL(url('/sign-in/verify'));
    expect(await page.getByRole('button', { name: 'Use security key or biometric' }).isVisible()).toBe(true);
    await page.getByRole('link', { name: 'Use your authenticator app' }).click();
    await page.getByLabel('Verification code').fill(TOTP.generate({ secret, timestamp: Date.now() + 30_000 }));
    await page.getByLabel('Trust this device for 30 days').check();
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(url('/account'));
    const devices = page.locator('li.entry', { hasText: 'Trusted' });
    expect(await devices.innerText()).toMatch(/^Chrome(?: Headless)? \d+ on Linux/);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-out\??$/);
    await page.locator('main').getByRole('button', { name: 'Sign out' }).click();
    await signInOnPage(page, 'ada@example.com', password);
    await page.waitForURL(url('/account'));

    await devices.getByRole('button', { name: 'Revoke' }).click();
    await page.waitForURL(url('/account?done=device-revoked'));
    expect(await page.locator('li.entry', { hasText: 'Trusted' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-out\??$/);
    await page.locator('main').getByRole('button', { name: 'Sign out' }).click();
    await signInOnPage(page, 'ada@example.com', password);
    await page.waitForURL(url('/sign-in/verify'));
  });
});
