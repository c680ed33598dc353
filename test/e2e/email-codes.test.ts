import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { describeInChromium } from '../support/e2e.js';
import { signUpOnPage } from '../support/pages.js';

describeInChromium(
  'in Chromium',
  (suite) => {
    /** Reads the newest code emailed to `to` off the development outbox, in a second tab, past any security notice. */
    const codeFromOutbox = async (page: Page, to: string) => {
      const outbox = await page.context().newPage();
      await outbox.goto(`${suite.server.url}/dev/outbox`);
      const text = await outbox.locator('main').innerText();
      await outbox.close();
      const code = text
        .split(to)
        .slice(1)
        .map((entry) => /\b(\d{6})\b/.exec(entry)?.[1])
        .find(Boolean);
      if (!code) throw new Error(`no code for ${to} on /dev/outbox`);
      return code;
    };

    it('turns on email codes with a code read from /dev/outbox, then signs in with an emailed code', async () => {
      const page = await (await suite.browser.newContext()).newPage();
      await signUpOnPage(page, suite.server.url, 'mei@example.com', 'copper lantern meadow');
      expect(await page.locator('dl.facts').innerText()).toContain('Not confirmed');

      const outbox = await page.context().newPage();
      await outbox.goto(`${suite.server.url}/dev/outbox`);
      const link = /(http:\/\/\S+\/verify-email\?\S+)/.exec(await outbox.locator('main').innerText())?.[1];
      await outbox.goto(link!);
      await outbox.getByRole('button', { name: 'Confirm my email' }).click();
      expect(await outbox.getByRole('heading', { name: 'Email confirmed' }).isVisible()).toBe(true);
      await outbox.close();

      await page.reload();
      expect(await page.locator('dl.facts').innerText()).toContain('Confirmed');
      await page.getByRole('link', { name: 'Use email codes instead' }).click();

      await page.getByLabel('Your password').fill('copper lantern meadow');
      await page.getByLabel('Email me a code when I sign in').check();
      await page.getByRole('button', { name: 'Send code' }).click();
      expect(await page.getByRole('heading', { name: 'Check your email' }).isVisible()).toBe(true);
      await page.getByLabel('Code from the email').fill(await codeFromOutbox(page, 'mei@example.com'));
      await page.getByRole('button', { name: 'Turn on email codes' }).click();
      expect(await page.getByRole('heading', { name: 'Save your recovery codes' }).isVisible()).toBe(true);
      await page.getByRole('link', { name: 'I have saved them' }).click();
      expect(await page.locator('main').innerText()).toContain('Email to m•••@e•••.com');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('Email').fill('mei@example.com');
      await page.getByLabel('Password').fill('copper lantern meadow');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${suite.server.url}/sign-in/verify`);
      expect(await page.locator('.lead').innerText()).toBe('We will email you a 6-digit code.');
      await page.getByRole('button', { name: 'Send code' }).click();
      expect(await page.getByRole('status').innerText()).toBe('We sent a code to m•••@e•••.com.');
      await page.getByLabel('Verification code').fill(await codeFromOutbox(page, 'mei@example.com'));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(`${suite.server.url}/account`);
      expect(await page.locator('main').innerText()).toContain('with two-step verification');
    });
  },
  { emailCodes: { resendCooldownSeconds: 0 } },
);
