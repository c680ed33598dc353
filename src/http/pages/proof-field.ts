import type { SecondFactorProof } from '../../core/flows/second-factor-check.js';

/** A form's one proof field: digits are an authenticator code, anything else a recovery code. */
export function proofFromField(value: string): SecondFactorProof {
  const trimmed = value.replace(/\s/g, '');
  return /^\d+$/.test(trimmed) ? { code: trimmed } : { recoveryCode: value };
}
