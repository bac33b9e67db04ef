import { rotateKey, updateKey } from '../../services/gateway/src/admin/api-keys';
import type { AdminContext } from '../../services/gateway/src/admin/context';
import { KeyCache } from '../../services/gateway/src/auth/key-cache';
import { displayPrefix, generateKeySecret, hashKey, hasValidChecksum, KEY_PREFIX, keyFromHeaders } from '../../services/gateway/src/auth/keys';
import { createCatalog } from '../../services/shared/src/catalog';
import type { ApiKey } from '../../services/shared/src/entities';
import type { GatewayError } from '../../services/shared/src/errors';
import { createMemoryStore } from '../../services/shared/src/store/memory';
import type { Store } from '../../services/shared/src/store/port';
import { silentLogger } from '../helpers/log';

const silent = silentLogger();

describe('key secrets', () => {
  it('are gth_ + 43 base62 characters (256 bits) + a 6-character checksum, from the injected randomness', () => {
    const secret = generateKeySecret();
    expect(secret).toMatch(/^gth_[0-9A-Za-z]{49}$/);
    expect(generateKeySecret()).not.toBe(secret);
    const zeros = generateKeySecret((n) => Buffer.alloc(n, 0));
    expect(zeros.slice(0, -6)).toBe(`${KEY_PREFIX}${'0'.repeat(43)}`);
    const ones = generateKeySecret((n) => Buffer.alloc(n, 0xff));
    expect(ones).toMatch(/^gth_[0-9A-Za-z]{49}$/);
    expect(62 ** 43).toBeGreaterThan(2 ** 256); // 43 base62 digits hold every 256-bit value
    expect(62 ** 6).toBeGreaterThan(2 ** 32); // and 6 hold every CRC32
  });

  it('carry a checksum that a mistyped, truncated or made-up key fails', () => {
    const secret = generateKeySecret();
    expect(hasValidChecksum(secret)).toBe(true);
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'a' ? 'b' : 'a') + s.slice(i + 1);
    for (const i of [4, 20, 46, 47, 52]) expect(hasValidChecksum(flip(secret, i))).toBe(false);
    expect(hasValidChecksum(secret.slice(0, -1))).toBe(false);
    expect(hasValidChecksum(`${secret}0`)).toBe(false);
    expect(hasValidChecksum(`gth_${'x'.repeat(49)}`)).toBe(false);
    expect(hasValidChecksum(secret.slice(0, 47))).toBe(false); // the old shape, no checksum
  });

  it('show only a prefix that cannot identify the secret', () => {
    const secret = generateKeySecret();
    expect(displayPrefix(secret)).toBe(secret.slice(0, 10));
    expect(displayPrefix(secret).startsWith('gth_')).toBe(true);
  });

  it('are stored as SHA-256 hex', () => {
    expect(hashKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashKey(generateKeySecret())).toMatch(/^[0-9a-f]{64}$/);
    expect(hashKey('abd')).not.toBe(hashKey('abc'));
  });

  it.each([
    [{ authorization: 'Bearer k1' }, 'k1'],
    [{ 'x-api-key': 'k2' }, 'k2'],
    [{ 'x-gatehouse-api-key': 'k3', authorization: 'Bearer other' }, 'k3'],
    [{ 'x-portkey-api-key': 'k4' }, 'k4'],
    [{ authorization: 'Basic xyz' }, undefined],
    [{}, undefined],
  ])('read from %j, x-gatehouse-api-key first; none from Basic auth or no header', (headers, want) => {
    expect(keyFromHeaders(headers)).toBe(want);
  });

  it.each([
    ['Authorization: Bearer', { authorization: 'Bearer gth_a' }],
    ['lower-case bearer', { authorization: 'bearer gth_a' }],
    ['x-api-key', { 'x-api-key': 'gth_a' }],
    ['x-gatehouse-api-key', { 'x-gatehouse-api-key': ' gth_a ' }],
    ['x-portkey-api-key', { 'x-portkey-api-key': 'gth_a' }],
  ])('are read from %s', (_name, headers) => {
    expect(keyFromHeaders(headers)).toBe('gth_a');
  });
});

