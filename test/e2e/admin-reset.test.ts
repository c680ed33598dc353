import { type Secret, TOTP } from 'otpauth';
import { expect, it } from 'vitest';
import { describeInChromium } from '../support/e2e.js';
import { setUpAppOnPage, signInOnPage, signUpOnPage } from '../support/pages.js';

const password = 'copper lantern meadow';

/** The app's code of the next 30-second step: the one set-up used is spent, and a live server keeps real time. */
async function nextStepCode(secret: Secret): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, 1_000 * (31 - (Math.floor(Date.now() / 1000) % 30))));
  return TOTP.generate({ secret });
}

describeInChromium(
  'an administrator resetting a person, in Chromium',
  (suite) => {
    const url = (path: string) => `${suite.server.url}${path}`;
    const outboxTextTo = async (to: string, purpose: string) =>
      (await suite.server.deps.store.outbox.latest(50)).find((message) => message.to === to && message.purpose === purpose)!.text;

    /** Signs up on a fresh page, confirms the address and sets up an authenticator app; returns the page and the app's secret. */
    async function personWithApp(email: string) {
      const page = await (await suite.browser.newContext()).newPage();
      page.setDefaultTimeout(8_000);
      await signUpOnPage(page, suite.server.url, email, password);
      await page.goto(/(https?:\/\/\S+\/verify-email\?\S+)/.exec(await outboxTextTo(email, 'verify_email'))![1]!);
      await page.getByRole('button', { name: 'Confirm my email' }).click();
      await page.goto(url('/account'));
      const secret = await setUpAppOnPage(page, password);
      await page.getByRole('link', { name: 'I have saved them' }).click();
      return { page, secret };
    }

    it('resets the person’s two-step verification from the console, and the person sets it up again', async () => {
      const admin = await personWithApp('root@example.com');
      const person = await personWithApp('lin@example.com');

      await admin.page.goto(url('/admin'));
      await admin.page.getByRole('heading', { name: 'Confirm it’s you' }).waitFor();
      await admin.page.getByLabel('Code from your authenticator app').fill(await nextStepCode(admin.secret));
      await admin.page.getByRole('button', { name: 'Approve', exact: true }).first().click();
      await admin.page.getByRole('heading', { name: 'People' }).waitFor();
      await admin.page.getByRole('link', { name: 'lin@example.com' }).click();
      await admin.page.getByLabel('Remove every method; they set up again at next sign-in').check();
      await admin.page.getByRole('button', { name: 'Reset two-step verification' }).click();
      await admin.page.getByText('Two-step verification was reset').waitFor();

      await person.page.goto(url('/account'));
      await person.page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await signInOnPage(person.page, 'lin@example.com', password);
      await person.page.getByText('Your two-step verification was reset.').waitFor();
      await person.page.getByRole('button', { name: 'Email me the code' }).click();
      const code = /^(\d{6})$/m.exec(await outboxTextTo('lin@example.com', 'unlock_setup'))![1]!;
      const unlock = person.page.locator('form[action="/account/setup/unlock"]');
      await unlock.getByLabel('Your password').fill(password);
      await unlock.getByLabel('Code from the email').fill(code);
      await unlock.getByRole('button', { name: 'Continue to set up' }).click();
      await setUpAppOnPage(person.page, password);
      await person.page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
      expect(
        await suite.server.deps.store.factors.listForUser(
          (await suite.server.deps.store.users.findByEmail('lin@example.com'))!.id,
        ),
      ).toHaveLength(1);
    }, 60_000);
  },
  { admin: { emails: ['root@example.com'] } },
);
