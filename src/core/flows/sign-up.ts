import type { CoreDeps } from '../deps.js';
import { newId } from '../deps.js';
import { TesseraError } from '../errors.js';
import { assertAcceptablePassword, normalizePassword } from '../passwords.js';
import type { SignInClient, User } from '../ports.js';
import { afterFirstFactor, type AfterFirstFactor } from './after-first-factor.js';
import { sendVerificationEmailIfPossible } from './verify-email.js';
import { recordEvent } from './security-events.js';

/** Emails are compared case-insensitively and without surrounding spaces. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Creates an account with email and password and signs the new person in. */
export async function signUp(
  deps: CoreDeps,
  input: { email: string; password: string } & SignInClient,
): Promise<AfterFirstFactor> {
  const user = await createAccount(deps, input);
  await sendVerificationEmailIfPossible(deps, user, input.ip);
  return afterFirstFactor(deps, {
    user,
    amr: ['pwd'],
    ip: input.ip,
    userAgent: input.userAgent,
    browserToken: input.browserToken,
    newAccount: true,
  });
}

/** Creates an account with email and password, within the per-IP budget and the password policy. */
export async function createAccount(
  deps: CoreDeps,
  input: { email: string; password: string; ip: string; userAgent?: string },
): Promise<User> {
  const ipBudget = await deps.ipLimiter.consume(`ip:${input.ip}`);
  if (!ipBudget.allowed) {
    throw new TesseraError('ERR_THROTTLED', 'Too many attempts. Try again in a minute.', ipBudget.retryAfterMs);
  }
  assertAcceptablePassword(input.password, deps.settings.passwords);
  return insertAccount(deps, { ...input, passwordHash: await deps.passwords.hash(normalizePassword(input.password)) });
}

/** Creates the account row and records the sign-up; an address already registered is refused. */
export async function insertAccount(
  deps: CoreDeps,
  input: { email: string; passwordHash: string; emailVerified?: boolean; ip: string; userAgent?: string },
): Promise<User> {
  const now = deps.clock.now();
  const user: User = {
    id: newId(deps.random),
    email: normalizeEmail(input.email),
    passwordHash: input.passwordHash,
    createdAt: now,
    emailVerifiedAt: input.emailVerified ? now : null,
    mfaSetupRequired: false,
    mfaResetAt: null,
    deletionDueAt: null,
    mfaEnforcedAt: null,
    enforcedSignIns: 0,
  };
  if (!(await deps.store.users.create(user))) {
    throw new TesseraError(
      'ERR_EMAIL_TAKEN',
      'An account with this email already exists. Sign in instead, or use another email.',
    );
  }
  await recordEvent(deps, deps.store, { type: 'sign_up', userId: user.id, ip: input.ip, userAgent: input.userAgent, at: now });
  return user;
}
