import type { CoreDeps } from '../deps.js';
import { newId } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { OobChallenge, PendingSignIn, RequestOrigin } from '../ports.js';
import { autoSetUp, findPendingSignIn } from './after-first-factor.js';
import { emailFactorsOf } from './email-codes.js';
import { mfaRequirementOf } from './mfa-policy.js';
import { sendCode } from './send-code.js';
import { sendSignInCode } from './sign-in-codes.js';
import { normalizeEmail } from './sign-up.js';

/**
 * Starts signing in without a password: the browser gets a pending sign-in for the address,
 * with no first factor yet, and the confirmed address its code at once. An address without an
 * account gets a token that leads nowhere, and the same answer: whoever types an address cannot
 * tell whether it has an account.
 */
export async function startPasswordless(
  deps: CoreDeps,
  input: { email: string } & RequestOrigin,
): Promise<{ pendingToken: string }> {
  if (!deps.settings.signIn.passwordless)
    throw new TesseraError('ERR_NOT_FOUND', 'Sign-in without a password is not offered here.');
  const budget = await deps.ipLimiter.consume(`passwordless:${input.ip}`);
  if (!budget.allowed) throw new TesseraError('ERR_THROTTLED', 'Too many attempts. Try again later.', budget.retryAfterMs);
  const pendingToken = deps.random.bytes(32).toString('base64url');
  const user = await deps.store.users.findByEmail(normalizeEmail(input.email));
  if (!user) return { pendingToken };

  const now = deps.clock.now();
  await autoSetUp(deps, user, await mfaRequirementOf(deps, user), { ip: input.ip, userAgent: input.userAgent });
  const pending: PendingSignIn = {
    id: newId(deps.random),
    tokenHash: deps.keyedHash.hash(`pending:${pendingToken}`),
    userId: user.id,
    amr: [],
    firstFactorId: null,
    riskAssessmentId: null,
    createdAt: now,
    expiresAt: now + deps.settings.signIn.pendingMinutes * 60_000,
  };
  await deps.store.pendingSignIns.create(pending);
  const [email] = await emailFactorsOf(deps, user);
  if (email) {
    await sendCode(deps, {
      user,
      address: email.address,
      purpose: 'sign_in',
      pendingSignInId: pending.id,
      factorId: email.factor.id,
      ip: input.ip,
      userAgent: input.userAgent,
    }).catch((error: unknown) => {
      // A refused send (cooldown, caps) must answer like any other address.
      if (!(error instanceof TesseraError)) throw error;
    });
  }
  return { pendingToken };
}

/**
 * "Text me a code" (or call, or email again) while signing in without a password. It answers
 * alike whether or not the address has an account or such a number: nothing tells them apart.
 */
export async function sendPasswordlessCode(
  deps: CoreDeps,
  input: { pendingToken: string; channel: OobChallenge['channel'] } & RequestOrigin,
): Promise<void> {
  const pending = await findPendingSignIn(deps, input.pendingToken);
  if (!pending || pending.amr.length !== 0) return;
  await sendSignInCode(deps, { ...input, passwordless: true }).catch((error: unknown) => {
    if (!(error instanceof TesseraError)) throw error;
  });
}
