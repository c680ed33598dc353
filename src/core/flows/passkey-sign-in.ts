import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { SignInClient } from '../ports.js';
import { type AuthenticationResponseJSON, amrOf, authenticationOptions, userHandleOf } from '../factors/webauthn.js';
import { afterFirstFactor, type AfterFirstFactor } from './after-first-factor.js';
import { throttled } from './first-factor-throttle.js';
import { assertKey } from './webauthn-assertion.js';
import { issueWebAuthnChallenge, takeWebAuthnChallenge } from './webauthn-challenges.js';
import { recordEvent } from './security-events.js';

const turnedOff = () => new TesseraError('ERR_NOT_FOUND', 'Signing in with a passkey is turned off here.');

/**
 * Answers count against the source's sign-in budget; options have a budget of their own, since
 * every visit to the sign-in page asks for them (for the autofill) and must not use up the
 * attempts of everyone behind one office address.
 */
async function claimIpBudget(deps: CoreDeps, key: 'ip' | 'passkey-options', ip: string): Promise<void> {
  const budget = await deps.ipLimiter.consume(`${key}:${ip}`);
  if (!budget.allowed) throw throttled(budget.retryAfterMs);
}

/**
 * Options for signing in with a passkey without typing an email: no credentials are listed, so
 * the browser offers whichever passkeys it holds for this site (also in the email field's
 * autofill). The challenge belongs to nobody until a passkey answers it.
 */
export async function passkeyOptions(deps: CoreDeps, ip: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
  if (!deps.settings.webauthn.passkeys) throw turnedOff();
  await claimIpBudget(deps, 'passkey-options', ip);
  const challenge = await issueWebAuthnChallenge(deps, { purpose: 'passkey', userId: null, pendingSignInId: null, kind: null });
  return authenticationOptions(deps.settings, { challenge, allow: [], userVerification: 'preferred' });
}

/**
 * Signs in with a passkey as the first factor. With user verification it is a full
 * multi-factor sign-in (possession plus PIN or biometric); without, the person's second factor
 * is still asked, and the same key cannot be it. Every failure looks the same.
 */
export async function signInWithPasskey(
  deps: CoreDeps,
  input: { response: AuthenticationResponseJSON } & SignInClient,
): Promise<AfterFirstFactor> {
  if (!deps.settings.webauthn.passkeys) throw turnedOff();
  await claimIpBudget(deps, 'ip', input.ip);
  const failed = async (userId: string | null) => {
    await recordEvent(deps, deps.store, {
      type: 'sign_in_failed',
      userId,
      ip: input.ip,
      userAgent: input.userAgent,
      at: deps.clock.now(),
      detail: { method: 'passkey' },
    });
    return new TesseraError(
      'ERR_PASSKEY_FAILED',
      'That passkey could not sign you in. Try again, or sign in with your email and password.',
    );
  };

  const taken = await takeWebAuthnChallenge(deps, input.response);
  if (taken?.issued.purpose !== 'passkey') throw await failed(null);
  const factor = await deps.store.factors.findByCredentialId(input.response.id);
  const handle = input.response.response.userHandle;
  if (
    !factor?.webauthn ||
    factor.webauthn.flaggedAt !== null ||
    (handle !== undefined && handle !== userHandleOf(factor.userId))
  ) {
    throw await failed(factor?.userId ?? null);
  }
  const user = await deps.store.users.findById(factor.userId);
  const asserted =
    user &&
    (await assertKey(deps, {
      factor,
      response: input.response,
      challenge: taken.challenge,
      requireUserVerification: false,
      ip: input.ip,
      userAgent: input.userAgent,
    }));
  if (!user || !asserted) throw await failed(factor.userId);
  return afterFirstFactor(deps, {
    user,
    amr: amrOf(factor.webauthn, asserted.userVerified),
    ip: input.ip,
    userAgent: input.userAgent,
    browserToken: input.browserToken,
    deviceToken: input.deviceToken,
    multiFactor: asserted.userVerified,
    firstFactorId: factor.id,
  });
}
