import { TesseraError } from '../errors.js';

type Parser = typeof import('libphonenumber-js/max').parsePhoneNumberFromString;
let parser: Promise<Parser> | undefined;

/** The full metadata (needed to tell mobiles from landlines) takes about 11 MB, so it loads with the first number. */
const loadParser = () => (parser ??= import('libphonenumber-js/max').then((module) => module.parsePhoneNumberFromString));

export interface PhoneNumber {
  /** E.164, e.g. `+447400123456`. */
  e164: string;
  /** ISO 3166 country of the number. */
  country: string;
  /** Whether texts can reach it: mobile numbers (and North American numbers that may be mobile). */
  canText: boolean;
}

/** A number as typed (international, or national for `defaultCountry`), validated to E.164. */
export async function parsePhone(input: string, defaultCountry?: string): Promise<PhoneNumber> {
  const parse = await loadParser();
  const parsed = parse(input.trim(), defaultCountry as Parameters<Parser>[1]);
  if (!parsed || !parsed.isValid() || !parsed.country) {
    throw new TesseraError(
      'ERR_INVALID_INPUT',
      'Enter a valid phone number, with its country code (for example +44 7400 123456).',
    );
  }
  const type = parsed.getType();
  return { e164: parsed.number, country: parsed.country, canText: type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE' };
}

/** The ISO country of an E.164 number, if it has one. */
export async function phoneCountry(e164: string): Promise<string | undefined> {
  return (await loadParser())(e164)?.country;
}

/** A number as it is shown back: `•••• 3456`. */
export function maskPhone(e164: string): string {
  return `•••• ${e164.slice(-4)}`;
}
