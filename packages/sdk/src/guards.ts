import { meetsAcr } from './assurance.js';
import type { Refusal } from './challenge.js';
import { type Grant, type Identity, type Tessera, TesseraRefused } from './tessera.js';

/** What a route needs of the sign-in: a level (any of `acrValues`) and how recent, in seconds. */
export interface Need {
  acrValues?: readonly string[];
  maxAge?: number;
}

/** A request as the guards see it, whatever the framework. */
export interface GuardedRequest {
  /** The ID token the request carries. */
  token: string | undefined;
  /** A step-up grant it carries (`?grant=` or the `Tessera-Grant` header). */
  grant: string | undefined;
  /** The request's absolute URL, where a step-up returns. */
  url: URL;
}

export type GuardOutcome = { identity: Identity; grant?: Grant } | { refusal: Refusal };

/** The signed-in person, if the token is valid and the sign-in meets `need`; otherwise why not, as an RFC 9470 challenge. */
export async function checkSession(tessera: Tessera, token: string | undefined, need: Need = {}): Promise<GuardOutcome> {
  if (!token) return { refusal: { status: 401, error: 'sign_in_required', description: 'Sign in first.' } };
  let identity: Identity;
  try {
    identity = await tessera.verifyIdToken(token);
  } catch (error) {
    if (!(error instanceof TesseraRefused)) throw error;
    return { refusal: { status: 401, error: 'invalid_token', description: error.message } };
  }
  if (need.acrValues && !meetsAcr(identity.acr, need.acrValues)) {
    const description = 'A stronger sign-in is required.';
    return { refusal: { status: 401, error: 'insufficient_user_authentication', description, acrValues: need.acrValues } };
  }
  if (need.maxAge !== undefined && Date.now() / 1000 - identity.authTime > need.maxAge) {
    const description = 'A more recent sign-in is required.';
    return { refusal: { status: 401, error: 'insufficient_user_authentication', description, maxAge: need.maxAge } };
  }
  return { identity };
}

/**
 * The signed-in person with Tessera's approval of `action` on `details`: the grant the request
 * carries must approve exactly that, for this person (and is redeemed if single use). Without
 * one, the refusal says where the browser approves it and comes back to this same URL.
 */
export async function checkStepUp(
  tessera: Tessera,
  request: GuardedRequest,
  action: string,
  details: string | undefined,
): Promise<GuardOutcome> {
  const signedIn = await checkSession(tessera, request.token);
  if ('refusal' in signedIn) return signedIn;
  const returnTo = new URL(request.url);
  returnTo.searchParams.delete('grant');
  const stepUpUrl = tessera.stepUpUrl({ action, ...(details !== undefined ? { details } : {}), returnTo: returnTo.href });
  if (!request.grant) {
    const description = 'This action needs a fresh approval.';
    return { refusal: { status: 401, error: 'insufficient_user_authentication', description, stepUpUrl } };
  }
  try {
    const grant = await tessera.verifyGrant(request.grant, {
      sub: signedIn.identity.sub,
      action,
      ...(details !== undefined ? { details } : {}),
    });
    return { identity: signedIn.identity, grant };
  } catch (error) {
    if (!(error instanceof TesseraRefused)) throw error;
    return { refusal: { status: 403, error: 'invalid_grant', description: error.message, stepUpUrl } };
  }
}
