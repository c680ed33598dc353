import { expect, it } from 'vitest';
import { createOrganization, putMember } from '../../src/core/flows/organizations.js';
import { describeInChromium } from '../support/e2e.js';
import { setUpAppOnPage, signInOnPage, signUpOnPage } from '../support/pages.js';

const password = 'copper lantern meadow';

describeInChromium('a staff member made to set up two-step verification, in Chromium', (suite) => {
  const url = (path: string) => `${suite.server.url}${path}`;
  const outboxTextTo = async (to: string, purpose: string) =>
    (await suite.server.deps.store.outbox.latest(50)).find((message) => message.to === to && message.purpose === purpose)!.text;

  it('is led through setting it up at the next sign-in, before the account opens', async () => {
    const page = await suite.browser.newPage();
    page.setDefaultTimeout(8_000);
    await signUpOnPage(page, suite.server.url, 'sam@example.com', password);
    await page.goto(/(https?:\/\/\S+\/verify-email\?\S+)/.exec(await outboxTextTo('sam@example.com', 'verify_email'))![1]!);
    await page.getByRole('button', { name: 'Confirm my email' }).click();
    await page.goto(url('/account'));
    await page.getByRole('button', { name: 'Sign out' }).click();

    const { deps } = suite.server;
    const sam = (await deps.store.users.findByEmail('sam@example.com'))!;
    const acme = await createOrganization(deps, {
      name: 'Acme',
      policy: { mfa: 'roles', roles: ['staff'], allowedMethods: [], graceDays: 0, graceSignIns: 0 },
    });
    await putMember(deps, { orgId: acme.id, userId: sam.id, role: 'staff' });

    await signInOnPage(page, 'sam@example.com', password);
    await page.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
    expect(await page.locator('.lead').innerText()).toContain('Acme (staff) requires it.');
    await page.goto(url('/account/password'));
    expect(new URL(page.url()).pathname).toBe('/account');

    await page.getByRole('button', { name: 'Email me the code' }).click();
    const code = /^(\d{6})$/m.exec(await outboxTextTo('sam@example.com', 'unlock_setup'))![1]!;
    await page.getByLabel('Your password').fill(password);
    await page.getByLabel('Code from the email').fill(code);
    await page.getByRole('button', { name: 'Continue to set up' }).click();
    await page.getByText('Now set up a method.').waitFor();
    await setUpAppOnPage(page, password);
    await page.getByRole('link', { name: 'I have saved them' }).click();
    await page.getByRole('heading', { name: 'Account security' }).waitFor();
    expect(await page.getByTestId('mfa-requirement').innerText()).toBe('Required by Acme (staff).');
    expect(await page.getByText('Turning it off is locked: Acme (staff) requires it.').isVisible()).toBe(true);
  });
});
