import { existsSync, readFileSync, statSync } from 'node:fs';
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
    const [address = '', prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    const maxBits = family === 6 ? 128 : 32;
    const bits = prefix === undefined ? maxBits : Number(prefix);
    if (family === 0 || rest.length > 0 || (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) || bits > maxBits) {
      throw new TypeError(`${file}:${index + 1}: "${entry}" is not an IP address or CIDR range such as 203.0.113.0/24`);
    }
    list.addSubnet(address, bits, family === 6 ? 'ipv6' : 'ipv4');
  });
  return list;
}

/** What a file was when it was read: a change to either means it is read again. */
const versionOf = (file: string) => {
  if (!existsSync(file)) return 'missing';
  const stats = statSync(file);
  return `${stats.mtimeMs}:${stats.size}`;
};

/**
 * The operator's lists of untrusted addresses, read at start (a list that cannot be read stops
 * the start) and read again when a file changes, which is looked for every `intervalMs`
 * (default 2 s). A change that cannot be read keeps the list as it was and is reported once
 * through `warn`.
 */
export function watchUntrustedNetworks(
  files: string[],
  options: { warn: (message: string) => void; intervalMs?: number },
): UntrustedNetworks & { close(): void } {
  const read = (file: string) => parseNetworkList(file, readFileSync(file, 'utf8'));
  const lists = new Map(files.map((file) => [file, { version: versionOf(file), list: read(file) }]));
  const reloadChanged = () => {
    for (const [file, current] of lists) {
      const version = versionOf(file);
      if (version === current.version) continue;
      try {
        lists.set(file, { version, list: read(file) });
      } catch (error) {
        lists.set(file, { ...current, version });
        options.warn(`adaptive.untrustedIpLists: kept the previous ${file}: ${(error as Error).message}`);
      }
    }
  };
  const timer = files.length > 0 ? setInterval(reloadChanged, options.intervalMs ?? 2000).unref() : undefined;
  return {
    listing(ip) {
      const address = plainIp(ip);
      const family = isIP(address);
      if (family === 0) return undefined;
      for (const [file, { list }] of lists) {
        if (list.check(address, family === 6 ? 'ipv6' : 'ipv4')) return basename(file);
      }
      return undefined;
    },
    close() {
      clearInterval(timer);
    },
  };
}
