import { randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const derive = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;

/** Kestrel's own password logins, as an app that has one already keeps them: scrypt hashes, in memory. */
export function createOwnLogins() {
  const logins = new Map<string, { id: string; salt: Buffer; hash: Buffer }>();
  return {
    /** A new login; undefined when the address has one. */
    async create(email: string, password: string): Promise<string | undefined> {
      const key = email.trim().toLowerCase();
      if (logins.has(key)) return undefined;
      const salt = randomBytes(16);
      const login = { id: `kestrel-${randomUUID()}`, salt, hash: await derive(password, salt, 32) };
      logins.set(key, login);
      return login.id;
    },
    /** The login's id when the password is right. */
    async check(email: string, password: string): Promise<string | undefined> {
      const login = logins.get(email.trim().toLowerCase());
      const hash = await derive(password, login?.salt ?? randomBytes(16), 32);
      return login && timingSafeEqual(hash, login.hash) ? login.id : undefined;
    },
  };
}
