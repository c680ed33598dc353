import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';

/** Opens the sign-up page of the server at `baseUrl` and creates an account, as a person would. */
export async function signUpOnPage(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/sign-up`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
}

/** Fills the sign-in form with an email and password, as a person would. */
export async function signInOnPage(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Sets up an authenticator app from the account page's link, reading the setup key; returns the app's secret. */
export async function setUpAppOnPage(page: Page, password: string, link = 'Set up an authenticator app'): Promise<Secret> {
  await page.getByRole('link', { name: link }).click();
  await page.getByLabel('Your password').fill(password);
  await page.getByLabel(/Ask me for a code/).check();
  await page.getByRole('button', { name: 'Continue' }).click();
  const secret = Secret.fromBase32((await page.getByTestId('setup-key').innerText()).replace(/\s/g, ''));
  await page.getByLabel('6-digit code').fill(TOTP.generate({ secret }));
  await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
  return secret;
}
