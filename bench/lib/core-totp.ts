import { createHmac, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { matchTotpStep, type TotpSettings } from '../../src/core/factors/totp.js';
import { factorSecretContext } from '../../src/core/factors/factor-secret.js';
import { Keyring } from '../../src/crypto/keyring.js';

const settings: TotpSettings = { algorithm: 'SHA1', digits: 6, period: 30, window: 1 };

/** Operations per second of `operation`, run in batches for about `ms` milliseconds. */
function opsPerSecond(operation: () => unknown, ms = 700): number {
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    for (let i = 0; i < 200; i++) operation();
    count += 200;
  }
  return count / ((performance.now() - started) / 1000);
}

export interface CoreTotpRun {
  floor: number;
  check: number;
  checkWithDecryption: number;
  otpauthValidate: number;
}

/**
 * The worst case of checking an authenticator code — a wrong code, so all 2·window+1 steps are
 * computed — next to the floor: that many raw HMAC-SHA1s over an 8-byte counter.
 */
export function coreTotpRun(): CoreTotpRun {
  const keyBytes = randomBytes(20);
  const secret = new Secret({ buffer: keyBytes.buffer.slice(keyBytes.byteOffset, keyBytes.byteOffset + 20) as ArrayBuffer });
  const now = Date.now();
  const valid = new Set([-1, 0, 1].map((delta) => TOTP.generate({ secret, timestamp: now + delta * 30_000 })));
  let wrong = '000000';
  while (valid.has(wrong)) wrong = String(Number(wrong) + 1).padStart(6, '0');

  const keyring = new Keyring([{ id: 'bench1', secret: randomBytes(32) }]);
  const owner = { userId: 'user', id: 'factor' };
  const sealed = keyring.seal(secret.base32, factorSecretContext(owner));
  const hmacs = 2 * settings.window + 1;
  const counter = Buffer.alloc(8);

  return {
    floor: opsPerSecond(() => {
      for (let i = 0; i < hmacs; i++) createHmac('sha1', keyBytes).update(counter).digest();
    }),
    check: opsPerSecond(() => matchTotpStep(secret.base32, wrong, now, settings)),
    checkWithDecryption: opsPerSecond(() =>
      matchTotpStep(keyring.open(sealed, factorSecretContext(owner))!, wrong, now, settings),
    ),
    otpauthValidate: opsPerSecond(() => TOTP.validate({ token: wrong, secret, timestamp: now, window: settings.window })),
  };
}
