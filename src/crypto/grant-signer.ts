import { createLocalJWKSet, decodeProtectedHeader, importJWK, type JWK, jwtVerify, SignJWT } from 'jose';
import type { GrantClaims, GrantSigner } from '../core/ports.js';
import { createSealedSigningKey, openSigningKey, type SigningKeyStore } from './sealed-signing-keys.js';

const algorithm = 'EdDSA';
const grantType = 'tessera-grant+jwt';
const promptResultType = 'tessera-prompt-result+jwt';

/** How long an instance trusts its copy of the keys before reading them again, so a rotation elsewhere reaches it. */
const refreshMs = 60_000;

interface LoadedKeys {
  kid: string;
  privateKey: CryptoKey | Uint8Array;
  jwks: { keys: JWK[] };
}

/**
 * Grants signed with Ed25519 under the issuer's name. The first use makes a key pair if the
 * store has none; the private key is kept sealed under the server keys, so a database copy
 * alone cannot mint grants. Two instances starting at once may each make one: both are
 * published, and the newest signs. Keys are read again every minute, and at once for a grant
 * whose key is not known yet, so a key made by `rotate` on one instance is used by all.
 */
export function createGrantSigner(deps: SigningKeyStore & { issuer: string }): GrantSigner {
  let loaded: Promise<LoadedKeys> | undefined;
  let loadedAt = Number.NEGATIVE_INFINITY;

  async function load(): Promise<LoadedKeys> {
    if ((await deps.keys.list('grant')).length === 0) await createSealedSigningKey(deps, 'grant', algorithm);
    const stored = await deps.keys.list('grant');
    const newest = stored[0]!;
    return {
      kid: newest.kid,
      privateKey: await importJWK(openSigningKey(deps, newest), algorithm),
      jwks: { keys: stored.map((key) => JSON.parse(key.publicJwk) as JWK) },
    };
  }

  const keys = (refresh = false) => {
    if (refresh || !loaded || deps.now() - loadedAt >= refreshMs) {
      loadedAt = deps.now();
      loaded = load().catch((error: unknown) => ((loaded = undefined), Promise.reject(error)));
    }
    return loaded;
  };
  const jwksFor = async (token: string) => {
    const current = await keys();
    const { kid } = decodeProtectedHeader(token);
    const known = current.jwks.keys.some((key) => key.kid === kid);
    return known ? current.jwks : (await keys(true)).jwks;
  };

  const signAs = async (typ: string, claims: { iat: number; exp: number; jti: string; sub: string }, audience?: string) => {
    const { kid, privateKey } = await keys();
    const { iat, exp, jti, sub, ...rest } = claims;
    const jwt = new SignJWT({ ...rest })
      .setProtectedHeader({ alg: algorithm, kid, typ })
      .setIssuer(deps.issuer)
      .setSubject(sub)
      .setJti(jti)
      .setIssuedAt(iat)
      .setExpirationTime(exp);
    return (audience ? jwt.setAudience(audience) : jwt).sign(privateKey);
  };

  return {
    sign: (claims) => signAs(grantType, claims),

    signPromptResult: ({ aud, ...claims }) => signAs(promptResultType, claims, aud),

    async verify(token, now) {
      try {
        const { payload } = await jwtVerify(token, createLocalJWKSet(await jwksFor(token)), {
          issuer: deps.issuer,
          typ: grantType,
          algorithms: [algorithm],
          currentDate: new Date(now),
          clockTolerance: 0,
        });
        return payload as unknown as GrantClaims;
      } catch {
        return undefined;
      }
    },

    async jwks() {
      return { keys: (await keys()).jwks.keys as Record<string, unknown>[] };
    },

    async rotate() {
      const kid = await createSealedSigningKey(deps, 'grant', algorithm);
      await keys(true);
      return kid;
    },
  };
}
