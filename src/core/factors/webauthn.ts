import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { CoreSettings } from '../deps.js';
import type { Amr, Factor, WebAuthnCredential } from '../ports.js';

export type { AuthenticationResponseJSON, RegistrationResponseJSON };

type Settings = Pick<CoreSettings, 'webauthn' | 'server' | 'branding'>;

/**
 * @simplewebauthn/server and the certificate libraries under it take about 17 MiB and a good
 * part of start-up, so they load with the first ceremony rather than with the server.
 */
const library = () => import('@simplewebauthn/server');
const helpers = () => import('@simplewebauthn/server/helpers');

/** How long a ceremony may take in the browser, and how long its challenge lives. */
export const ceremonyMs = 5 * 60_000;

/** The relying party: its ID (a domain), the name authenticators show, and the origins allowed to use it. */
export function relyingParty(settings: Settings): { id: string; name: string; origins: string[] } {
  const url = new URL(settings.server.publicUrl);
  const { rpId, origins } = settings.webauthn;
  return { id: rpId || url.hostname, name: settings.branding.productName, origins: origins.length > 0 ? origins : [url.origin] };
}

/** The challenge a response signed, read from its client data; undefined when that cannot be read. */
export function signedChallenge(response: { response: { clientDataJSON: string } }): string | undefined {
  try {
    const { challenge } = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8')) as {
      challenge?: unknown;
    };
    return typeof challenge === 'string' && challenge.length <= 128 ? challenge : undefined;
  } catch {
    return undefined;
  }
}

/** The WebAuthn user handle of an account: its random id, never the email. */
export const userHandleOf = (userId: string): string => Buffer.from(userId, 'utf8').toString('base64url');

/**
 * RFC 8176 references for an assertion: `swk` for a credential that may be synced between
 * devices (its key is exportable), `hwk` for one bound to its hardware, plus `user` when the
 * person was verified by PIN or biometric.
 */
export function amrOf(credential: WebAuthnCredential, userVerified: boolean): Amr[] {
  return [credential.backupEligible ? 'swk' : 'hwk', ...(userVerified ? (['user'] as const) : [])];
}

/** Makes the operator's attestation roots the only ones trusted for every format that carries a certificate chain. */
export async function trustAttestationRoots(pems: string[]): Promise<void> {
  const { SettingsService } = await library();
  for (const identifier of ['packed', 'fido-u2f', 'tpm', 'android-key', 'android-safetynet', 'apple'] as const) {
    SettingsService.setRootCertificates({ identifier, certificates: pems });
  }
}

export async function registrationOptions(
  settings: Settings,
  input: {
    userId: string;
    email: string;
    kind: 'security_key' | 'biometric';
    /** For a security key: a key of its own, or a phone reached over the browser's hybrid transport. */
    device: 'key' | 'phone';
    challenge: string;
    existing: Factor[];
  },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const rp = relyingParty(settings);
  const biometric = input.kind === 'biometric';
  const { generateRegistrationOptions } = await library();
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: input.email,
    userDisplayName: input.email,
    userID: Buffer.from(input.userId, 'utf8'),
    challenge: Buffer.from(input.challenge, 'base64url'),
    timeout: ceremonyMs,
    attestationType: settings.webauthn.attestation,
    excludeCredentials: input.existing.flatMap((factor) =>
      factor.webauthn ? [{ id: factor.webauthn.credentialId, transports: factor.webauthn.transports }] : [],
    ),
    authenticatorSelection: biometric
      ? { residentKey: settings.webauthn.passkeys ? 'required' : 'discouraged', userVerification: 'required' }
      : { residentKey: 'discouraged', userVerification: settings.webauthn.secondFactorUserVerification },
    extensions: { credProps: true },
    preferredAuthenticatorType: biometric ? 'localDevice' : input.device === 'phone' ? 'remoteDevice' : 'securityKey',
  });
}

/**
 * Checks a registration against its challenge, the origins and the RP ID, with user presence
 * always and user verification when asked; under `direct` attestation the authenticator must
 * also prove its model with a certificate chaining to the operator's roots. Returns the
 * credential and its public key (base64url), or undefined when anything does not hold.
 */
