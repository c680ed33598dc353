import type { CoreDeps } from '../deps.js';
import type { RiskSignal } from '../ports.js';

/**
 * UntrustedIP: the address is on one of the operator's lists, or refused sign-ins to other
 * accounts came from it recently — half a signal from half of `adaptive.failedSignInsPerIp`.
 */
export async function assessUntrustedIp(deps: CoreDeps, input: { userId: string; ip: string; now: number }): Promise<RiskSignal> {
  const listing = deps.untrustedNetworks.listing(input.ip);
  if (listing) return { assessor: 'untrusted_ip', strength: 1, evidence: `${input.ip} is on the untrusted list ${listing}` };
  const { failedSignInsPerIp, failedSignInsMinutes } = deps.settings.adaptive;
  const since = input.now - failedSignInsMinutes * 60_000;
  const failures = await deps.store.events.countFailedSignInsFrom(input.ip, since, input.userId);
  const strength = failures >= failedSignInsPerIp ? 1 : failures >= failedSignInsPerIp / 2 ? 0.5 : 0;
  const evidence =
    failures === 0
      ? `${input.ip} is on no untrusted list, and no refused sign-ins to other accounts came from it`
      : `${failures} refused sign-ins to other accounts from ${input.ip} in the last ${failedSignInsMinutes} minutes`;
  return { assessor: 'untrusted_ip', strength, evidence };
}
