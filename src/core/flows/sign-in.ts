import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import { normalizePassword } from '../passwords.js';
import type { PasswordHasher, SignInClient, User } from '../ports.js';
import { afterFirstFactor, type AfterFirstFactor } from './after-first-factor.js';
import { claimPasswordAttempt } from './first-factor-throttle.js';
import { normalizeEmail } from './sign-up.js';
import { recordEvent } from './security-events.js';

const invalidCredentials = () => new TesseraError('ERR_INVALID_CREDENTIALS', 'The email or password is not right.');

/**
 * A hash of a password nobody knows, so that checking an unknown account costs the same
 * argon2 work as checking a real one.
 */
const dummyHashes = new WeakMap<PasswordHasher, Promise<string>>();
function dummyHash(deps: CoreDeps): Promise<string> {
  let hash = dummyHashes.get(deps.passwords);
  if (!hash) {
    hash = deps.passwords.hash(deps.random.bytes(32).toString('base64url'));
    dummyHashes.set(deps.passwords, hash);
  }
  return hash;
}

/** Checks the password of an account the same way whether or not the account exists. */
export async function verifyPassword(deps: CoreDeps, user: User | undefined, password: string): Promise<boolean> {
  const dummy = await dummyHash(deps);
  const matches = await deps.passwords.verify(user?.passwordHash ?? dummy, normalizePassword(password));
  return matches && user !== undefined;
}

/** Asks for the password again before a sensitive change, throttled like signing in. */
export async function confirmPassword(
  deps: CoreDeps,
  input: { user: User; password: string; ip: string; userAgent?: string },
  wrongPassword = 'The password is not right.',
): Promise<void> {
  const throttleKey = await claimPasswordAttempt(deps, input.user.email, input.ip);
  if (!(await verifyPassword(deps, input.user, input.password))) throw new TesseraError('ERR_INVALID_CREDENTIALS', wrongPassword);
  await deps.store.throttles.clear(throttleKey);
}

/**
 * Email and password sign-in; answers alike for unknown accounts and wrong passwords. A person
 * with a second factor gets a pending sign-in, not a session.
 */
export async function signInWithPassword(
  deps: CoreDeps,
  input: { email: string; password: string } & SignInClient,
): Promise<AfterFirstFactor> {
  const email = normalizeEmail(input.email);
  const throttleKey = await claimPasswordAttempt(deps, email, input.ip);
  const user = await deps.store.users.findByEmail(email);
  if (!(await verifyPassword(deps, user, input.password)) || !user) {
    await recordEvent(deps, deps.store, {
      type: 'sign_in_failed',
      userId: user?.id ?? null,
      ip: input.ip,
      userAgent: input.userAgent,
      at: deps.clock.now(),
    });
    throw invalidCredentials();
  }
  await deps.store.throttles.clear(throttleKey);
  return afterFirstFactor(deps, {
    user,
    amr: ['pwd'],
    ip: input.ip,
    userAgent: input.userAgent,
    deviceToken: input.deviceToken,
    browserToken: input.browserToken,
  });
}
