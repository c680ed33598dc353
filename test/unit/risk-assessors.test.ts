import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config.js';
import type { GeoLocation, RiskSignal } from '../../src/core/ports.js';
import { combineSignals, confidenceChallenges } from '../../src/core/risk/confidence.js';
import { assessImpossibleTravel, distanceKm } from '../../src/core/risk/impossible-travel.js';
import { bundledGeoipDatabases, createGeoIp } from '../../src/network/geoip.js';
import { parseNetworkList, watchUntrustedNetworks } from '../../src/network/untrusted-networks.js';

const adaptive = configSchema.parse({}).adaptive;
const londonCity: GeoLocation = { city: 'London', country: 'GB', latitude: 51.5143, longitude: -0.0912 };
const sydneyCity: GeoLocation = { city: 'Sydney', country: 'AU', latitude: -33.8688, longitude: 151.209 };
const parisCity: GeoLocation = { city: 'Paris', country: 'FR', latitude: 48.8566, longitude: 2.3522 };
const hour = 3_600_000;

const signal = (assessor: RiskSignal['assessor'], strength: number): RiskSignal => ({ assessor, strength, evidence: '' });

describe('ImpossibleTravel', () => {
  it('measures great-circle distances: London to Sydney is about 16,990 km', () => {
    expect(distanceKm(londonCity, sydneyCity)).toBeGreaterThan(16_900);
    expect(distanceKm(londonCity, sydneyCity)).toBeLessThan(17_100);
    expect(distanceKm(londonCity, londonCity)).toBe(0);
  });

  it('flags London to Sydney within an hour, but not London to Paris in two hours', () => {
    const travel = (location: GeoLocation, after: number) =>
      assessImpossibleTravel({ location, previous: { at: 0, location: londonCity }, now: after, maxSpeedKmh: 900 });
    expect(travel(sydneyCity, hour)).toMatchObject({ strength: 1, evidence: expect.stringContaining('is faster than 900 km/h') });
    expect(travel(parisCity, 2 * hour)).toMatchObject({ strength: 0, evidence: expect.stringContaining('is possible') });
    expect(travel(sydneyCity, 24 * hour).strength).toBe(0);
  });

  it('gives no signal within the same area, without an earlier place, or for an address it cannot place', () => {
    const nearby: GeoLocation = { ...londonCity, latitude: 51.75 };
    expect(
      assessImpossibleTravel({ location: nearby, previous: { at: 0, location: londonCity }, now: 1, maxSpeedKmh: 900 }).strength,
    ).toBe(0);
    expect(assessImpossibleTravel({ location: sydneyCity, previous: undefined, now: 1, maxSpeedKmh: 900 }).strength).toBe(0);
    expect(
      assessImpossibleTravel({ location: undefined, previous: { at: 0, location: londonCity }, now: 1, maxSpeedKmh: 900 })
        .strength,
    ).toBe(0);
  });
});

describe('the overall confidence', () => {
  it('is high with no signal, low for a new device alone, medium for half a signal', () => {
    expect(
      combineSignals([signal('new_device', 0), signal('impossible_travel', 0), signal('untrusted_ip', 0)], adaptive),
    ).toEqual({
      score: 0,
      confidence: 'high',
    });
    expect(combineSignals([signal('new_device', 1)], adaptive)).toEqual({ score: 0.7, confidence: 'low' });
    expect(combineSignals([signal('new_device', 0.5)], adaptive)).toEqual({ score: 0.35, confidence: 'medium' });
    expect(combineSignals([signal('untrusted_ip', 0.5)], adaptive)).toEqual({ score: 0.5, confidence: 'medium' });
  });

  it('adds weighted signals up to a score of 1 and follows the configured weights and thresholds', () => {
    expect(
      combineSignals([signal('new_device', 1), signal('impossible_travel', 1), signal('untrusted_ip', 1)], adaptive).score,
    ).toBe(1);
    const lenient = { ...adaptive, weights: { ...adaptive.weights, newDevice: 0.2 } };
    expect(combineSignals([signal('new_device', 1)], lenient)).toEqual({ score: 0.2, confidence: 'high' });
    expect(combineSignals([signal('new_device', 1)], { ...adaptive, lowAt: 0.9 })).toEqual({ score: 0.7, confidence: 'medium' });
  });

  it('asks at low confidence always, at medium only where configured, at high never', () => {
    expect(confidenceChallenges('low', 'low')).toBe(true);
    expect(confidenceChallenges('medium', 'low')).toBe(false);
    expect(confidenceChallenges('medium', 'medium')).toBe(true);
    expect(confidenceChallenges('high', 'medium')).toBe(false);
  });

  it('refuses thresholds where medium would not lie between high and low', () => {
    expect(configSchema.safeParse({ adaptive: { mediumAt: 0.8, lowAt: 0.7 } }).success).toBe(false);
  });
});

