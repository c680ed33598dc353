import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { RequestOrigin, Session, User } from '../ports.js';
import { authorizeAction } from './protected-action.js';
import type { SecondFactorProof } from './second-factor-check.js';
import { recordEvent } from './security-events.js';
import { confirmPassword } from './sign-in.js';

/** How many due accounts one sweep deletes; the rest wait for the next. */
const sweepBatch = 100;

/**
 * Deletes the account — or, with `accountDeletion.graceDays`, schedules it and signs the
 * person out everywhere — after an explicit confirmation, the password and, with two-step
 * verification on, a second factor (the `account.delete` protected action). What stays is an
 * event without the person's address, saying an account was deleted.
 */
export async function deleteAccount(
  deps: CoreDeps,
  input: {
    user: User;
    session: Session;
    password: string;
    confirm: boolean;
    proof?: SecondFactorProof;
    stepUpId?: string;
  } & RequestOrigin,
): Promise<{ deletedAt: number | null; dueAt: number | null }> {
  if (!input.confirm) {
    throw new TesseraError('ERR_CONFIRMATION_REQUIRED', 'Confirm that you want your account and everything in it deleted.');
  }
  const origin = { ip: input.ip, userAgent: input.userAgent };
  await confirmPassword(deps, { user: input.user, password: input.password, ...origin });
  const now = deps.clock.now();
  const graceMs = deps.settings.accountDeletion.graceDays * 86_400_000;
  const action = {
    user: input.user,
    session: input.session,
    action: 'account.delete',
    proof: input.proof,
    stepUpId: input.stepUpId,
    ...origin,
  };
  if (graceMs === 0) {
    await authorizeAction(deps, action, (store) => removeAccount(deps, store, input.user, origin));
    await tellDeleted(deps, input.user);
    return { deletedAt: now, dueAt: null };
  }
  const dueAt = now + graceMs;
  await authorizeAction(deps, action, async (store) => {
    await store.users.scheduleDeletion(input.user.id, dueAt);
    await store.sessions.deleteAllForUser(input.user.id);
    await store.trustedDevices.deleteAllForUser(input.user.id);
    await recordEvent(deps, store, {
      type: 'account_deletion_scheduled',
      userId: input.user.id,
      ...origin,
      at: now,
      detail: { dueAt },
    });
  });
  return { deletedAt: null, dueAt };
}

async function removeAccount(deps: CoreDeps, store: CoreDeps['store'], user: User, origin: RequestOrigin): Promise<void> {
  await store.users.delete(user.id);
  await recordEvent(deps, store, {
    type: 'account_deleted',
    userId: null,
    ...origin,
    at: deps.clock.now(),
    detail: { accountId: user.id },
  });
}

/** The confirmed address hears that the account is gone; there is nothing left to sign in to. */
async function tellDeleted(deps: CoreDeps, user: User): Promise<void> {
  if (user.emailVerifiedAt === null) return;
  const product = deps.settings.branding.productName;
  await deps.delivery.send({
    channel: 'email',
    to: user.email,
    purpose: 'account_deleted',
    subject: `Your ${product} account was deleted`,
    text: `Your ${product} account and everything in it — sign-in methods, recovery codes, devices and activity — were deleted on request.\n\nIf you did not ask for this, contact support at once.\n`,
  });
}

/** Deletes the accounts whose grace period has ended; returns how many. */
export async function deleteDueAccounts(deps: CoreDeps): Promise<number> {
  const due = await deps.store.users.listDueForDeletion(deps.clock.now(), sweepBatch);
  for (const user of due) {
    await deps.store.transaction((store) => removeAccount(deps, store, user, { ip: 'scheduled' }));
    await tellDeleted(deps, user);
  }
  return due.length;
}

/** Signing in during the grace period keeps the account, and says so. */
export async function cancelScheduledDeletion(deps: CoreDeps, user: User, origin: RequestOrigin): Promise<void> {
  if (user.deletionDueAt === null) return;
  await deps.store.users.scheduleDeletion(user.id, null);
  await recordEvent(deps, deps.store, { type: 'account_deletion_cancelled', userId: user.id, ...origin, at: deps.clock.now() });
}
