/**
 * The time zone every time on the dashboard is shown in: the browser's own, or UTC (the API's, and
 * its rollups' bucket boundaries). Kept in localStorage: a display preference, not a secret.
 */
const KEY = 'gatehouse.zone';
const local = Intl.DateTimeFormat().resolvedOptions().timeZone;

export const zone = {
  local,
  get: (): string => (localStorage.getItem(KEY) === 'UTC' ? 'UTC' : local),
  set: (z: 'UTC' | 'local') => localStorage.setItem(KEY, z === 'UTC' ? 'UTC' : 'local'),
  /** A `datetime-local` input's value, a wall-clock time in the chosen zone, as an ISO instant ('' stays ''). */
  toInstant(wall: string): string {
    if (!wall) return '';
    // Without an offset, Date reads a date-time as the browser's own zone: the "local" choice.
    const d = new Date(zone.get() === 'UTC' ? `${wall}Z` : wall);
    return Number.isNaN(d.getTime()) ? '' : d.toISOString();
  },
  /** An ISO instant as a `datetime-local` value (to the second) in the chosen zone. */
  toWallClock(iso: string): string {
    if (!iso) return '';
    const d = new Date(iso);
    const shifted = zone.get() === 'UTC' ? d : new Date(d.getTime() - d.getTimezoneOffset() * 60_000);
    return shifted.toISOString().slice(0, 19);
  },
  /** "UTC" or "Europe/Paris (UTC+01:00)". */
  label(): string {
    const z = zone.get();
    if (z === 'UTC') return 'UTC';
    const off = new Intl.DateTimeFormat('en-US', { timeZone: z, timeZoneName: 'longOffset' }).formatToParts(new Date()).find((p) => p.type === 'timeZoneName');
    return `${z} (${off?.value.replace('GMT', 'UTC') || 'UTC'})`;
  },
};
