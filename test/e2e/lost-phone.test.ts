import { expect, it } from 'vitest';
import { describeInChromium } from '../support/e2e.js';
import { setUpAppOnPage, signInOnPage, signUpOnPage } from '../support/pages.js';

const password = 'copper lantern meadow';

describeInChromium('losing a phone, in Chromium', (suite) => {
  const url = (path: string) => `${suite.server.url}${path}`;
  const outboxTextTo = async (to: string, purpose: string) =>
    (await suite.server.deps.store.outbox.latest(50)).find((message) => message.to === to && message.purpose === purpose)!.text;

  it('signs in with a recovery code, resets two-step verification, sets it up again with an emailed code, and is told of each by email', async () => {
    const page = await suite.browser.newPage();
    page.setDefaultTimeout(8_000);
    await signUpOnPage(page, suite.server.url, 'lin@example.com', password);
    await page.goto(/(https?:\/\/\S+\/verify-email\?\S+)/.exec(await outboxTextTo('lin@example.com', 'verify_email'))![1]!);
    await page.getByRole('button', { name: 'Confirm my email' }).click();
    await page.goto(url('/account'));
    await setUpAppOnPage(page, password);
    const recoveryCodes = await page.getByTestId('recovery-codes').locator('code').allInnerTexts();
    await page.getByRole('link', { name: 'I have saved them' }).click();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signInOnPage(page, 'lin@example.com', password);
    await page.getByRole('link', { name: 'Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(url('/account'));

    await page.locator('summary', { hasText: 'Reset two-step verification' }).click();
    const reset = page.locator('form[action="/account/mfa/reset"]');
    await reset.getByLabel(/or a recovery code/).fill(recoveryCodes[1]!);
    await reset.getByLabel('Remove all my methods and sign me out').check();
    await reset.getByRole('button', { name: 'Reset two-step verification' }).click();
    await page.getByText('Two-step verification was reset').waitFor();

    await signInOnPage(page, 'lin@example.com', password);
    await page.waitForURL(url('/account'));
    await page.getByText('Your two-step verification was reset.').waitFor();
    expect(await page.getByRole('link', { name: 'Set up an authenticator app' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Email me the code' }).click();
    const code = /^(\d{6})$/m.exec(await outboxTextTo('lin@example.com', 'unlock_setup'))![1]!;
    const unlock = page.locator('form[action="/account/setup/unlock"]');
    await unlock.getByLabel('Your password').fill(password);
    await unlock.getByLabel('Code from the email').fill(code);
    await unlock.getByRole('button', { name: 'Continue to set up' }).click();
    await page.getByText('Now set up a method.').waitFor();
    await setUpAppOnPage(page, password);
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();

    const outbox = await suite.browser.newPage();
    const outboxText = async () => {
      await outbox.goto(url('/dev/outbox'));
      return outbox.locator('main').innerText();
    };
    await expect.poll(outboxText, { timeout: 8_000, interval: 500 }).toContain('Two-step verification reset');
    const told = await outboxText();
    expect(told).toContain('Recovery code used (9 left)');
    expect(told).toMatch(/Chrome \d+ on Linux · IP address 127\.0\.0\.1/);
    for (const recoveryCode of recoveryCodes) expect(told).not.toContain(recoveryCode);
  });
});
