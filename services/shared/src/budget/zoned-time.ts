/**
 * Calendar arithmetic in an IANA time zone with Intl alone (Node ships the full ICU time zone data):
 * budget windows start at local midnight, which moves against UTC with daylight saving time.
 */

export interface LocalDate {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

function parts(ms: number, timeZone: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(ms)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** The zone's offset from UTC at an instant, in ms (positive east of Greenwich). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const p = parts(ms, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The local calendar date of an instant. */
export function localDate(ms: number, timeZone: string): LocalDate {
  const p = parts(ms, timeZone);
  return { year: p.year, month: p.month, day: p.day };
}

/** The date `days` after `d` (negative for before); months and years roll over. */
export function addDays(d: LocalDate, days: number): LocalDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** Whole days from `a` to `b`. */
export function daysBetween(a: LocalDate, b: LocalDate): number {
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / 86_400_000);
}

/** 0 = Monday … 6 = Sunday (ISO weeks start on Monday). */
export function isoWeekday(d: LocalDate): number {
  return (new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay() + 6) % 7;
}

/**
 * The first instant of a local date. Usually its midnight; where a DST change skips midnight
 * (America/Santiago in September: 00:00 → 01:00) the day starts at the change instead.
 */
export function startOfLocalDay(d: LocalDate, timeZone: string): number {
  const guess = Date.UTC(d.year, d.month - 1, d.day);
  // The offset at local midnight is one of the offsets a few hours either side of it.
  const candidates = [guess - zoneOffsetMs(guess, timeZone)];
  candidates.push(guess - zoneOffsetMs(candidates[0], timeZone));
  const same = (ms: number) => {
    const l = localDate(ms, timeZone);
    return l.year === d.year && l.month === d.month && l.day === d.day;
  };
  // The earliest on the day: where midnight happens twice (a DST change back at 01:00) the first one.
  const onDay = candidates.filter(same).sort((a, b) => a - b);
  return onDay[0] ?? Math.max(...candidates);
}
