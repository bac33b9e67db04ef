import { createHash } from 'node:crypto';

/**
 * The simple (exact-match) cache key (docs/design.md §6.4). SHA-256 over a canonical JSON array of:
 *
 * 1. `v1` — bumped when the definition changes, so old entries are never misread;
 * 2. the workspace of the caller's key (`""` for organisation keys): tenants never share answers;
 * 3. the provider family (`vertex`, `anthropic`, `bedrock`) — not the slug, so regions of one family
 *    behind a load balancer share entries;
 * 4. the upstream model id (aliases and dated names of one model share entries);
 * 5. the answer format, `stream` or `json`: a streaming request is served only from a recorded stream;
 * 6. the `anthropic-version` header;
 * 7. the `anthropic-beta` values after the provider's policy, sorted and de-duplicated;
 * 8. the body after `override_params`, with keys sorted at every level, without `model` (item 4),
 *    `stream` (item 5) and `metadata` (Claude Code puts a per-user, per-session id in
 *    `metadata.user_id`; it does not change the answer, and keying on it would make every session miss).
 *
 * Everything else the client sends (headers, array order, whitespace) is either ignored or kept as is.
 */
export interface CacheKeyParts {
  scope: string;
  family: string;
  modelUpstream: string;
  stream: boolean;
  anthropicVersion: string;
  betas: readonly string[];
  body: Record<string, unknown>;
}

export const CACHE_KEY_VERSION = 'v1';
/** Body fields that are not part of the key (see above). */
export const UNKEYED_BODY_FIELDS: readonly string[] = ['model', 'stream', 'metadata'];

export function cacheKey(p: CacheKeyParts): string {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p.body)) if (!UNKEYED_BODY_FIELDS.includes(k)) body[k] = v;
  const betas = [...new Set(p.betas)].sort();
  const text = stableStringify([CACHE_KEY_VERSION, p.scope, p.family, p.modelUpstream, p.stream ? 'stream' : 'json', p.anthropicVersion, betas, body]);
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted at every level; `undefined` members dropped as JSON.stringify does. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : stableStringify(v))).join(',')}]`;
  const parts: string[] = [];
  for (const k of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined || typeof v === 'function') continue;
    parts.push(`${JSON.stringify(k)}:${stableStringify(v)}`);
  }
  return `{${parts.join(',')}}`;
}
