import commonPasswordList from './data/common-passwords.json' with { type: 'json' };
import type { CoreSettings } from './deps.js';
import { TesseraError } from './errors.js';

/** The 10,000 most common passwords (xato corpus, via zxcvbn-ts; regenerate with `npm run data:passwords`). */
const commonPasswords = new Set<string>(commonPasswordList);

/**
 * NIST SP 800-63B asks for Unicode normalization before hashing, so the same passphrase typed
 * on two keyboards matches; the whole normalized string is hashed, never truncated.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** Length in Unicode code points, as NIST counts it. */
function characterCount(password: string): number {
  return [...password].length;
}

/** Checks a new password against length limits and the common-password list; no composition rules. */
export function assertAcceptablePassword(password: string, settings: CoreSettings['passwords']): void {
  const length = characterCount(normalizePassword(password));
  if (length < settings.minLength) {
    throw new TesseraError('ERR_PASSWORD_TOO_SHORT', `Use at least ${settings.minLength} characters.`);
  }
  if (length > settings.maxLength) {
    throw new TesseraError('ERR_PASSWORD_TOO_LONG', `Use at most ${settings.maxLength} characters.`);
  }
  if (commonPasswords.has(normalizePassword(password).toLowerCase())) {
    throw new TesseraError(
      'ERR_PASSWORD_COMMON',
      'This password is one of the most common ones and is easy to guess. Choose another.',
    );
  }
}
