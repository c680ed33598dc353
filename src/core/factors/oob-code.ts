import type { Random } from '../ports.js';

/** A uniformly random numeric code of `digits` digits (4 to 10), by rejection sampling. */
export function newOobCode(random: Random, digits: number): string {
  const range = 10 ** digits;
  const limit = Math.floor(2 ** 48 / range) * range;
  for (;;) {
    const value = random.bytes(6).readUIntBE(0, 6);
    if (value < limit) return String(value % range).padStart(digits, '0');
  }
}

/** An address as it is shown back: `j•••@e•••.com`, enough to recognise, not to read off. */
export function maskEmail(address: string): string {
  const [local = '', domain = ''] = address.split('@');
  const labels = domain.split('.');
  const topLevel = labels.length > 1 ? `.${labels.pop()}` : '';
  return `${local.slice(0, 1)}•••@${labels.join('.').slice(0, 1)}•••${topLevel}`;
}
