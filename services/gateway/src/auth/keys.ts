import { hash, randomBytes } from 'node:crypto';

/**
 * Gatehouse keys: `gth_` + 43 base62 characters (256 bits). The `gth_` prefix is ours alone: no
 * secret scanner confuses it with `sk-ant-`, `AIza`, `AKIA` or `ghp_` tokens.
 */
export const KEY_PREFIX = 'gth_';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function generateKeySecret(random: (n: number) => Buffer = randomBytes): string {
  let n = BigInt(`0x${random(32).toString('hex')}`);
  let out = '';
  for (let i = 0; i < 43; i++) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return KEY_PREFIX + out;
}

/**
 * The SHA-256 a key is stored and looked up under. Keys are found by their hash, never compared as
 * secrets: a timing difference in the lookup tells a caller nothing about any stored key.
 */
export function hashKey(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/** What may be shown of a secret: its prefix and first characters. */
export function displayPrefix(secret: string): string {
  return secret.slice(0, KEY_PREFIX.length + 6);
}

/** The client's key, from any header a client may use (docs/design.md §4.2). */
export function keyFromHeaders(h: Record<string, string | string[] | undefined>): string | undefined {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() || undefined;
  const auth = first(h.authorization);
  const bearer = auth && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : undefined;
  return first(h['x-gatehouse-api-key']) ?? first(h['x-portkey-api-key']) ?? first(h['x-api-key']) ?? bearer;
}
