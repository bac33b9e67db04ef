import { badRequest } from './context';

/**
 * A query's `from` / `to`: a UTC date means its first (from) or last (to) millisecond, a timestamp
 * itself; both become ISO strings in the form every stored timestamp has, so they compare as text.
 */
export function instant(value: string, end: 'from' | 'to'): string {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const ms = Date.parse(day ? `${value}T00:00:00.000Z` : value);
  if (Number.isNaN(ms) || (day && new Date(ms).toISOString().slice(0, 10) !== value)) throw badRequest(`${end}: "${value}" is not a date or time.`);
  return new Date(day && end === 'to' ? ms + 86_399_999 : ms).toISOString();
}

export function orderedRange(from: string, to: string): { from: string; to: string } {
  if (from > to) throw badRequest(`from (${from}) is after to (${to}).`);
  return { from, to };
}
