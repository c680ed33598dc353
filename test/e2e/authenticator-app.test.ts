import jsQRModule from 'jsqr';
import { Secret, TOTP, URI } from 'otpauth';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { expect, it } from 'vitest';
import { describeInChromium } from '../support/e2e.js';
import { signUpOnPage } from '../support/pages.js';

// jsqr's types declare an ES default export, but the package is CommonJS; take the function either way.
const jsQR = ((jsQRModule as unknown as { default?: unknown }).default ?? jsQRModule) as unknown as typeof jsQRModule.default;

/** Reads a QR code from an <img> whose src is a PNG data URL, as a phone camera would. */
async function readQrCode(page: Page, selector: string): Promise<string | undefined> {
  const src = await page.locator(selector).getAttribute('src');
  const png = PNG.sync.read(Buffer.from(src!.replace(/^data:image\/png;base64,/, ''), 'base64'));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

describeInChromium('in Chromium', (suite) => {
  const signIn = async (page: Page) => {
    await page.goto(`${suite.server.url}/sign-in`);
    await page.getByLabel('Email').fill('lin@example.com');
    await page.getByLabel('Password').fill('copper lantern meadow');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${suite.server.url}/sign-in/verify`);
  };

  it('turns on an authenticator app from the setup key, then signs in with a code and with a recovery code', async () => {
    const page = await suite.browser.newPage();
    await signUpOnPage(page, suite.server.url, 'lin@example.com', 'copper lantern meadow');
    await page.getByRole('link', { name: 'Set up an authenticator app' }).click();

    await page.getByLabel('Your password').fill('copper lantern meadow');
    await page.getByLabel(/Ask me for a code/).check();
    await page.getByRole('button', { name: 'Continue' }).click();

    const setupKey = (await page.getByTestId('setup-key').innerText()).replace(/\s/g, '');
    const scanned = await readQrCode(page, 'img.qr');
    const app = URI.parse(scanned!) as TOTP;
    expect(app.issuer).toBe('Tessera');
    expect(app.label).toBe('lin@example.com');
    expect(app.secret.base32).toBe(setupKey);

    await page.getByLabel('6-digit code').fill(app.generate());
    await page.getByRole('button', { name: 'Turn on two-step verification' }).click();
    expect(await page.getByRole('heading', { name: 'Save your recovery codes' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Print' }).isVisible()).toBe(true);
    const recoveryCodes = await page.getByTestId('recovery-codes').locator('code').allInnerTexts();
    expect(recoveryCodes).toHaveLength(10);
    await page.getByRole('link', { name: 'I have saved them' }).click();
    expect(await page.locator('.badge-on').innerText()).toBe('On');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page);
    const nextStepCode = TOTP.generate({ secret: Secret.fromBase32(setupKey), timestamp: Date.now() + 30_000 });
    await page.getByLabel('Verification code').fill(nextStepCode);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${suite.server.url}/account`);
    expect(await page.locator('main').innerText()).toContain('10 of 10 left');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page);
    await page.getByRole('link', { name: 'Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${suite.server.url}/account`);
    expect(await page.locator('main').innerText()).toContain('9 of 10 left');
  });
});