describe('the bundled geolocation database', () => {
  const geoIp = createGeoIp(bundledGeoipDatabases());

  it('places real addresses on different continents, over IPv4 and IPv6', async () => {
    expect(await geoIp.locate('81.2.69.142')).toMatchObject({ city: 'London', country: 'GB' });
    expect(await geoIp.locate('1.1.1.1')).toMatchObject({ country: 'AU' });
    expect(await geoIp.locate('200.160.2.3')).toMatchObject({ country: 'BR' });
    expect(await geoIp.locate('41.203.64.1')).toMatchObject({ country: 'NG' });
    expect(await geoIp.locate('2a00:1450:4009:80b::200e')).toMatchObject({ country: 'GB' });
    expect(await geoIp.locate('::ffff:81.2.69.142')).toMatchObject({ city: 'London' });
  });

  it('places nothing for private, loopback or malformed addresses', async () => {
    expect(await geoIp.locate('127.0.0.1')).toBeUndefined();
    expect(await geoIp.locate('10.1.2.3')).toBeUndefined();
    expect(await geoIp.locate('::1')).toBeUndefined();
    expect(await geoIp.locate('not an address')).toBeUndefined();
  });
});

describe('untrusted address lists', () => {
  const closers: (() => void)[] = [];
  afterEach(() => closers.splice(0).forEach((close) => close()));

  it('reads addresses and CIDR ranges of both families, with comments', () => {
    const list = parseNetworkList('list.txt', '# proxies\n203.0.113.0/24\n198.51.100.7  # one host\n\n2001:db8::/32\n');
    expect(list.check('203.0.113.200', 'ipv4')).toBe(true);
    expect(list.check('198.51.100.7', 'ipv4')).toBe(true);
    expect(list.check('198.51.100.8', 'ipv4')).toBe(false);
    expect(list.check('2001:db8::1', 'ipv6')).toBe(true);
  });

  it('names the line it cannot read', () => {
    expect(() => parseNetworkList('list.txt', '203.0.113.0/24\nexample.com\n')).toThrow('list.txt:2: "example.com"');
    expect(() => parseNetworkList('list.txt', '203.0.113.0/33\n')).toThrow('list.txt:1');
    expect(() => parseNetworkList('list.txt', '203.0.113.0/24/8\n')).toThrow('list.txt:1');
  });

  it('reads a list again when it changes, and keeps the old one when the new one cannot be read', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tessera-lists-')), 'blocked.txt');
    writeFileSync(file, '203.0.113.0/24\n');
    const warnings: string[] = [];
    const networks = watchUntrustedNetworks([file], { warn: (message) => warnings.push(message), intervalMs: 50 });
    closers.push(networks.close);
    expect(networks.listing('203.0.113.9')).toBe('blocked.txt');
    expect(networks.listing('::ffff:203.0.113.9')).toBe('blocked.txt');
    expect(networks.listing('192.0.2.1')).toBeUndefined();

    writeFileSync(file, '192.0.2.0/24\n');
    await expect.poll(() => networks.listing('192.0.2.1'), { timeout: 5000 }).toBe('blocked.txt');
    expect(networks.listing('203.0.113.9')).toBeUndefined();

    writeFileSync(file, 'not an address\n');
    await expect.poll(() => warnings.length, { timeout: 5000 }).toBe(1);
    expect(networks.listing('192.0.2.1')).toBe('blocked.txt');
  });
});
