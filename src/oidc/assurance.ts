import type { Amr, Session } from '../core/ports.js';

/**
 * The assurance levels Tessera asserts in `acr`: its own URNs for one factor and for two, and
 * the OpenID Enhanced Authentication Profile values for phishing-resistant sign-ins — `phrh`
 * when a hardware security key was used, `phr` for a passkey that may sync between devices.
 */
export const acrValues = {
  singleFactor: 'urn:tessera:acr:sf',
  multiFactor: 'urn:tessera:acr:mfa',
  phishingResistant: 'phr',
  phishingResistantHardware: 'phrh',
} as const;

/** Whether the session's own sign-in used two factors (a trusted device stands in for one only at Tessera). */
const multiFactor = (session: Session) => session.mfaAt !== null || session.amr.includes('user');

/** The strongest level the session's sign-in reached. */
export function acrOf(session: Session): string {
  if (!multiFactor(session)) return acrValues.singleFactor;
  if (session.amr.includes('hwk')) return acrValues.phishingResistantHardware;
  if (session.amr.includes('swk')) return acrValues.phishingResistant;
  return acrValues.multiFactor;
}

/** The session's methods as RFC 8176 `amr` values (and Tessera's documented ones), with `mfa` when two were used. */
export function amrOf(session: Session): string[] {
  const amr: (Amr | 'mfa')[] = [...session.amr];
  if (multiFactor(session) && !amr.includes('mfa')) amr.push('mfa');
  return amr;
}