const T0 = Date.parse('2026-03-01T12:00:00.000Z');

async function setup(over: Partial<ApiKey> = {}): Promise<{ store: Store; cache: KeyCache; secret: string; doc: ApiKey }> {
  const store = createMemoryStore();
  const secret = generateKeySecret();
  const doc: ApiKey = {
    id: hashKey(secret),
    key_id: 'key_unit',
    name: 'unit',
    type: 'workspace',
    kind: 'service',
    workspace_id: 'ws',
    scopes: ['completions', 'keys.read'],
    defaults: {},
    prefix: displayPrefix(secret),
    status: 'active',
    created_at: new Date(T0 - 1000).toISOString(),
    ...over,
  };
  await store.apiKeys.put(doc.id, doc);
  const cache = new KeyCache(store, silent);
  await cache.start();
  return { store, cache, secret, doc };
}

const refused = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: GatewayError) => `${e.status} ${e.message}`,
  );

describe('expiry', () => {
  it('accepts a key until expires_at and refuses it from then on, with a 401 that says so', async () => {
    const { cache, secret } = await setup({ expires_at: new Date(T0).toISOString() });
    await expect(cache.authenticate(secret, T0 - 1)).resolves.toMatchObject({ key_id: 'key_unit' });
    expect(await refused(cache.authenticate(secret, T0))).toMatch(/^401 API key "unit" expired at 2026-03-01T12:00:00.000Z/);
    cache.close();
  });

  it('refuses revoked and unknown keys with 401', async () => {
    const { cache, secret } = await setup({ status: 'revoked' });
    expect(await refused(cache.authenticate(secret, T0))).toMatch(/^401 .*revoked/);
    expect(await refused(cache.authenticate(generateKeySecret(), T0))).toMatch(/^401 Invalid API key/);
    expect(await refused(cache.authenticate(undefined, T0))).toMatch(/^401 No API key/);
    cache.close();
  });
});

describe('cheap refusals', () => {
  /** The store with its key reads counted. */
  async function counting(over: Partial<ApiKey> = {}, secret?: string) {
    const base = await setup({ ...over, ...(secret ? { id: hashKey(secret), prefix: displayPrefix(secret) } : {}) });
    const reads = { n: 0 };
    const get = base.store.apiKeys.get.bind(base.store.apiKeys);
    base.store.apiKeys.get = (id: string) => (reads.n++, get(id));
    return { ...base, reads };
  }

  it('refuses a key whose checksum fails with a 401 and no store read', async () => {
    const { cache, reads, secret } = await counting();
    for (let i = 0; i < 20; i++) {
      const garbled = `${secret.slice(0, 10)}${generateKeySecret().slice(10, -6)}${secret.slice(-6)}`;
      expect(await refused(cache.authenticate(garbled, T0))).toMatch(/^401 Invalid API key: this is not a Gatehouse key \(its checksum does not match\)/);
      expect(await refused(cache.authenticate(`gth_random_${i}`, T0))).toMatch(/^401 Invalid API key: this is not a Gatehouse key/);
    }
    expect(reads.n).toBe(0);
    cache.close();
  });

  it('reads the store once for a well-formed unknown key, then remembers the miss', async () => {
    const { cache, reads } = await counting();
    const unknown = generateKeySecret();
    for (let i = 0; i < 5; i++) expect(await refused(cache.authenticate(unknown, T0))).toMatch(/^401 Invalid API key: this key is not known/);
    expect(reads.n).toBe(1);
    cache.close();
  });

  it('still accepts a key minted before keys had a checksum (or written in a seed file), from memory', async () => {
    const legacy = `gth_${'A1b2C3'.repeat(7)}x`; // 43 characters, the old shape
    const { cache, reads } = await counting({}, legacy);
    await expect(cache.authenticate(legacy, T0)).resolves.toMatchObject({ key_id: 'key_unit' });
    expect(reads.n).toBe(0);
    cache.close();
  });
});

