import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import type { GrantClaims, SigningKey } from '../../src/core/ports.js';
import { createGrantSigner } from '../../src/crypto/grant-signer.js';
import { Keyring, systemRandom } from '../../src/crypto/keyring.js';
import { opsPerSecond } from './ops-per-second.js';

export interface CoreGrantsRun {
  signFloor: number;
  sign: number;
  verifyFloor: number;
  verify: number;
}

/**
 * Issuing and checking a step-up grant — a JWT signed with Ed25519 through jose, keys from the
 * store (private key sealed) — next to the floor: one raw Ed25519 signature, and one
 * verification, of a payload of the same size with `node:crypto`.
 */
export async function coreGrantsRun(): Promise<CoreGrantsRun> {
  const keys: SigningKey[] = [];
  const keyring = new Keyring([{ id: 'bench', secret: randomBytes(32) }]);
  const signer = createGrantSigner({
    keys: { list: async () => keys, create: async (key) => void keys.unshift(key) },
    secretBox: keyring,
    random: systemRandom,
    issuer: 'https://auth.example.com',
    now: () => Date.now(),
  });
  const claims = (): GrantClaims => {
    const iat = Math.floor(Date.now() / 1000);
    return {
      sub: 'user-7f3a',
      sid: 'session-91c2',
      act: 'funds.withdraw',
      dh: 'a'.repeat(64),
      amr: ['otp'],
      su: true,
      jti: randomBytes(16).toString('base64url'),
      iat,
      exp: iat + 120,
    };
  };
  const grant = await signer.sign(claims());
  const payload = Buffer.from(grant.split('.').slice(0, 2).join('.'));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signature = sign(null, payload, privateKey);
  return {
    signFloor: await opsPerSecond(async () => sign(null, payload, privateKey)),
    sign: await opsPerSecond(() => signer.sign(claims())),
    verifyFloor: await opsPerSecond(async () => verify(null, payload, publicKey, signature)),
    verify: await opsPerSecond(() => signer.verify(grant, Date.now())),
  };
}
