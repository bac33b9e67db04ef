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
  /** "UTC" or "Europe/Paris (UTC+01:00)". */
  label(): string {
    const z = zone.get();
    if (z === 'UTC') return 'UTC';
    const off = new Intl.DateTimeFormat('en-US', { timeZone: z, timeZoneName: 'longOffset' }).formatToParts(new Date()).find((p) => p.type === 'timeZoneName');
    return `${z} (${off?.value.replace('GMT', 'UTC') || 'UTC'})`;
  },
};
