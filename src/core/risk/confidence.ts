import type { TesseraConfig } from '../../config.js';
import type { RiskConfidence, RiskSignal } from '../ports.js';

const weightOf = {
  new_device: 'newDevice',
  impossible_travel: 'impossibleTravel',
  untrusted_ip: 'untrustedIp',
} as const satisfies Record<RiskSignal['assessor'], keyof TesseraConfig['adaptive']['weights']>;

/**
 * The overall confidence that the person is who they were: each signal's strength times its
 * weight, summed (at most 1), is the risk score; at or above `lowAt` confidence is low, at or
 * above `mediumAt` medium, otherwise high.
 */
export function combineSignals(
  signals: RiskSignal[],
  settings: Pick<TesseraConfig['adaptive'], 'weights' | 'mediumAt' | 'lowAt'>,
): { score: number; confidence: RiskConfidence } {
  const sum = signals.reduce((total, signal) => total + signal.strength * settings.weights[weightOf[signal.assessor]], 0);
  const score = Math.round(Math.min(1, sum) * 100) / 100;
  const confidence = score >= settings.lowAt ? 'low' : score >= settings.mediumAt ? 'medium' : 'high';
  return { score, confidence };
}

/** Whether a sign-in at this confidence is asked for the second factor, where `challengeAt` is the highest confidence that is. */
export function confidenceChallenges(confidence: RiskConfidence, challengeAt: TesseraConfig['adaptive']['challengeAt']): boolean {
  return confidence === 'low' || (confidence === 'medium' && challengeAt === 'medium');
}
