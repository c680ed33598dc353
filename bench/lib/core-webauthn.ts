import { createHash, verify } from 'node:crypto';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import { verifyAssertion } from '../../src/core/factors/webauthn.js';
import { configSchema } from '../../src/config.js';
import { SoftAuthenticator } from '../../test/support/soft-authenticator.js';
import { opsPerSecond } from './ops-per-second.js';

export interface CoreWebAuthnRun {
  floor: number;
  check: number;
}

/**
 * Checking a security key's answer — parsing the client data and authenticator data, checking
 * challenge, origin, RP ID and flags, and the ES256 signature — next to the floor: the one
 * ECDSA P-256 verification over the same bytes with `node:crypto`.
 */
export async function coreWebAuthnRun(): Promise<CoreWebAuthnRun> {
  const settings = configSchema.parse({});
  const key = new SoftAuthenticator(new URL(settings.server.publicUrl).origin);
  const challenge = isoBase64URL.fromBuffer(new Uint8Array(32).fill(7));
  const publicKey = key.publicKeyBase64url();
  const answer = key.assert({ challenge });
  const credential = key.storedCredential();
  const signed = Buffer.concat([
    Buffer.from(answer.response.authenticatorData, 'base64url'),
    createHash('sha256').update(Buffer.from(answer.response.clientDataJSON, 'base64url')).digest(),
  ]);
  const signature = Buffer.from(answer.response.signature, 'base64url');
  const spki = key.publicKeySpki();
  return {
    floor: await opsPerSecond(async () => verify('sha256', signed, spki, signature)),
    check: await opsPerSecond(() =>
      verifyAssertion(settings, { response: answer, challenge, credential, publicKey, requireUserVerification: false }),
    ),
  };
}
