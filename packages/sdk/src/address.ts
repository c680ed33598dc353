import { createRemoteJWKSet } from 'jose';

/**
 * Tessera's `server.publicUrl` without a trailing slash, refused unless https (`allowHttp` is for
 * development on loopback), and the keys its grants and prompt results are signed with.
 */
export function tesseraAddress(url: string, allowHttp = false) {
  const base = url.replace(/\/+$/, '');
  if (new URL(base).protocol !== 'https:' && !allowHttp) {
    throw new TypeError('Tessera must be reached over https (allowHttp is for development on loopback).');
  }
  return { base, grantKeys: createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`)) };
}
