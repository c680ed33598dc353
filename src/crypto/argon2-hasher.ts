import { hash, verify } from '@node-rs/argon2';
import type { PasswordHasher } from '../core/ports.js';

/** OWASP's argon2id minimum: 19 MiB of memory, 2 passes, 1 lane. */
export const argon2Parameters = {
  algorithm: 2 /* Argon2id; the enum is an ambient const enum */,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

export const argon2Hasher: PasswordHasher = {
  hash: (password) => hash(password, argon2Parameters),
  verify: (stored, password) => verify(stored, password),
};
