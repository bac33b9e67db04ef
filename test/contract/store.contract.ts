import type { ApiKey, AuditEntry, Provider, StoredConfig, Workspace } from '../../services/shared/src/entities';
import { GatewayError } from '../../services/shared/src/errors';
import type { Identity, IdentityMapping } from '../../services/shared/src/identity/entity';
import type { Collection, Store } from '../../services/shared/src/store/port';
import { eventually } from '../helpers/emulators';
import { usageEventFixture } from '../helpers/usage-event';

type Samples<T> = [name: string, pick: (s: Store) => Collection<T>, sample: (id: string, variant?: string) => T];

const workspace = (id: string, variant = 'one'): Workspace => ({
  id,
  name: `Workspace ${variant}`,
  status: 'active',
  defaults: { config_id: `cfg-${variant}`, metadata: { team: variant }, allowed_models: ['claude-sonnet-4-5'] },
  created_at: '2025-06-01T00:00:00.000Z',
});
const apiKey = (id: string, variant = 'one'): ApiKey => ({
  id: id.padEnd(64, '0'),
  key_id: `key-${variant}`,
  name: `Key ${variant}`,
  type: 'workspace',
  kind: 'service',
  workspace_id: 'ws-a',
  scopes: ['logs.view'],
  defaults: { metadata: { env: variant } },
  prefix: 'gh_',
  status: 'active',
});
const provider = (id: string, variant = 'one'): Provider => ({
  slug: id,
  kind: 'vertex',
  project_id: `proj-${variant}`,
  region: 'global',
  credentials: { adc: true },
});
const config = (id: string, variant = 'one'): StoredConfig => ({
  id,
  version: 1,
  config: {
    strategy: { mode: 'fallback', on_status_codes: [429, 500] },
    targets: [{ provider: '@vertex-prod', override_params: { model: variant } }, { provider: '@anthropic' }],
    retry: { attempts: 3 },
  },
});

const auditEntry = (id: string, variant = 'one'): AuditEntry => ({
  id,
  time: '2025-06-01T00:00:00.000Z',
  // A Timestamp in Firestore (TTL policy); it must come back as the same ISO string.
  expires_at: '2026-06-01T00:00:00.123Z',
  actor: { key_id: 'key-admin', name: 'admin', type: 'organisation' },
  action: 'key.update',
  target: { type: 'key', id: `key-${variant}` },
  workspace_id: 'ws-a',
  changes: ['name'],
  before: { name: 'old', scopes: ['completions'] },
  after: { name: variant, scopes: ['completions'], defaults: { metadata: { team: variant } } },
});

const identity = (id: string, variant = 'one'): Identity => ({
  id,
  email: `${variant}@example.com`,
  workspace_id: 'ws-a',
  mapping_id: 'domain',
  status: 'active',
  issuer: 'https://accounts.google.com',
  subject: `sub-${variant}`,
  created_at: '2025-06-01T00:00:00.000Z',
  updated_at: '2025-06-01T00:00:00.000Z',
});

const identityMapping = (id: string, variant = 'one'): IdentityMapping => ({
  id,
  match: { claim: 'groups', value: variant },
  workspace_id: 'ws-a',
  scopes: ['completions'],
  allowed_models: ['claude-sonnet-*'],
  defaults: { config_id: 'default', metadata: { team: variant } },
});

/** Hex ids for api keys (keyed by SHA-256 hex); the other collections take these as they are. */
const ids = { a: 'a1', b: 'b2', c: 'c3' };

const COLLECTIONS: Array<
  Samples<Workspace> | Samples<ApiKey> | Samples<Provider> | Samples<StoredConfig> | Samples<AuditEntry> | Samples<Identity> | Samples<IdentityMapping>
> = [
  ['workspaces', (s) => s.workspaces, workspace],
  ['apiKeys', (s) => s.apiKeys, apiKey],
  ['providers', (s) => s.providers, provider],
  ['configs', (s) => s.configs, config],
  ['audit', (s) => s.audit, auditEntry],
  ['identities', (s) => s.identities, identity],
  ['identityMappings', (s) => s.identityMappings, identityMapping],
];

