import { describe, expect, it } from 'vitest';
import { formatRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from '../../src/core/factors/recovery-codes.js';
import { systemRandom } from '../../src/crypto/keyring.js';

describe('recovery codes', () => {
  it('makes the configured number of codes of the configured length from 32 unambiguous characters', () => {
    const codes = newRecoveryCodes(systemRandom, 10, 16);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[2-9A-HJ-NP-Z]{16}$/);
  });

  it('uses every character of the alphabet evenly (5 bits each, 80 bits for 16 characters)', () => {
    const counts = new Map<string, number>();
    for (const char of newRecoveryCodes(systemRandom, 2000, 16).join('')) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(32);
    for (const count of counts.values()) expect(count).toBeGreaterThan(700);
  });

  it('shows codes in dashed groups of four and reads them back whatever the case, spaces or dashes', () => {
    expect(formatRecoveryCode('ABCD2345EFGH6789')).toBe('ABCD-2345-EFGH-6789');
    expect(normalizeRecoveryCode(' abcd-2345 efgh-6789 ')).toBe('ABCD2345EFGH6789');
  });
});
