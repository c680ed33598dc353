import type { SecondFactorProof } from '../../core/flows/second-factor-check.js';

/** The core's proof from a validated `{ code } | { recoveryCode }` body. */
export function toProof(body: { code?: string | undefined; recoveryCode?: string | undefined }): SecondFactorProof {
  return body.code !== undefined ? { code: body.code } : { recoveryCode: body.recoveryCode ?? '' };
}
