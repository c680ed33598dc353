/**
 * Why a request was refused, and how the client can get what is missing: the RFC 6750 / RFC 9470
 * `WWW-Authenticate` challenge and the same in a JSON body.
 */
export interface Refusal {
  status: 401 | 403;
  /** `sign_in_required` (no token: RFC 6750 names no error then), or the error the challenge names. */
  error: 'sign_in_required' | 'invalid_token' | 'insufficient_user_authentication' | 'invalid_grant';
  description: string;
  /** The levels that would do (RFC 9470 `acr_values`). */
  acrValues?: readonly string[];
  /** How recent the sign-in must be, in seconds (RFC 9470 `max_age`). */
  maxAge?: number;
  /** Where the browser approves the action at Tessera; it comes back with `?grant=…`. */
  stepUpUrl?: string;
}

const quoted = (value: string) => `"${value.replace(/["\\]/g, '\\$&')}"`;

/** The `WWW-Authenticate` header of a refusal, e.g. `Bearer error="insufficient_user_authentication", acr_values="phr"`. */
export function wwwAuthenticate(refusal: Refusal): string {
  const params: [string, string | undefined][] = [
    ['error', refusal.error === 'sign_in_required' ? undefined : refusal.error],
    ['error_description', refusal.error === 'sign_in_required' ? undefined : refusal.description],
    ['acr_values', refusal.acrValues?.join(' ')],
    ['max_age', refusal.maxAge?.toString()],
  ];
  const present = params.filter((param): param is [string, string] => param[1] !== undefined);
  return ['Bearer', present.map(([name, value]) => `${name}=${quoted(value)}`).join(', ')].join(' ').trim();
}

/** The JSON body of a refusal, with the challenge's parameters under their RFC names. */
export function refusalBody(refusal: Refusal) {
  return {
    error: refusal.error,
    error_description: refusal.description,
    ...(refusal.acrValues ? { acr_values: refusal.acrValues.join(' ') } : {}),
    ...(refusal.maxAge !== undefined ? { max_age: refusal.maxAge } : {}),
    ...(refusal.stepUpUrl ? { step_up_url: refusal.stepUpUrl } : {}),
  };
}
