import type { Request } from 'express';

/** One header value, whichever spelling (`x-gatehouse-*` or Portkey's `x-portkey-*`) the client used. */
export function gatehouseHeader(req: Request, name: string): string | undefined {
  const v = req.headers[`x-gatehouse-${name}`] ?? req.headers[`x-portkey-${name}`];
  return Array.isArray(v) ? v[0] : v;
}

export function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Client headers as a flat lower-case map, for configs' `forward_headers`. */
export function flatHeaders(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(',') : v;
  return out;
}
