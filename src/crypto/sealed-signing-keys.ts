import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Random, SecretBox, SigningKey, SigningKeyRepository } from '../core/ports.js';
import { signingKeyContext } from '../core/signing-key-context.js';

/** Where signing keys are kept: their public halves as they are, their private halves sealed under the server keys. */
export interface SigningKeyStore {
  keys: SigningKeyRepository;
  secretBox: SecretBox;
  random: Random;
  now: () => number;
}

/**
 * Makes a key pair for `purpose` and stores it, later than every key before it so that it is
 * the newest even within the same millisecond; returns its kid. A database copy alone holds no
 * usable private key.
 */
export async function createSealedSigningKey(
  store: SigningKeyStore,
  purpose: SigningKey['purpose'],
  alg: 'EdDSA' | 'RS256',
): Promise<string> {
  const kid = store.random.bytes(12).toString('base64url');
  const pair = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true });
  const named = { kid, alg, use: 'sig' };
  await store.keys.create({
    kid,
    purpose,
    publicJwk: JSON.stringify({ ...(await exportJWK(pair.publicKey)), ...named }),
    privateSealed: store.secretBox.seal(
      JSON.stringify({ ...(await exportJWK(pair.privateKey)), ...named }),
      signingKeyContext(kid),
    ),
    createdAt: Math.max(store.now(), ...(await store.keys.list(purpose)).map((key) => key.createdAt + 1)),
  });
  return kid;
}

/** The private JWK of a stored key; a key no configured server key opens stops the caller. */
export function openSigningKey(store: Pick<SigningKeyStore, 'secretBox'>, key: SigningKey): JWK {
  const opened = store.secretBox.open(key.privateSealed, signingKeyContext(key.kid));
  if (!opened) throw new TypeError(`signing key ${key.kid} cannot be opened with the configured server keys`);
  return JSON.parse(opened) as JWK;
}
