import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Random, SecretBox, SigningKeyRepository } from '../core/ports.js';
import { signingKeyContext } from '../core/signing-key-context.js';

/**
 * The provider's ID token keys (RS256, which OpenID Connect requires every provider to offer),
 * private halves sealed under the server keys; the first start makes one. Newest first.
 */
export async function oidcSigningKeys(deps: {
  keys: SigningKeyRepository;
  secretBox: SecretBox;
  random: Random;
  now: () => number;
}): Promise<JWK[]> {
  if ((await deps.keys.list('oidc')).length === 0) {
    const kid = deps.random.bytes(12).toString('base64url');
    const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;
    await deps.keys.create({
      kid,
      purpose: 'oidc',
      publicJwk: JSON.stringify(publicJwk),
      privateSealed: deps.secretBox.seal(JSON.stringify(privateJwk), signingKeyContext(kid)),
      createdAt: deps.now(),
    });
  }
  return (await deps.keys.list('oidc')).map((key) => {
    const opened = deps.secretBox.open(key.privateSealed, signingKeyContext(key.kid));
    if (!opened) throw new TypeError(`OpenID Connect signing key ${key.kid} cannot be opened with the configured server keys`);
    return JSON.parse(opened) as JWK;
  });
}
