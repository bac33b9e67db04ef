/** Plain-text output: aligned tables for lists, key/value blocks for single objects. */
export type Column<T> = [header: string, cell: (row: T) => string | number | undefined];

export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((r) => columns.map(([, f]) => String(f(r) ?? '')));
  const headers = columns.map(([h]) => h);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...cells.map(line)].join('\n')}\n`;
}

export function block(fields: ReadonlyArray<[string, string | number | undefined]>): string {
  const shown = fields.filter(([, v]) => v !== undefined && v !== '');
  const width = Math.max(...shown.map(([k]) => k.length));
  return `${shown.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v}`).join('\n')}\n`;
}

export function when(iso: string | undefined): string {
  return iso ? iso.replace(/\.\d{3}Z$/, 'Z').replace('T', ' ') : '';
}

export function usd(micros: number): string {
  return `$${(micros / 1e6).toFixed(micros > 0 && micros < 10_000 ? 4 : 2)}`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}
