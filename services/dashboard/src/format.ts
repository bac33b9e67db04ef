/** Display formats: money, tokens, durations and times, in the time zone the user picked (zone.ts). */
import { zone } from './zone';

const usdFmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const smallUsd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 4, maximumFractionDigits: 6 });
const intFmt = new Intl.NumberFormat('en-US');
const compactFmt = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/** Micro-USD, as the API counts cost. Sub-cent amounts keep their digits: one request often costs less than a cent. */
export function usd(micros: number): string {
  const v = micros / 1e6;
  return v !== 0 && Math.abs(v) < 0.01 ? smallUsd.format(v) : usdFmt.format(v);
}

export const int = (n: number): string => intFmt.format(n);
export const compact = (n: number): string => compactFmt.format(n);

export function percent(ratio: number | null | undefined, digits = 1): string {
  return ratio === null || ratio === undefined ? '–' : `${(ratio * 100).toFixed(digits)}%`;
}

export function ms(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  return v >= 1000 ? `${(v / 1000).toFixed(v >= 10_000 ? 0 : 1)} s` : `${Math.round(v)} ms`;
}

/** A timestamp in the chosen zone, to the second: `2026-12-03 10:04:05`. */
export function dateTime(iso: string | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone.get(),
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(d);
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** "in 3 d 4 h" / "5 min ago": how far a time is from now. */
export function relative(iso: string, now = Date.now()): string {
  const diff = Date.parse(iso) - now;
  const s = Math.abs(diff) / 1000;
  const text =
    s < 90
      ? `${Math.round(s)} s`
      : s < 5400
        ? `${Math.round(s / 60)} min`
        : s < 172_800
          ? `${Math.round(s / 3600)} h`
          : `${Math.floor(s / 86_400)} d ${Math.round((s % 86_400) / 3600)} h`;
  return diff >= 0 ? `in ${text}` : `${text} ago`;
}

export function tokens(u: { input: number; output: number; cache_write_5m: number; cache_write_1h: number; cache_read: number }): number {
  return u.input + u.output + u.cache_write_5m + u.cache_write_1h + u.cache_read;
}
