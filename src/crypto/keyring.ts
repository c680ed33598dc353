import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TesseraConfig } from '../config.js';
import type { KeyedHasher, Random } from '../core/ports.js';

export interface ServerKey {
  id: string;
  secret: Buffer;
}

/** The server keys, current first. */
export class Keyring implements KeyedHasher {
  constructor(readonly keys: ServerKey[]) {
    if (keys.length === 0) throw new TypeError('Keyring needs at least one key');
  }

  get current(): ServerKey {
    return this.keys[0]!;
  }

  hash(value: string): string {
    return keyedHash(this.current, value);
  }

  candidates(value: string): string[] {
    return this.keys.map((key) => keyedHash(key, value));
  }
}

function keyedHash(key: ServerKey, value: string): string {
  return `${key.id}:${createHmac('sha256', key.secret).update(value).digest('base64url')}`;
}

/**
 * The configured keys, or in development a key generated once into `<dataDir>/dev-keys.json`
 * so sessions survive restarts. `warn` is told loudly when the development key is used.
 */
export function loadKeyring(config: TesseraConfig, warn: (message: string) => void): Keyring {
  if (config.secrets.keys.length > 0) {
    return new Keyring(config.secrets.keys.map((key) => ({ id: key.id, secret: Buffer.from(key.secret, 'base64') })));
  }
  const file = join(config.dataDir, 'dev-keys.json');
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify([{ id: 'dev1', secret: randomBytes(32).toString('base64') }], null, 2), { mode: 0o600 });
  }
  warn(
    `DEVELOPMENT KEYS IN USE: ${file} was generated on this machine. Set secrets.keys ` +
      '(TESSERA_SECRETS_KEYS=k1:$(openssl rand -base64 32)) before real people sign in.',
  );
  const stored = JSON.parse(readFileSync(file, 'utf8')) as { id: string; secret: string }[];
  return new Keyring(stored.map((key) => ({ id: key.id, secret: Buffer.from(key.secret, 'base64') })));
}

export const systemRandom: Random = { bytes: (length) => randomBytes(length) };
