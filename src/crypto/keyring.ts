import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TesseraConfig } from '../config.js';
import type { KeyedHasher, Random, SecretBox } from '../core/ports.js';

export interface ServerKey {
  id: string;
  secret: Buffer;
}

/** One configured key, split by HKDF so hashing and encryption never share key material. */
interface DerivedKey {
  id: string;
  hmac: Buffer;
  aes: Buffer;
}

const derive = (secret: Buffer, purpose: string) =>
  Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `tessera ${purpose}`, 32));

/**
 * The server keys, current first: HMAC-SHA256 keyed hashes and AES-256-GCM sealing, each
 * output prefixed with the id of the key that made it so older keys keep working after rotation.
 */
export class Keyring implements KeyedHasher, SecretBox {
  private readonly keys: DerivedKey[];

  constructor(keys: ServerKey[]) {
    if (keys.length === 0) throw new TypeError('Keyring needs at least one key');
    this.keys = keys.map((key) => ({ id: key.id, hmac: derive(key.secret, 'hmac'), aes: derive(key.secret, 'aes-256-gcm') }));
  }

  hash(value: string): string {
    return keyedHash(this.keys[0]!, value);
  }

  candidates(value: string): string[] {
    return this.keys.map((key) => keyedHash(key, value));
  }

  seal(plaintext: string, associatedData: string): string {
    const key = this.keys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.aes, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${key.id}:${Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64url')}`;
  }

  sealedWithCurrentKey(sealed: string): boolean {
    return sealed.startsWith(`${this.keys[0]!.id}:`);
  }

  /** The ids of the configured keys, current first. */
  keyIds(): string[] {
    return this.keys.map((key) => key.id);
  }

  open(sealed: string, associatedData: string): string | undefined {
    const separator = sealed.indexOf(':');
    const key = this.keys.find((candidate) => candidate.id === sealed.slice(0, separator));
    const bytes = Buffer.from(sealed.slice(separator + 1), 'base64url');
    if (!key || separator < 0 || bytes.length < 28) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.aes, bytes.subarray(0, 12));
      decipher.setAAD(Buffer.from(associatedData));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}

function keyedHash(key: DerivedKey, value: string): string {
  return `${key.id}:${createHmac('sha256', key.hmac).update(value).digest('base64url')}`;
}

/**
 * The configured keys, or in development a key generated once into `<dataDir>/dev-keys.json`
 * so sessions and secrets survive restarts. `warn` is told loudly when the development key is used.
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
