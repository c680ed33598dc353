import { Secret, TOTP } from 'otpauth';
import type { TesseraConfig } from '../../config.js';
import type { Random } from '../ports.js';

/** What code generation and checking depend on. */
export type TotpSettings = Pick<TesseraConfig['totp'], 'algorithm' | 'digits' | 'period' | 'window'>;

const allDigits = /^\d+$/;

/** A new shared secret: 160 bits from the CSPRNG, as RFC 4226 recommends, in base32. */
export function newTotpSecret(random: Random): string {
  return new Secret({ buffer: random.bytes(20).buffer.slice(0) as ArrayBuffer }).base32;
}

/** The otpauth:// URI an authenticator app reads from the QR code. */
export function otpauthUri(secret: string, issuer: string, accountName: string, settings: TotpSettings): string {
  return new TOTP({
    issuer,
    label: accountName,
    secret: Secret.fromBase32(secret),
    algorithm: settings.algorithm,
    digits: settings.digits,
    period: settings.period,
  }).toString();
}

/**
 * The time step a code belongs to, if it matches one within the window around `now`;
 * undefined otherwise. The caller records the step so the code cannot be used again.
 */
export function matchTotpStep(secret: string, code: string, now: number, settings: TotpSettings): number | undefined {
  if (code.length !== settings.digits || !allDigits.test(code)) return undefined;
  const delta = TOTP.validate({
    token: code,
    secret: Secret.fromBase32(secret),
    algorithm: settings.algorithm,
    digits: settings.digits,
    period: settings.period,
    timestamp: now,
    window: settings.window,
  });
  return delta === null ? undefined : Math.floor(now / 1000 / settings.period) + delta;
}

/** The setup key in groups of four, easier to type by hand. */
export function groupSetupKey(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}
