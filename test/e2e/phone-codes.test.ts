import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { describeInChromium } from '../support/e2e.js';
import { signUpOnPage } from '../support/pages.js';

describeInChromium(
  'in Chromium',
  (suite) => {
    /** Reads the newest texted code off the development outbox, in a second tab. */
    const textedCode = async (page: Page) => {
      const outbox = await page.context().newPage();
      await outbox.goto(`${suite.server.url}/dev/outbox`);
      const code = /#(\d{6})/.exec(await outbox.locator('main').innerText())?.[1];
      await outbox.close();
      if (!code) throw new Error('no texted code on /dev/outbox');
      return code;
    };

    it('turns on text codes with a code read from /dev/outbox, then signs in with a texted code', async () => {
      const page = await (await suite.browser.newContext()).newPage();
      await signUpOnPage(page, suite.server.url, 'ravi@example.com', 'copper lantern meadow');
      await page.getByRole('link', { name: 'Use text or call codes' }).click();

      await page.getByLabel('Phone number, with its country code').fill('+44 7400 123456');
      await page.getByLabel('Text message').check();
      await page.getByLabel('Your password').fill('copper lantern meadow');
      await page.getByRole('button', { name: 'Send code' }).click();
      expect(await page.locator('.lead').innerText()).toBe('We sent a 6-digit code to •••• 3456.');
      await page.getByLabel('Code', { exact: true }).fill(await textedCode(page));
      await page.getByRole('button', { name: 'Add this number' }).click();
      await page.getByRole('link', { name: 'I have saved them' }).click();
      expect(await page.locator('main').innerText()).toContain('Phone •••• 3456');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('Email').fill('ravi@example.com');
      await page.getByLabel('Password').fill('copper lantern meadow');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('button', { name: 'Text a code to •••• 3456' }).click();
      expect(await page.getByRole('status').innerText()).toBe('We sent a code to •••• 3456.');
      await page.getByLabel('Verification code').fill(await textedCode(page));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${suite.server.url}/account`);
      expect(await page.locator('main').innerText()).toContain('with two-step verification');
    });
  },
  { emailCodes: { resendCooldownSeconds: 0 } },
);
