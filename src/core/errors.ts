/** Stable error codes; the HTTP layer maps each to a status and a message people can act on. */
export const errorCodes = [
  'ERR_INVALID_INPUT',
  'ERR_INVALID_CREDENTIALS',
  'ERR_EMAIL_TAKEN',
  'ERR_PASSWORD_TOO_SHORT',
  'ERR_PASSWORD_TOO_LONG',
  'ERR_PASSWORD_COMMON',
  'ERR_THROTTLED',
  'ERR_UNAUTHENTICATED',
  'ERR_CSRF',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** A failure the person or the calling app can do something about; never a programming error. */
export class TesseraError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** For ERR_THROTTLED: milliseconds until another attempt is allowed. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'TesseraError';
  }
}
