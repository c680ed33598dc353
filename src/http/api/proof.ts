import type { SecondFactorProof } from '../../core/flows/second-factor-check.js';
import type { AuthenticationResponseJSON } from '../../core/factors/webauthn.js';

/** The core's proof from a validated `{ code } | { recoveryCode } | { webauthn }` body. */
export function toProof(body: {
  code?: string | undefined;
  recoveryCode?: string | undefined;
  webauthn?: AuthenticationResponseJSON | undefined;
}): SecondFactorProof {
  if (body.webauthn !== undefined) return { webauthn: body.webauthn };
  return body.code !== undefined ? { code: body.code } : { recoveryCode: body.recoveryCode ?? '' };
}

/** The proof in a body whose `code`, `recoveryCode` and `webauthn` are all optional, if it carries one. */
export function optionalProof(body: {
  code?: string | undefined;
  recoveryCode?: string | undefined;
  webauthn?: AuthenticationResponseJSON | undefined;
}): SecondFactorProof | undefined {
  return body.code !== undefined || body.recoveryCode !== undefined || body.webauthn !== undefined ? toProof(body) : undefined;
}
