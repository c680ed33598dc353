import { expect, it } from 'vitest';
import { describeInChromium } from '../support/e2e.js';

describeInChromium('in Chromium', (suite) => {
  it('signs up, signs out and signs back in with the password', async () => {
    const page = await suite.browser.newPage();
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });

    await page.goto(`${suite.server.url}/`);
    await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
    await page.getByRole('link', { name: 'Create an account' }).click();

    await page.getByLabel('Email').fill('grace@example.com');
    await page.getByLabel('Password').fill('copper lantern meadow');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${suite.server.url}/account`);
    expect(await page.getByRole('heading', { name: 'Account security' }).isVisible()).toBe(true);
    expect(await page.locator('dl.facts').innerText()).toContain('grace@example.com');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${suite.server.url}/sign-in`);

    await page.getByLabel('Email').fill('grace@example.com');
    await page.getByLabel('Password').fill('not my password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    expect(await page.getByRole('alert').innerText()).toBe('The email or password is not right.');

    await page.getByLabel('Password').fill('copper lantern meadow');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${suite.server.url}/account`);
    expect(await page.getByRole('heading', { name: 'Account security' }).isVisible()).toBe(true);

    const cookies = await page.context().cookies();
    expect(cookies.find((cookie) => cookie.name === 'tessera_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    const primary = await page
      .getByRole('button', { name: 'Change password' })
      .evaluate((element) => getComputedStyle(element).backgroundColor);
    expect(primary).toBe('rgb(31, 75, 216)');
    expect(cspViolations).toEqual([]);
  });
});
