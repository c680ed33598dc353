import { TOTP } from 'otpauth';
import { expect, it } from 'vitest';
import { describeInChromium } from '../support/e2e.js';
import { setUpAppOnPage, signInOnPage, signUpOnPage } from '../support/pages.js';

const password = 'copper lantern meadow';
const london = '81.2.69.142';
const sydney = '1.1.1.1';
const androidChrome =
  'Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36';

// Chromium reaches Tessera over loopback, so Tessera trusts 127.0.0.1 as its proxy and the tests say where each browser is.
describeInChromium(
  'adaptive sign-in in Chromium',
  (suite) => {
    const url = (path: string) => `${suite.server.url}${path}`;

    it('lets Ada in from her laptop at home without a code, asks a new device and her laptop in Sydney, and shows her why', async () => {
      const laptop = await suite.browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': london } });
      const page = await laptop.newPage();
      page.setDefaultTimeout(8_000);
      await signUpOnPage(page, suite.server.url, 'ada@example.com', password);
      await page.waitForURL(url('/account'));
      const secret = await setUpAppOnPage(page, password);
      await page.waitForURL(/\/account/);
      await page.getByRole('button', { name: 'Sign out' }).click();

      await signInOnPage(page, 'ada@example.com', password);
      await page.waitForURL(url('/account'));
      await page.getByRole('button', { name: 'Sign out' }).click();

      const phone = await suite.browser.newContext({ userAgent: androidChrome, extraHTTPHeaders: { 'x-forwarded-for': london } });
      const newDevice = await phone.newPage();
      newDevice.setDefaultTimeout(8_000);
      await newDevice.goto(url('/sign-in'));
      await signInOnPage(newDevice, 'ada@example.com', password);
      await newDevice.waitForURL(url('/sign-in/verify'));
      await phone.close();

      await laptop.setExtraHTTPHeaders({ 'x-forwarded-for': sydney });
      await page.goto(url('/sign-in'));
      await signInOnPage(page, 'ada@example.com', password);
      await page.waitForURL(url('/sign-in/verify'));
      await page.getByLabel('Verification code').fill(TOTP.generate({ secret, timestamp: Date.now() + 30_000 }));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(url('/account'));
      const activity = page.locator('ul.activity');
      await expect.poll(() => activity.innerText()).toContain('New sign-in from Sydney, Australia');
      expect(await activity.innerText()).toContain('London, United Kingdom to Sydney, Australia');
      expect(await page.getByRole('link', { name: 'IP Geolocation by DB-IP' }).getAttribute('href')).toBe('https://db-ip.com');
      await laptop.close();
    });
  },
  { adaptive: { policy: 'adaptive' }, server: { trustedProxies: ['127.0.0.1'] } },
);
