import { z } from 'zod';
import { TesseraError } from '../../core/errors.js';
import type { SecondFactorProof } from '../../core/flows/second-factor-check.js';
import { webauthnAssertion } from '../api/schemas.js';

/** A form's one proof field: digits are an authenticator code, anything else a recovery code. */
export function proofFromField(value: string): SecondFactorProof {
  const trimmed = value.replace(/\s/g, '');
  return /^\d+$/.test(trimmed) ? { code: trimmed } : { recoveryCode: value };
}

/** The proof fields of a form: the typed code, and the answer the security key button fills in. */
export const proofFields = {
  proof: z.string().trim().max(64).optional(),
  webauthn: z.string().max(48_000).optional(),
  /** Set when the code was sent for this change ("Email me a code"). */
  stepUpId: z.string().max(64).optional(),
};

/**
 * A JSON answer of the browser's WebAuthn call, carried in a hidden form field, checked against
 * its schema; a field that was tampered with is a 400 like any other bad input.
 */
export function parseKeyAnswer<T>(json: string, schema: z.ZodType<T>): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new TesseraError('ERR_INVALID_INPUT', 'The answer from your security key was incomplete. Try again.');
  }
  return schema.parse(parsed);
}

/** The proof a form carries: the security key's answer when its button filled one in, otherwise the typed code. */
export function proofFromForm(fields: { proof?: string | undefined; webauthn?: string | undefined }): SecondFactorProof {
  if (fields.webauthn) return { webauthn: parseKeyAnswer(fields.webauthn, webauthnAssertion) };
  if (!fields.proof) throw new TesseraError('ERR_INVALID_INPUT', 'Code: is required');
  return proofFromField(fields.proof);
}

/** What a protected change's form carries: a proof, if given, and the step-up a sent code answers. */
export function actionProofFromForm(fields: { proof?: string; webauthn?: string; stepUpId?: string }) {
  return { proof: optionalProofFromForm(fields), stepUpId: fields.stepUpId };
}

/** Like `proofFromForm`, for forms where the proof is only asked when two-step verification is on. */
export function optionalProofFromForm(fields: {
  proof?: string | undefined;
  webauthn?: string | undefined;
}): SecondFactorProof | undefined {
  return fields.proof || fields.webauthn ? proofFromForm(fields) : undefined;
}
