/**
 * The `acr` values Tessera asserts, weakest first: its URNs for one factor and for two, and the
 * OpenID Enhanced Authentication Profile values for phishing-resistant sign-ins (`phr` a passkey
 * that may sync, `phrh` a hardware security key).
 */
export const acrValues = {
  singleFactor: 'urn:tessera:acr:sf',
  multiFactor: 'urn:tessera:acr:mfa',
  phishingResistant: 'phr',
  phishingResistantHardware: 'phrh',
} as const;

export type AcrValue = (typeof acrValues)[keyof typeof acrValues];

const ordered: readonly string[] = Object.values(acrValues);

/** Whether a sign-in that reached `reached` meets at least one of `wanted` (unknown values meet nothing). */
export function meetsAcr(reached: string | undefined, wanted: readonly string[]): boolean {
  const rank = ordered.indexOf(reached ?? '');
  return rank >= 0 && wanted.some((value) => ordered.includes(value) && ordered.indexOf(value) <= rank);
}
