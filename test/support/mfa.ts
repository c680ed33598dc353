import { Secret, TOTP } from 'otpauth';
import { expect } from 'vitest';
import type { TestBrowser } from './http-client.js';
import type { TestServer } from './test-server.js';

export const password = 'marble tangerine orbit';

/** The code an authenticator app shows for `secret` at `ms` (default settings: SHA1, 6 digits, 30 s). */
export function totpAt(secret: string, ms: number): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: ms });
}

/** Signs a new account up through the API and turns on an authenticator app; returns its secret and recovery codes. */
export async function signUpWithTotp(server: TestServer, browser: TestBrowser, email: string) {
  expect((await browser.postJson('/api/v1/sign-up', { email, password })).statusCode).toBe(201);
  const started = await browser.postJson('/api/v1/factors/totp', { password });
  expect(started.statusCode).toBe(200);
  const { secret, enrollmentToken } = started.json() as { secret: string; enrollmentToken: string };
  const confirmed = await browser.postJson('/api/v1/factors/totp/confirm', {
    enrollmentToken,
    code: totpAt(secret, server.clock.now()),
  });
  expect(confirmed.statusCode).toBe(201);
  const { factor, recoveryCodes } = confirmed.json() as { factor: { id: string }; recoveryCodes: string[] };
  return { secret, factorId: factor.id, recoveryCodes };
}

/** Approves the console's `admin.act` with the next authenticator code: the console opens for ten minutes. */
export async function confirmAdmin(server: TestServer, browser: TestBrowser, secret: string): Promise<void> {
  const { stepUpId } = (await browser.postJson('/api/v1/step-up', { action: 'admin.act' })).json();
  server.clock.advance(30_000);
  const approved = await browser.postJson('/api/v1/step-up/verify', { stepUpId, code: totpAt(secret, server.clock.now()) });
  expect(approved.statusCode, approved.body).toBe(200);
}

/** Signs out and gives the password again, leaving the browser with a pending sign-in. */
export async function reachChallenge(browser: TestBrowser, email: string) {
  await browser.postJson('/api/v1/sign-out');
  const response = await browser.postJson('/api/v1/sign-in', { email, password });
  expect(response.json()).toMatchObject({ status: 'second_factor_required' });
  return response;
}

/** The code in the newest message the development outbox kept for `to`. */
export async function latestEmailedCode(server: TestServer, to: string): Promise<string> {
  const [message] = (await server.deps.store.outbox.latest(50)).filter((candidate) => candidate.to === to);
  const code = message && /^(\d{4,10})$/m.exec(message.text)?.[1];
  if (!code) throw new Error(`no emailed code for ${to} in the outbox`);
  return code;
}

/** The `c` and `t` of the newest verification link the outbox kept for `to`. */
export async function latestVerificationLink(server: TestServer, to: string): Promise<{ c: string; t: string }> {
  const [message] = (await server.deps.store.outbox.latest(50)).filter(
    (candidate) => candidate.to === to && candidate.purpose === 'verify_email',
  );
  const link = message && /(https?:\/\/\S+\/verify-email\?\S+)/.exec(message.text)?.[1];
  if (!link) throw new Error(`no verification link for ${to} in the outbox`);
  const url = new URL(link);
  return { c: url.searchParams.get('c')!, t: url.searchParams.get('t')! };
}

/** Signs a new account up through the API, confirms its address and turns on email codes; returns the recovery codes. */
export async function signUpWithEmailCodes(server: TestServer, browser: TestBrowser, email: string) {
  expect((await browser.postJson('/api/v1/sign-up', { email, password })).statusCode).toBe(201);
  expect((await browser.postJson('/api/v1/email/verify', await latestVerificationLink(server, email))).statusCode).toBe(200);
  expect((await browser.postJson('/api/v1/factors/email', { password })).statusCode).toBe(200);
  const confirmed = await browser.postJson('/api/v1/factors/email/confirm', { code: await latestEmailedCode(server, email) });
  expect(confirmed.statusCode).toBe(201);
  server.clock.advance(31_000);
  return confirmed.json() as { factor: { id: string }; recoveryCodes: string[] };
}
