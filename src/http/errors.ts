import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { type ErrorCode, TesseraError } from '../core/errors.js';

export const statusByCode: Record<ErrorCode, number> = {
  ERR_INVALID_INPUT: 400,
  ERR_INVALID_CREDENTIALS: 401,
  ERR_EMAIL_TAKEN: 409,
  ERR_PASSWORD_TOO_SHORT: 400,
  ERR_PASSWORD_TOO_LONG: 400,
  ERR_PASSWORD_COMMON: 400,
  ERR_THROTTLED: 429,
  ERR_UNAUTHENTICATED: 401,
  ERR_CSRF: 403,
  ERR_CODE_INVALID: 401,
  ERR_LOCKED: 423,
  ERR_SIGN_IN_EXPIRED: 401,
  ERR_ENROLLMENT_EXPIRED: 400,
  ERR_ALREADY_ENROLLED: 409,
  ERR_CONFIRMATION_REQUIRED: 409,
  ERR_MFA_NOT_ENABLED: 409,
  ERR_NOT_FOUND: 404,
  ERR_RESEND_TOO_SOON: 429,
  ERR_SEND_LIMIT: 429,
  ERR_DELIVERY_FAILED: 503,
  ERR_EMAIL_UNVERIFIED: 409,
  ERR_LINK_INVALID: 400,
  ERR_PHONE_REQUIRED_FIRST: 409,
  ERR_OTHER_FACTOR_FIRST: 409,
  ERR_WEBAUTHN_FAILED: 400,
  ERR_PASSKEY_FAILED: 401,
  ERR_SETUP_LOCKED: 409,
  ERR_FRESH_FACTOR_REQUIRED: 403,
  ERR_UNKNOWN_ACTION: 400,
  ERR_MFA_REQUIRED: 403,
  ERR_STEP_UP_EXPIRED: 400,
  ERR_STEP_UP_REQUIRED: 403,
  ERR_GRANT_INVALID: 400,
  ERR_GRANT_USED: 409,
  ERR_RETURN_URL: 400,
  ERR_MFA_DISABLED: 409,
  ERR_METHOD_NOT_ALLOWED: 409,
  ERR_MFA_ENFORCED: 409,
  ERR_ENROLLMENT_REQUIRED: 403,
  ERR_SSO_FAILED: 400,
  ERR_SCOPE_REQUIRED: 403,
  ERR_PROMPT_INVALID: 400,
  ERR_PROMPT_CODE_INVALID: 400,
};

/** The JSON body of every API error: a stable code and a sentence a person can act on. */
export interface ApiError {
  error: { code: ErrorCode | 'ERR_INTERNAL'; message: string };
}

/**
 * Domain errors keep their code; schema failures become ERR_INVALID_INPUT naming the field;
 * anything else is logged and answered with a generic 500 that reveals nothing.
 */
export function handleError(error: FastifyError | TesseraError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof TesseraError) {
    if (error.retryAfterMs !== undefined) reply.header('retry-after', Math.ceil(error.retryAfterMs / 1000));
    return reply
      .status(statusByCode[error.code])
      .send({ error: { code: error.code, message: error.message } } satisfies ApiError);
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0];
    const field = first?.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'body';
    return reply.status(400).send({
      error: { code: 'ERR_INVALID_INPUT', message: `${field}: ${first?.message ?? 'is invalid'}` },
    } satisfies ApiError);
  }
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  if (status === 500) request.log.error({ err: error }, 'unhandled error');
  return reply.status(status).send({
    error: {
      code: status === 500 ? 'ERR_INTERNAL' : 'ERR_INVALID_INPUT',
      message: status === 500 ? 'Something went wrong on our side. Please try again.' : error.message,
    },
  } satisfies ApiError);
}