export async function verifyRegistration(
  settings: Settings,
  input: { response: RegistrationResponseJSON; challenge: string; requireUserVerification: boolean },
): Promise<{ credential: WebAuthnCredential; publicKey: string } | undefined> {
  const rp = relyingParty(settings);
  const { verifyRegistrationResponse } = await library();
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: input.challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      requireUserPresence: true,
      requireUserVerification: input.requireUserVerification,
    });
  } catch {
    return undefined;
  }
  if (!verified.verified) return undefined;
  const info = verified.registrationInfo;
  if (settings.webauthn.attestation === 'direct' && !(await attestedByTrustedRoot(settings, info))) return undefined;
  return {
    publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
    credential: {
      credentialId: info.credential.id,
      signCount: info.credential.counter,
      transports: input.response.response.transports ?? [],
      aaguid: info.aaguid,
      attachment: input.response.authenticatorAttachment ?? null,
      userVerified: info.userVerified,
      discoverable: input.response.clientExtensionResults.credProps?.rk === true,
      backupEligible: info.credentialDeviceType === 'multiDevice',
      backedUp: info.credentialBackedUp,
      attestationFormat: info.fmt,
      flaggedAt: null,
    },
  };
}

/**
 * The library has already checked any certificate chain against the roots; what is left is to
 * refuse attestations that carry no chain at all (`none`, and self attestation) and models
 * outside the allowlist.
 */
async function attestedByTrustedRoot(
  settings: Settings,
  info: { fmt: string; aaguid: string; attestationObject: Uint8Array<ArrayBuffer> },
): Promise<boolean> {
  const { decodeAttestationObject } = await helpers();
  const statement = decodeAttestationObject(info.attestationObject).get('attStmt');
  const chain = statement.get('x5c');
  const { allowedAaguids } = settings.webauthn;
  return (
    info.fmt !== 'none' &&
    Array.isArray(chain) &&
    chain.length > 0 &&
    (allowedAaguids.length === 0 || allowedAaguids.includes(info.aaguid.toLowerCase()))
  );
}

export async function authenticationOptions(
  settings: Settings,
  input: { challenge: string; allow: Factor[]; userVerification: 'discouraged' | 'preferred' | 'required' },
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { generateAuthenticationOptions } = await library();
  return generateAuthenticationOptions({
    rpID: relyingParty(settings).id,
    challenge: Buffer.from(input.challenge, 'base64url'),
    timeout: ceremonyMs,
    userVerification: input.userVerification,
    allowCredentials: input.allow.flatMap((factor) =>
      factor.webauthn ? [{ id: factor.webauthn.credentialId, transports: factor.webauthn.transports as never[] }] : [],
    ),
  });
}

/**
 * Checks an assertion's signature by the credential's public key, its challenge, origin and RP
 * ID, user presence always and user verification when required. The signature counter is left
 * to the store, which raises it atomically. Undefined when anything does not hold.
 */
export async function verifyAssertion(
  settings: Settings,
  input: {
    response: AuthenticationResponseJSON;
    challenge: string;
    credential: WebAuthnCredential;
    publicKey: string;
    requireUserVerification: boolean;
  },
): Promise<{ userVerified: boolean; signCount: number; backedUp: boolean } | undefined> {
  const rp = relyingParty(settings);
  const { verifyAuthenticationResponse } = await library();
  try {
    const { verified, authenticationInfo } = await verifyAuthenticationResponse({
      response: input.response,
      expectedChallenge: input.challenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.id,
      credential: {
        id: input.credential.credentialId,
        publicKey: Buffer.from(input.publicKey, 'base64url'),
        counter: 0,
      },
      requireUserVerification: input.requireUserVerification,
    });
    if (!verified) return undefined;
    return {
      userVerified: authenticationInfo.userVerified,
      signCount: authenticationInfo.newCounter,
      backedUp: authenticationInfo.credentialBackedUp,
    };
  } catch {
    return undefined;
  }
}
