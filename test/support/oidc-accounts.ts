import { Secret, TOTP } from 'otpauth';
import { expect } from 'vitest';
import type { HttpBrowser } from './http-browser.js';
import { password } from './mfa.js';

/** A new account with an authenticator app, made over Tessera's JSON API; its secret and recovery codes. */
export async function accountWithTotp(browser: HttpBrowser, email: string) {
  expect((await browser.fetch('/api/v1/sign-up', { json: { email, password } })).status).toBe(201);
  const started = (await (await browser.fetch('/api/v1/factors/totp', { json: { password } })).json()) as {
    secret: string;
    enrollmentToken: string;
  };
  const code = TOTP.generate({ secret: Secret.fromBase32(started.secret) });
  const confirmed = await browser.fetch('/api/v1/factors/totp/confirm', {
    json: { enrollmentToken: started.enrollmentToken, code },
  });
  expect(confirmed.status).toBe(201);
  const { recoveryCodes } = (await confirmed.json()) as { recoveryCodes: string[] };
  return { secret: started.secret, recoveryCodes };
}
