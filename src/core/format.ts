import Bowser from 'bowser';

/** A time as people read it on a security page: "22 Nov 2026, 18:31 UTC". */
export function formatTime(ms: number): string {
  return `${new Intl.DateTimeFormat('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
  }).format(ms)} UTC`;
}

/** "Chrome 156 on Linux" with its version, "Chrome on Linux" without. */
function browserOf(userAgent: string | null | undefined, withVersion: boolean): string {
  if (!userAgent) return 'Unknown browser';
  const parser = Bowser.getParser(userAgent);
  const major = withVersion ? parser.getBrowserVersion()?.split('.')[0] : undefined;
  const os = parser.getOSName();
  return `${parser.getBrowserName() || 'Unknown browser'}${major ? ` ${major}` : ''}${os ? ` on ${os}` : ''}`;
}

/** A browser as people recognise it, from its user agent: "Chrome 156 on Linux". */
export function describeBrowser(userAgent: string | null): string {
  return browserOf(userAgent, true);
}

/** A browser without its version, as a device is recognised across updates: "Chrome on Windows". */
export function browserFamilyOf(userAgent: string | null | undefined): string {
  return browserOf(userAgent, false);
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });

/** Where a located sign-in was, as people read it: "Sydney, Australia". */
export function placeOf(location: { city: string | null; country: string | null } | null | undefined): string {
  if (!location) return 'an unknown place';
  const country = location.country ? (regionNames.of(location.country) ?? location.country) : null;
  return [location.city, country].filter(Boolean).join(', ') || 'an unknown place';
}
