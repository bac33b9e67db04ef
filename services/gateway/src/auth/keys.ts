import { hash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * Gatehouse keys: `gth_` + 43 base62 characters (256 bits) + a 6-character base62 checksum, the CRC32
 * of everything before it (as GitHub's tokens carry one). The `gth_` prefix is ours alone: no secret
 * scanner confuses it with `sk-ant-`, `AIza`, `AKIA` or `ghp_` tokens. The checksum lets the gateway
 * refuse a mistyped or made-up key without a store read, and lets a scanner tell a real key from
 * text that looks like one.
 */
export const KEY_PREFIX = 'gth_';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CHECKED_KEY = /^gth_[0-9A-Za-z]{49}$/;

function base62(n: bigint, digits: number): string {
  let out = '';
  for (let i = 0; i < digits; i++) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out;
}

/** 62^6 > 2^32: six digits hold any CRC32. */
const checksum = (body: string) => base62(BigInt(crc32(body)), 6);

export function generateKeySecret(random: (n: number) => Buffer = randomBytes): string {
  const body = KEY_PREFIX + base62(BigInt(`0x${random(32).toString('hex')}`), 43);
  return body + checksum(body);
}

/**
 * Whether a secret has the shape and checksum of a key minted by this version. Keys minted before
 * (`gth_` + 43 characters, no checksum) and plain-text seed keys fail this; they still work, from the
 * in-memory copy of the store (auth/key-cache.ts).
 */
export function hasValidChecksum(secret: string): boolean {
  return CHECKED_KEY.test(secret) && checksum(secret.slice(0, -6)) === secret.slice(-6);
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
