import { describe, expect, it } from 'vitest';
import { assertAcceptablePassword } from '../../src/core/passwords.js';
import { argon2Hasher } from '../../src/crypto/argon2-hasher.js';

const policy = { minLength: 8, maxLength: 256 };
const codeOf = (password: string) => {
  try {
    assertAcceptablePassword(password, policy);
    return 'ok';
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('password policy', () => {
  it('refuses passwords shorter than the minimum, counting Unicode code points', () => {
    expect(codeOf('short12')).toBe('ERR_PASSWORD_TOO_SHORT');
    expect(codeOf('😀😀😀😀😀😀😀')).toBe('ERR_PASSWORD_TOO_SHORT');
    expect(codeOf('😀😀😀😀😀😀😀😀')).toBe('ok');
  });

  it('accepts a 64-character passphrase and refuses one over the maximum', () => {
    expect(codeOf('correct horse battery staple and a few more words to reach 64 c')).toBe('ok');
    expect(codeOf('a'.repeat(64) + 'b'.repeat(200))).toBe('ERR_PASSWORD_TOO_LONG');
  });

  it('has no composition rules: lowercase words alone are fine', () => {
    expect(codeOf('marble tangerine orbit')).toBe('ok');
  });

  it('refuses passwords from the common-password list whatever their case', () => {
    expect(codeOf('password')).toBe('ERR_PASSWORD_COMMON');
    expect(codeOf('PASSWORD1')).toBe('ERR_PASSWORD_COMMON');
    expect(codeOf('qwertyuiop')).toBe('ERR_PASSWORD_COMMON');
    expect(codeOf('baseball')).toBe('ERR_PASSWORD_COMMON');
  });
});

describe('argon2id hasher', () => {
  it('hashes with argon2id at m=19456, t=2, p=1 and verifies the whole string', async () => {
    const long = 'x'.repeat(200) + 'tail';
    const hash = await argon2Hasher.hash(long);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await argon2Hasher.verify(hash, long)).toBe(true);
    expect(await argon2Hasher.verify(hash, 'x'.repeat(200) + 'tall')).toBe(false);
  });
});
