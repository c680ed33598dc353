import type { CoreDeps } from '../deps.js';
import type { RiskSignal } from '../ports.js';

/** The keyed-hash input of a browser's device cookie. */
export const deviceHashInput = (browserToken: string) => `browser:${browserToken}`;

/**
 * NewDevice: whether this device — its device cookie and its browser family — has signed in to
 * the account within `adaptive.newDeviceDays`. Without the cookie, the same browser family at
 * the same IP address is half a signal: a cleared cookie more often than a stranger.
 */
export async function assessNewDevice(
  deps: CoreDeps,
  input: { userId: string; browserToken?: string; browserFamily: string; ip: string; now: number },
): Promise<RiskSignal> {
  const days = deps.settings.adaptive.newDeviceDays;
  const since = input.now - days * 86_400_000;
  const { riskAssessments } = deps.store;
  const { browserFamily } = input;
  const seen =
    input.browserToken !== undefined &&
    (await riskAssessments.seenSince(
      input.userId,
      { browserFamily, deviceHashes: deps.keyedHash.candidates(deviceHashInput(input.browserToken)) },
      since,
    ));
  if (seen) {
    return {
      assessor: 'new_device',
      strength: 0,
      evidence: `${input.browserFamily} signed in from this device within ${days} days`,
    };
  }
  if (await riskAssessments.seenSince(input.userId, { browserFamily, ip: input.ip }, since)) {
    return {
      assessor: 'new_device',
      strength: 0.5,
      evidence: `${input.browserFamily} without a known device cookie, from an IP address it signed in from within ${days} days`,
    };
  }
  return {
    assessor: 'new_device',
    strength: 1,
    evidence: `${input.browserFamily} on a device not seen on this account in the last ${days} days`,
  };
}
