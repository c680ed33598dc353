import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { TesseraError } from '../errors.js';

export interface PhoneNumber {
  /** E.164, e.g. `+447400123456`. */
  e164: string;
  /** ISO 3166 country of the number. */
  country: string;
  /** Whether texts can reach it: mobile numbers (and North American numbers that may be mobile). */
  canText: boolean;
}

/** A number as typed (international, or national for `defaultCountry`), validated to E.164. */
export function parsePhone(input: string, defaultCountry?: string): PhoneNumber {
  const parsed = parsePhoneNumberFromString(input.trim(), defaultCountry as Parameters<typeof parsePhoneNumberFromString>[1]);
  if (!parsed || !parsed.isValid() || !parsed.country) {
    throw new TesseraError(
      'ERR_INVALID_INPUT',
      'Enter a valid phone number, with its country code (for example +44 7400 123456).',
    );
  }
  const type = parsed.getType();
  return { e164: parsed.number, country: parsed.country, canText: type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE' };
}

/** A number as it is shown back: `•••• 3456`. */
export function maskPhone(e164: string): string {
  return `•••• ${e164.slice(-4)}`;
}
