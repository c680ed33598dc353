import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { Session, User } from '../ports.js';
import { type CodeSent, sendCode } from './send-code.js';
import { authorizeAction } from './protected-action.js';
import type { SecondFactorProof } from './second-factor-check.js';
import { confirmPassword } from './sign-in.js';
import { normalizeEmail } from './sign-up.js';

/**
 * Starts moving the account to a new address: the password again and, with two-step
 * verification on, a second factor (the `email.change` protected action). Nothing changes
 * until the link sent to the new address comes back.
 */
export async function startEmailChange(
  deps: CoreDeps,
  input: {
    user: User;
    session: Session;
    newEmail: string;
    password: string;
    proof?: SecondFactorProof;
    stepUpId?: string;
    ip: string;
    userAgent?: string;
  },
): Promise<CodeSent> {
  const newEmail = normalizeEmail(input.newEmail);
  if (newEmail === input.user.email) throw new TesseraError('ERR_INVALID_INPUT', 'That is already your address.');
  await confirmPassword(deps, { user: input.user, password: input.password, ip: input.ip, userAgent: input.userAgent });
  await authorizeAction(deps, { ...input, action: 'email.change' }, async () => undefined);
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
