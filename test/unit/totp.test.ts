import { describe, expect, it } from 'vitest';
import { groupSetupKey, matchTotpStep, newTotpSecret, otpauthUri, type TotpSettings } from '../../src/core/factors/totp.js';
import { systemRandom } from '../../src/crypto/keyring.js';

const base32 = (ascii: string) => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const byte of Buffer.from(ascii)) bits += byte.toString(2).padStart(8, '0');
  return bits
    .match(/.{1,5}/g)!
    .map((chunk) => alphabet[parseInt(chunk.padEnd(5, '0'), 2)])
    .join('');
};
const sha1Seed = '12345678901234567890';
const settings: TotpSettings = { algorithm: 'SHA1', digits: 6, period: 30, window: 1 };

describe('TOTP', () => {
  it('matches the RFC 4226 Appendix D values as consecutive time steps', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expected.forEach((code, counter) => {
      expect(
        matchTotpStep(base32(sha1Seed), code, counter * 30_000 + 1_000, { ...settings, window: 0 }),
        `counter ${counter}`,
      ).toBe(counter);
    });
  });

  const seeds = {
    SHA1: sha1Seed,
    SHA256: '12345678901234567890123456789012',
    SHA512: '1234567890'.repeat(6) + '1234',
  } as const;
  const vectors: [number, string, string, string][] = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];
  it.each(vectors)('matches the RFC 6238 Appendix B values at T=%i for SHA1, SHA256 and SHA512', (time, sha1, sha256, sha512) => {
    const codes = { SHA1: sha1, SHA256: sha256, SHA512: sha512 };
    for (const algorithm of ['SHA1', 'SHA256', 'SHA512'] as const) {
      const step = matchTotpStep(base32(seeds[algorithm]), codes[algorithm], time * 1000, {
        ...settings,
        algorithm,
        digits: 8,
        window: 0,
      });
      expect(step, algorithm).toBe(Math.floor(time / 30));
    }
  });

  it('accepts a code one step early or late and refuses two steps away', () => {
    const secret = base32(sha1Seed);
    const now = 59_000;
    expect(matchTotpStep(secret, '287082', now, settings)).toBe(1);
    expect(matchTotpStep(secret, '755224', now, settings)).toBe(0);
    expect(matchTotpStep(secret, '359152', now, settings)).toBe(2);
    expect(matchTotpStep(secret, '969429', now, settings)).toBeUndefined();
  });

  it.each(['', '28708', '2870822', '28708a', ' 287082x', '２８７０８２'])('refuses the malformed code %j', (code) => {
    expect(matchTotpStep(base32(sha1Seed), code, 59_000, settings)).toBeUndefined();
  });

  it('makes 160-bit secrets from the CSPRNG, different every time', () => {
    const secrets = new Set(Array.from({ length: 50 }, () => newTotpSecret(systemRandom)));
    expect(secrets.size).toBe(50);
    for (const secret of secrets) expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  });

  it('writes an otpauth URI with issuer, account and the parameters apps read', () => {
    const uri = new URL(otpauthUri('JBSWY3DPEHPK3PXP', 'Acme', 'ada@example.com', settings));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Acme:ada@example.com');
    expect(Object.fromEntries(uri.searchParams)).toEqual({
      issuer: 'Acme',
      secret: 'JBSWY3DPEHPK3PXP',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });

  it('groups the setup key in fours for typing', () => {
    expect(groupSetupKey('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');
  });
});
