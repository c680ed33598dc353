import type { CoreDeps } from '../deps.js';
import { newId } from '../deps.js';
import { browserFamilyOf, describeBrowser, placeOf } from '../format.js';
import type { RiskAssessment, SignInClient, User } from '../ports.js';
import { recordEvent } from '../flows/security-events.js';
import { combineSignals } from './confidence.js';
import { assessImpossibleTravel } from './impossible-travel.js';
import { assessNewDevice, deviceHashInput } from './new-device.js';
import { assessUntrustedIp } from './untrusted-ip.js';

/** An assessment not yet decided on, with the device cookie to give a browser that had none. */
export interface SignInRisk {
  assessment: Omit<RiskAssessment, 'decision'>;
  newBrowserToken?: string;
}

/**
 * Runs the three assessors on a sign-in whose first factor just passed — NewDevice,
 * ImpossibleTravel, UntrustedIP — and combines them into a confidence. Nothing is stored
 * until `recordAssessment`, when the decision is known.
 */
export async function assessSignIn(deps: CoreDeps, input: { user: User } & SignInClient): Promise<SignInRisk> {
  const now = deps.clock.now();
  const browserFamily = browserFamilyOf(input.userAgent);
  const browserToken = input.browserToken ?? deps.random.bytes(32).toString('base64url');
  const location = await deps.geoIp.locate(input.ip);
  const signals = [
    await assessNewDevice(deps, { userId: input.user.id, browserToken: input.browserToken, browserFamily, ip: input.ip, now }),
    assessImpossibleTravel({
      location,
      previous: await deps.store.riskAssessments.lastLocated(input.user.id),
      now,
      maxSpeedKmh: deps.settings.adaptive.maxTravelSpeedKmh,
    }),
    await assessUntrustedIp(deps, { userId: input.user.id, ip: input.ip, now }),
  ];
  const assessment = {
    id: newId(deps.random),
    userId: input.user.id,
    at: now,
    ip: input.ip,
    deviceHash: deps.keyedHash.hash(deviceHashInput(browserToken)),
    browserFamily,
    location: location ?? null,
    signals,
    ...combineSignals(signals, deps.settings.adaptive),
    completedAt: null,
  };
  return { assessment, newBrowserToken: input.browserToken === undefined ? browserToken : undefined };
}

/**
 * Stores the assessment with what was decided, and records it as a security event with its
 * evidence, so the person's activity and the admin event log say why; a low-confidence sign-in
 * is also told to the person, unless it made the account (everything is new then).
 */
export async function recordAssessment(
  deps: CoreDeps,
  assessment: SignInRisk['assessment'],
  decision: RiskAssessment['decision'],
  context: { userAgent?: string; newAccount?: boolean },
): Promise<void> {
  await deps.store.riskAssessments.create({ ...assessment, decision });
  await recordEvent(deps, deps.store, {
    type: 'sign_in_assessed',
    userId: assessment.userId,
    ip: assessment.ip,
    userAgent: context.userAgent,
    at: assessment.at,
    detail: {
      assessmentId: assessment.id,
      confidence: assessment.confidence,
      score: assessment.score,
      decision,
      place: placeOf(assessment.location),
      placedBy: assessment.location ? deps.geoIp.credit : undefined,
      browser: describeBrowser(context.userAgent ?? null),
      ...(context.newAccount ? { newAccount: true } : {}),
      signals: assessment.signals.filter((signal) => signal.strength > 0),
    },
  });
}
