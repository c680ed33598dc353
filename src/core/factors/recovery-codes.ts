import type { Random } from '../ports.js';

/** 32 characters without look-alikes (no 0/O, no 1/I): 5 bits each, and 256 divides evenly by 32. */
const alphabet = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

/** New recovery codes, uniformly random over the alphabet. */
export function newRecoveryCodes(random: Random, count: number, length: number): string[] {
  return Array.from({ length: count }, () => [...random.bytes(length)].map((byte) => alphabet[byte % alphabet.length]).join(''));
}

/** How a code is shown: groups of four separated by dashes. */
export function formatRecoveryCode(code: string): string {
  return code.replace(/(.{4})(?=.)/g, '$1-');
}

/** What people type, normalised: case, spaces and dashes do not matter. */
export function normalizeRecoveryCode(input: string): string {
  return input.replace(/[\s-]/g, '').toUpperCase();
}
