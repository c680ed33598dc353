import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { basename } from 'node:path';
import { BlockList, isIP } from 'node:net';
import type { UntrustedNetworks } from '../core/ports.js';
import { plainIp } from './ip-address.js';

/** Reads one list: an IP address or CIDR range per line; `#` starts a comment. Throws naming the line it cannot read. */
export function parseNetworkList(file: string, text: string): BlockList {
  const list = new BlockList();
  text.split(/\r?\n/).forEach((line, index) => {
    const entry = line.replace(/#.*/, '').trim();
    if (!entry) return;
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
    const maxBits = family === 6 ? 128 : 32;
    if (family === 0 || !/^\d{1,3}$/.test(String(bits)) || bits > maxBits) {
      throw new TypeError(`${file}:${index + 1}: "${entry}" is not an IP address or CIDR range such as 203.0.113.0/24`);
    }
    list.addSubnet(address, bits, family === 6 ? 'ipv6' : 'ipv4');
  });
  return list;
}

/**
 * The operator's lists of untrusted addresses, read at start (a list that cannot be read stops
 * the start) and read again when a file changes. A change that cannot be read keeps the list
 * as it was and is reported through `warn`.
 */
export function watchUntrustedNetworks(
  files: string[],
  options: { warn: (message: string) => void; intervalMs?: number },
): UntrustedNetworks & { close(): void } {
  const lists = new Map(files.map((file) => [file, parseNetworkList(file, readFileSync(file, 'utf8'))]));
  const reload = (file: string) => {
    try {
      lists.set(file, parseNetworkList(file, readFileSync(file, 'utf8')));
    } catch (error) {
      options.warn(`adaptive.untrustedIpLists: kept the previous ${file}: ${(error as Error).message}`);
    }
  };
  for (const file of files) watchFile(file, { interval: options.intervalMs ?? 2000, persistent: false }, () => reload(file));
  return {
    listing(ip) {
      const address = plainIp(ip);
      const family = isIP(address);
      if (family === 0) return undefined;
      for (const [file, list] of lists) {
        if (list.check(address, family === 6 ? 'ipv6' : 'ipv4')) return basename(file);
      }
      return undefined;
    },
    close() {
      for (const file of files) unwatchFile(file);
    },
  };
}
