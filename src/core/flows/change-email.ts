import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { User } from '../ports.js';
import { type CodeSent, sendCode } from './send-code.js';
import { checkSecondFactor, type SecondFactorProof } from './second-factor-check.js';
import { confirmPassword } from './sign-in.js';
import { normalizeEmail } from './sign-up.js';

/**
 * Starts moving the account to a new address: the password again and, with two-step
 * verification on, a current second factor. Nothing changes until the link sent to the new
 * address comes back.
 */
export async function startEmailChange(
  deps: CoreDeps,
  input: { user: User; newEmail: string; password: string; proof?: SecondFactorProof; ip: string; userAgent?: string },
): Promise<CodeSent> {
  const newEmail = normalizeEmail(input.newEmail);
  if (newEmail === input.user.email) throw new TesseraError('ERR_INVALID_INPUT', 'That is already your address.');
  await confirmPassword(deps, { user: input.user, password: input.password, ip: input.ip, userAgent: input.userAgent });
  if ((await deps.store.factors.listForUser(input.user.id)).length > 0) {
    if (!input.proof) {
      throw new TesseraError('ERR_INVALID_INPUT', 'Enter a code from your authenticator app, your email or a recovery code.');
    }
    await checkSecondFactor(
      deps,
      input.user,
      { proof: input.proof, ip: input.ip, userAgent: input.userAgent },
      async () => undefined,
    );
  }
  if (await deps.store.users.findByEmail(newEmail)) {
    throw new TesseraError('ERR_EMAIL_TAKEN', 'Another account uses this address.');
  }
  return sendCode(deps, {
    user: input.user,
    address: newEmail,
    purpose: 'change_email',
    pendingSignInId: null,
    factorId: null,
    payload: newEmail,
    ip: input.ip,
    userAgent: input.userAgent,
  });
}
