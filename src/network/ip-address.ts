import { isIPv4 } from 'node:net';

/** An IPv4 client reached over an IPv6 socket arrives as `::ffff:a.b.c.d`; databases and lists know it as `a.b.c.d`. */
export function plainIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  return mapped && isIPv4(mapped) ? mapped : ip;
}