describe('rotation grace period (injected clock)', () => {
  const admin: ApiKey = {
    id: '0'.repeat(64),
    key_id: 'key_admin',
    name: 'admin',
    type: 'organisation',
    kind: 'user',
    scopes: ['completions', 'keys.read', 'keys.write'],
    defaults: {},
    prefix: '',
    status: 'active',
  };
  const ctxAt = (store: Store, now: number): AdminContext => ({
    store,
    catalog: createCatalog(),
    actor: admin,
    now: () => now,
    requestId: 'req_unit',
    log: silent,
    auditRetentionDays: 30,
    what: 'POST /admin/v1/keys/:key_id/rotate',
  });
  const settle = () => new Promise((r) => setTimeout(r, 0)); // memory watchers deliver in a microtask

  it('keeps the old secret valid for exactly grace_seconds and the new one from the start', async () => {
    const { store, cache, secret: old } = await setup();
    const reply = await rotateKey(ctxAt(store, T0), 'key_unit', { grace_seconds: 300 });
    const fresh = (reply.body as { secret: string }).secret;
    await settle();
    expect(fresh).not.toBe(old);
    expect(reply.body).toMatchObject({ key_id: 'key_unit', previous_secret_expires_at: new Date(T0 + 300_000).toISOString() });
    await expect(cache.authenticate(old, T0 + 299_999)).resolves.toMatchObject({ key_id: 'key_unit' });
    expect(await refused(cache.authenticate(old, T0 + 300_000))).toMatch(/^401 .*expired/);
    await expect(cache.authenticate(fresh, T0 + 10 * 86_400_000)).resolves.toMatchObject({ key_id: 'key_unit', scopes: ['completions', 'keys.read'] });
    cache.close();
  });

  it('never lets the grace period outlive the key itself', async () => {
    const keyExpiry = T0 + 60_000;
    const { store, cache, secret: old } = await setup({ expires_at: new Date(keyExpiry).toISOString() });
    const fresh = ((await rotateKey(ctxAt(store, T0), 'key_unit', { grace_seconds: 3600 })).body as { secret: string }).secret;
    await settle();
    expect(await refused(cache.authenticate(old, keyExpiry))).toMatch(/expired/);
    expect(await refused(cache.authenticate(fresh, keyExpiry))).toMatch(/expired/);
    cache.close();
  });

  it('with grace_seconds 0, refuses the old secret at once; an update later reaches only live secrets', async () => {
    const { store, cache, secret: old } = await setup();
    await rotateKey(ctxAt(store, T0), 'key_unit', { grace_seconds: 0 });
    await settle();
    expect(await refused(cache.authenticate(old, T0))).toMatch(/expired/);
    await updateKey(ctxAt(store, T0 + 1000), 'key_unit', { expires_at: null, name: 'renamed' });
    const docs = (await store.apiKeys.list()).filter((d) => d.key_id === 'key_unit');
    expect(docs).toHaveLength(2);
    const oldDoc = docs.find((d) => d.rotated_at)!;
    expect(oldDoc).toMatchObject({ name: 'unit', expires_at: new Date(T0).toISOString() }); // dead secrets are left alone
    expect(docs.find((d) => !d.rotated_at)).toMatchObject({ name: 'renamed' });
    cache.close();
  });

  it('deletes replaced secrets whose grace has ended at the next rotation', async () => {
    const { store } = await setup();
    await rotateKey(ctxAt(store, T0), 'key_unit', { grace_seconds: 10 });
    await rotateKey(ctxAt(store, T0 + 60_000), 'key_unit', { grace_seconds: 10 });
    const docs = (await store.apiKeys.list()).filter((d) => d.key_id === 'key_unit');
    expect(docs.map((d) => Boolean(d.rotated_at)).sort()).toEqual([false, true]);
  });
});
