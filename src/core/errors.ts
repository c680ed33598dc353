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
  'ERR_CODE_INVALID',
  'ERR_LOCKED',
  'ERR_SIGN_IN_EXPIRED',
  'ERR_ENROLLMENT_EXPIRED',
  'ERR_ALREADY_ENROLLED',
  'ERR_CONFIRMATION_REQUIRED',
  'ERR_MFA_NOT_ENABLED',
  'ERR_NOT_FOUND',
  'ERR_RESEND_TOO_SOON',
  'ERR_SEND_LIMIT',
  'ERR_DELIVERY_FAILED',
  'ERR_EMAIL_UNVERIFIED',
  'ERR_LINK_INVALID',
  'ERR_PHONE_REQUIRED_FIRST',
  'ERR_OTHER_FACTOR_FIRST',
  'ERR_WEBAUTHN_FAILED',
  'ERR_PASSKEY_FAILED',
  'ERR_SETUP_LOCKED',
  'ERR_FRESH_FACTOR_REQUIRED',
  'ERR_UNKNOWN_ACTION',
  'ERR_MFA_REQUIRED',
  'ERR_STEP_UP_EXPIRED',
  'ERR_STEP_UP_REQUIRED',
  'ERR_GRANT_INVALID',
  'ERR_GRANT_USED',
  'ERR_RETURN_URL',
  'ERR_MFA_DISABLED',
  'ERR_METHOD_NOT_ALLOWED',
  'ERR_MFA_ENFORCED',
  'ERR_ENROLLMENT_REQUIRED',
  'ERR_SSO_FAILED',
  'ERR_SCOPE_REQUIRED',
  'ERR_PROMPT_INVALID',
  'ERR_PROMPT_CODE_INVALID',
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
