import { amrOf as keyAmrOf } from '../core/factors/webauthn.js';
import type { Amr, Factor, Session } from '../core/ports.js';

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

/** What `acr` and `amr` are read from: a session's methods and whether it passed a second factor. */
type SignInMethods = Pick<Session, 'amr' | 'mfaAt'>;

/** Whether the session's own sign-in used two factors (a trusted device stands in for one only at Tessera). */
const multiFactor = (session: SignInMethods) => session.mfaAt !== null || session.amr.includes('user');

/** The strongest level the session's sign-in reached. */
export function acrOf(session: SignInMethods): string {
  if (!multiFactor(session)) return acrValues.singleFactor;
  if (session.amr.includes('hwk')) return acrValues.phishingResistantHardware;
  if (session.amr.includes('swk')) return acrValues.phishingResistant;
  return acrValues.multiFactor;
}

/** The session's methods as RFC 8176 `amr` values (and Tessera's documented ones), with `mfa` when two were used. */
export function amrOf(session: SignInMethods): Amr[] {
  const amr = [...session.amr];
  if (multiFactor(session) && !amr.includes('mfa')) amr.push('mfa');
  return amr;
}

const strength: Record<string, number> = {
  [acrValues.singleFactor]: 0,
  [acrValues.multiFactor]: 1,
  [acrValues.phishingResistant]: 2,
  [acrValues.phishingResistantHardware]: 3,
};

/**
 * The `acr` to report for a request's `acr_values` (space-separated, Tessera's values only):
 * the strongest requested one the session meets, or undefined when it meets none. Without
 * `acr_values`, the session's own.
 */
export function acrFor(session: Session, requested: string | undefined): string | undefined {
  const reached = acrOf(session);
  const asked = (requested ?? '').split(' ').filter((value) => value in strength);
  if (asked.length === 0) return reached;
  return asked.filter((value) => strength[value]! <= strength[reached]!).sort((a, b) => strength[b]! - strength[a]!)[0];
}

/**
 * Whether a second factor confirmed in this session (on "Confirm it's you") would meet
 * `requested`: any second factor, or one whose methods are `methods` (a key's `hwk` or `swk`).
 */
export function secondFactorMeets(session: Session, requested: string | undefined, methods: Amr[] = []): boolean {
  return (
    acrFor({ ...session, amr: [...session.amr, ...methods], mfaAt: session.mfaAt ?? session.authTime }, requested) !== undefined
  );
}

/** Whether confirming with one of these keys of the person's, in this session, would meet `requested`. */
export function keyWouldMeet(session: Session, requested: string | undefined, keys: Factor[]): boolean {
  return keys.some((key) => key.webauthn && secondFactorMeets(session, requested, keyAmrOf(key.webauthn, false)));
}