/** The document's id as the store keys it. */
function idOf(doc: Workspace | ApiKey | Provider | StoredConfig | AuditEntry | Identity | IdentityMapping): string {
  return 'slug' in doc ? doc.slug : doc.id;
}

/** The guarantees every Store adapter gives (docs/style.md §7). `make` returns an empty store each call. */
export function storeContract(name: string, make: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    const opened: Store[] = [];
    const fresh = async () => {
      const s = await make();
      opened.push(s);
      return s;
    };
    afterAll(async () => {
      await Promise.all(opened.map((s) => s.close()));
    });

    describe.each(COLLECTIONS as Array<Samples<unknown>>)('%s', (_name, pick, sample) => {
      const doc = (k: keyof typeof ids, variant?: string) => sample(ids[k], variant) as Workspace;
      const key = (k: keyof typeof ids) => idOf(doc(k));

      it('returns undefined for an id never written', async () => {
        const c = pick(await fresh());
        expect(await c.get(key('a'))).toBeUndefined();
      });

      it('returns what was put, and put replaces the whole document', async () => {
        const c = pick(await fresh());
        await c.put(key('a'), doc('a'));
        expect(await c.get(key('a'))).toEqual(doc('a'));
        const replacement = { ...doc('a', 'two') } as Record<string, unknown>;
        delete replacement.created_at;
        delete replacement.scopes;
        await c.put(key('a'), replacement);
        expect(await c.get(key('a'))).toStrictEqual(replacement);
      });

      it('create inserts, and refuses an existing id with conflict_error without changing it', async () => {
        const c = pick(await fresh());
        await c.create(key('a'), doc('a'));
        const err = await c.create(key('a'), doc('a', 'two')).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(GatewayError);
        expect((err as GatewayError).type).toBe('conflict_error');
        expect((err as GatewayError).status).toBe(409);
        expect(await c.get(key('a'))).toEqual(doc('a'));
      });

      it('lists every document, ordered by id', async () => {
        const c = pick(await fresh());
        expect(await c.list()).toEqual([]);
        await c.put(key('c'), doc('c'));
        await c.put(key('a'), doc('a'));
        await c.create(key('b'), doc('b'));
        expect(await c.list()).toEqual([doc('a'), doc('b'), doc('c')]);
      });

      it('delete removes the document, and deleting a missing id is a no-op', async () => {
        const c = pick(await fresh());
        await c.put(key('a'), doc('a'));
        await c.put(key('b'), doc('b'));
        await c.delete(key('a'));
        await c.delete(key('c'));
        expect(await c.get(key('a'))).toBeUndefined();
        expect(await c.list()).toEqual([doc('b')]);
      });
    });

    it('drops undefined fields, as a JSON document would', async () => {
      const s = await fresh();
      await s.workspaces.put('ws', { ...workspace('ws'), created_at: undefined, updated_at: undefined });
      const got = await s.workspaces.get('ws');
      expect(got).toBeDefined();
      expect(Object.keys(got as object)).not.toContain('created_at');
      expect(Object.keys(got as object)).not.toContain('updated_at');
    });

    it('answers undefined for an id that cannot name a document', async () => {
      const s = await fresh();
      expect(await s.configs.get('a/b/c')).toBeUndefined();
      expect(await s.configs.get('../x')).toBeUndefined();
    });

    it('isolates stored state from the objects callers hold', async () => {
      const s = await fresh();
      const original = workspace('ws');
      const mine = workspace('ws');
      await s.workspaces.put('ws', mine);
      mine.name = 'changed after put';
      mine.defaults.metadata!.team = 'changed after put';
      const got = (await s.workspaces.get('ws'))!;
      got.name = 'changed after get';
      got.defaults.allowed_models!.push('changed after get');
      const listed = await s.workspaces.list();
      listed[0].defaults.metadata!.team = 'changed after list';
      expect(await s.workspaces.get('ws')).toEqual(original);
      expect(await s.workspaces.list()).toEqual([original]);
    });

    describe('watch', () => {
      it('calls back asynchronously with the current documents, then after every change, until unsubscribed', async () => {
        const s = await fresh();
        await s.providers.put('p1', provider('p1'));
        const seen: Provider[][] = [];
        const stop = s.providers.watch((docs) => seen.push(docs));
        expect(seen).toHaveLength(0); // never synchronously: Firestore listeners are not
        await eventually(() => expect(seen.at(-1)).toEqual([provider('p1')]));

        await s.providers.put('p2', provider('p2'));
        await eventually(() => expect(seen.at(-1)).toEqual([provider('p1'), provider('p2')]));
        await s.providers.put('p1', provider('p1', 'two'));
        await eventually(() => expect(seen.at(-1)).toEqual([provider('p1', 'two'), provider('p2')]));
        await s.providers.delete('p2');
        await eventually(() => expect(seen.at(-1)).toEqual([provider('p1', 'two')]));

        stop();
        const count = seen.length;
        await s.providers.put('p3', provider('p3'));
        await new Promise((r) => setTimeout(r, 300));
        expect(seen).toHaveLength(count);
      });

      it('calls back with an empty list for an empty collection', async () => {
        const s = await fresh();
        const seen: StoredConfig[][] = [];
        const stop = s.configs.watch((docs) => seen.push(docs));
        await eventually(() => expect(seen).toEqual([[]]));
        stop();
      });

      it('gives each watcher documents it may mutate without affecting the store or other watchers', async () => {
        const s = await fresh();
        await s.workspaces.put('ws', workspace('ws'));
        const first: Workspace[][] = [];
        const second: Workspace[][] = [];
        const stop1 = s.workspaces.watch((docs) => {
          docs[0].name = 'mutated by a watcher';
          first.push(docs);
        });
        const stop2 = s.workspaces.watch((docs) => second.push(docs));
        await eventually(() => expect(first).toHaveLength(1));
        await eventually(() => expect(second).toEqual([[workspace('ws')]]));
        expect(await s.workspaces.get('ws')).toEqual(workspace('ws'));
        stop1();
        stop2();
      });
    });

    describe('applyUsage', () => {
      it('applies an event once: a redelivered event id returns false and changes nothing', async () => {
        const s = await fresh();
        const event = usageEventFixture({ event_id: 'e1', cost_micros: 10 });
        expect(await s.applyUsage(event)).toBe(true);
        expect(await s.applyUsage(event)).toBe(false);
        expect(await s.applyUsage({ ...event, cost_micros: 999 })).toBe(false);
        expect((await s.usageTotals('key', 'key-a', '2025-06'))?.cost_micros).toBe(10);
        expect((await s.usageTotals('workspace', 'ws-a', '2025-06'))?.requests).toBe(1);
      });

      it('keeps totals per key and per workspace for the month of the event', async () => {
        const s = await fresh();
        const usage = { input: 1, output: 2, cache_write_5m: 3, cache_write_1h: 4, cache_read: 5, web_search_requests: 6 };
        await s.applyUsage(usageEventFixture({ key_id: 'k1', workspace_id: 'w1', cost_micros: 100, usage }));
        await s.applyUsage(usageEventFixture({ key_id: 'k1', workspace_id: 'w1', cost_micros: 50, usage }));
        await s.applyUsage(usageEventFixture({ key_id: 'k2', workspace_id: 'w1', cost_micros: 7, usage }));
        await s.applyUsage(usageEventFixture({ key_id: 'k1', workspace_id: 'w1', cost_micros: 1, timestamp: '2025-07-01T00:00:00.000Z' }));

        expect(await s.usageTotals('key', 'k1', '2025-06')).toEqual({
          id: 'key:k1:2025-06',
          scope: 'key',
          scope_id: 'k1',
          period: '2025-06',
          requests: 2,
          unpriced_requests: 0,
          cost_micros: 150,
          input: 2,
          output: 4,
          cache_write_5m: 6,
          cache_write_1h: 8,
          cache_read: 10,
          last_used_at: '2025-06-15T12:00:00.000Z',
        });
        expect(await s.usageTotals('key', 'k2', '2025-06')).toMatchObject({ requests: 1, cost_micros: 7, input: 1 });
        expect(await s.usageTotals('workspace', 'w1', '2025-06')).toMatchObject({
          id: 'workspace:w1:2025-06',
          scope: 'workspace',
          requests: 3,
          cost_micros: 157,
          cache_read: 15,
        });
        expect(await s.usageTotals('key', 'k1', '2025-07')).toMatchObject({ requests: 1, cost_micros: 1 });
      });

      it('counts requests whose model had no price', async () => {
        const s = await fresh();
        await s.applyUsage(usageEventFixture({ key_id: 'k1', workspace_id: 'w1', cost_micros: 0, priced: false }));
        await s.applyUsage(usageEventFixture({ key_id: 'k1', workspace_id: 'w1', cost_micros: 9, priced: true }));
        await s.applyUsage(usageEventFixture({ key_id: 'k1', workspace_id: 'w1', cost_micros: 1, version: 1 })); // before `priced` existed
        expect(await s.usageTotals('key', 'k1', '2025-06')).toMatchObject({ requests: 3, unpriced_requests: 1, cost_micros: 10 });
      });

      it('skips a scope the event does not name', async () => {
        const s = await fresh();
        expect(await s.applyUsage(usageEventFixture({ key_id: undefined, workspace_id: 'w-only', cost_micros: 5 }))).toBe(true);
        expect(await s.applyUsage(usageEventFixture({ key_id: undefined, workspace_id: undefined }))).toBe(true);
        expect(await s.usageTotals('workspace', 'w-only', '2025-06')).toMatchObject({ requests: 1, cost_micros: 5 });
        expect(await s.usageTotals('key', 'undefined', '2025-06')).toBeUndefined();
      });

      it('remembers when each key and workspace was last used', async () => {
        const s = await fresh();
        await s.applyUsage(usageEventFixture({ key_id: 'k1', workspace_id: 'w1', timestamp: '2025-06-15T12:00:00.000Z' }));
        await s.applyUsage(usageEventFixture({ key_id: 'k1', workspace_id: 'w1', timestamp: '2025-06-16T08:30:00.000Z' }));
        await s.applyUsage(usageEventFixture({ key_id: 'k2', workspace_id: 'w1', timestamp: '2025-06-17T09:00:00.000Z' }));
        expect((await s.usageTotals('key', 'k1', '2025-06'))?.last_used_at).toBe('2025-06-16T08:30:00.000Z');
        expect((await s.usageTotals('workspace', 'w1', '2025-06'))?.last_used_at).toBe('2025-06-17T09:00:00.000Z');
      });

      it('answers undefined for totals never written', async () => {
        const s = await fresh();
        expect(await s.usageTotals('key', 'nobody', '2025-06')).toBeUndefined();
      });

      it('accepts event and key ids that are not valid document ids', async () => {
        const s = await fresh();
        const event = usageEventFixture({ event_id: 'a/b/../__c__', key_id: 'team/alice' });
        expect(await s.applyUsage(event)).toBe(true);
        expect(await s.applyUsage(event)).toBe(false);
        expect(await s.usageTotals('key', 'team/alice', '2025-06')).toMatchObject({ id: 'key:team/alice:2025-06', requests: 1 });
      });

      it('sums 20 concurrent distinct events exactly', async () => {
        const s = await fresh();
        const events = Array.from({ length: 20 }, (_, i) => usageEventFixture({ event_id: `c${i}`, cost_micros: i + 1 }));
        const applied = await Promise.all(events.map((e) => s.applyUsage(e)));
        expect(applied.every(Boolean)).toBe(true);
        expect(await s.usageTotals('key', 'key-a', '2025-06')).toMatchObject({ requests: 20, cost_micros: 210, input: 200, output: 400 });
        expect(await s.usageTotals('workspace', 'ws-a', '2025-06')).toMatchObject({ requests: 20, cost_micros: 210 });
      });

      it('applies concurrent redeliveries of one event once', async () => {
        const s = await fresh();
        const event = usageEventFixture({ event_id: 'dup', cost_micros: 10 });
        const applied = await Promise.all([1, 2, 3, 4, 5].map(() => s.applyUsage(event)));
        expect(applied.filter(Boolean)).toHaveLength(1);
        expect(await s.usageTotals('key', 'key-a', '2025-06')).toMatchObject({ requests: 1, cost_micros: 10 });
      });
    });
  });
}
