import type { CoreDeps } from '../deps.js';
import { newId } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { Store, TrustedDevice, User } from '../ports.js';
import { recordEvent } from './security-events.js';
import { rehashIfOld } from './rehash.js';

const tokenHashInput = (token: string) => `device:${token}`;

/**
 * Trusts the browser that just passed the second step, for the configured days: a random token
 * for its device cookie, stored as a keyed hash and bound to this person only.
 */
export async function trustDevice(
  deps: CoreDeps,
  store: Store,
  input: { user: User; ip: string; userAgent?: string },
): Promise<{ token: string; expiresAt: number }> {
  const now = deps.clock.now();
  const token = deps.random.bytes(32).toString('base64url');
  const expiresAt = now + deps.settings.trustedDevices.days * 86_400_000;
  const id = newId(deps.random);
  await store.trustedDevices.create({
    id,
    userId: input.user.id,
    tokenHash: deps.keyedHash.hash(tokenHashInput(token)),
    userAgent: input.userAgent?.slice(0, 512) ?? null,
    createdIp: input.ip,
    lastIp: input.ip,
    createdAt: now,
    lastUsedAt: now,
    expiresAt,
  });
  await recordEvent(deps, store, {
    type: 'device_trusted',
    userId: input.user.id,
    ip: input.ip,
    userAgent: input.userAgent,
    at: now,
    detail: { deviceId: id },
  });
  return { token, expiresAt };
}

/** The trusted device behind a browser's device cookie, if it is this person's and still trusted. */
export async function recognizeDevice(
  deps: CoreDeps,
  input: { user: User; token: string; ip: string; userAgent?: string },
): Promise<TrustedDevice | undefined> {
  const now = deps.clock.now();
  const device = await deps.store.trustedDevices.findByTokenHash(deps.keyedHash.candidates(tokenHashInput(input.token)), now);
  if (!device || device.userId !== input.user.id) return undefined;
  await deps.store.trustedDevices.touch(device.id, now, input.ip);
  await rehashIfOld(deps, tokenHashInput(input.token), device, deps.store.trustedDevices);
  return device;
}

export function listTrustedDevices(deps: CoreDeps, user: User): Promise<TrustedDevice[]> {
  return deps.store.trustedDevices.listForUser(user.id, deps.clock.now());
}

/** Stops trusting one of the person's devices, or all of them: the next sign-in there asks for the second factor. */
export async function revokeTrustedDevices(
  deps: CoreDeps,
  input: { user: User; deviceId?: string; ip: string; userAgent?: string },
): Promise<void> {
  const revoked = input.deviceId
    ? Number(await deps.store.trustedDevices.delete(input.user.id, input.deviceId))
    : await deps.store.trustedDevices.deleteAllForUser(input.user.id);
  if (input.deviceId && revoked === 0) throw new TesseraError('ERR_NOT_FOUND', 'That device is not trusted on your account.');
  await recordEvent(deps, deps.store, {
    type: 'device_revoked',
    userId: input.user.id,
    ip: input.ip,
    userAgent: input.userAgent,
    at: deps.clock.now(),
    detail: input.deviceId ? { deviceId: input.deviceId } : { all: true, revoked },
  });
}

/** Forgets the device behind this browser's cookie, when it is this person's. */
export async function forgetDevice(
  deps: CoreDeps,
  input: { user: User; token: string; ip: string; userAgent?: string },
): Promise<void> {
  const device = await deps.store.trustedDevices.findByTokenHash(
    deps.keyedHash.candidates(tokenHashInput(input.token)),
    deps.clock.now(),
  );
  if (device?.userId === input.user.id)
    await revokeTrustedDevices(deps, { user: input.user, deviceId: device.id, ip: input.ip, userAgent: input.userAgent });
}
