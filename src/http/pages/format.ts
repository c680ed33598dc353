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
