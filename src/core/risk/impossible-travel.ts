import { placeOf } from '../format.js';
import type { GeoLocation, RiskSignal } from '../ports.js';

const earthRadiusKm = 6371;

/** Great-circle distance between two places, in kilometres (haversine). */
export function distanceKm(from: GeoLocation, to: GeoLocation): number {
  const radians = (degrees: number) => (degrees * Math.PI) / 180;
  const dLat = radians(to.latitude - from.latitude);
  const dLon = radians(to.longitude - from.longitude);
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(radians(from.latitude)) * Math.cos(radians(to.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * earthRadiusKm * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** City-level geolocation of an IP address is often tens of kilometres off: nearer than this is the same place. */
const sameAreaKm = 100;

const kilometres = (km: number) => `${Math.round(km).toLocaleString('en-GB')} km`;

function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}

/**
 * ImpossibleTravel: the distance from the last successful sign-in's place to this one, over the
 * time between them, against `maxSpeedKmh`. Unknown places give no signal.
 */
export function assessImpossibleTravel(input: {
  location: GeoLocation | undefined;
  previous: { at: number; location: GeoLocation } | undefined;
  now: number;
  maxSpeedKmh: number;
}): RiskSignal {
  const { location, previous } = input;
  if (!location) return { assessor: 'impossible_travel', strength: 0, evidence: 'The place of this IP address is not known' };
  if (!previous) return { assessor: 'impossible_travel', strength: 0, evidence: 'No earlier sign-in with a known place' };
  const km = distanceKm(previous.location, location);
  const elapsed = Math.max(input.now - previous.at, 60_000);
  const journey = `${placeOf(previous.location)} to ${placeOf(location)}: ${kilometres(km)} in ${duration(elapsed)}`;
  if (km < sameAreaKm) return { assessor: 'impossible_travel', strength: 0, evidence: `Near the last sign-in (${journey})` };
  const speed = km / (elapsed / 3_600_000);
  if (speed <= input.maxSpeedKmh) {
    return { assessor: 'impossible_travel', strength: 0, evidence: `${journey}, ${kilometres(speed)}/h is possible` };
  }
  return {
    assessor: 'impossible_travel',
    strength: 1,
    evidence: `${journey}, ${kilometres(speed)}/h is faster than ${kilometres(input.maxSpeedKmh)}/h`,
  };
}
