import { createCatalog, type CatalogData, type ModelEntry } from '../../services/shared/src/catalog';
import shipped from '../../services/shared/src/catalog/models.json';

const catalog = createCatalog();
const clone = (): CatalogData => structuredClone(shipped) as CatalogData;

describe('the shipped catalog', () => {
  it('lists every model from docs/wire-formats.md §1.7, the Sep–Nov 2026 releases and the Mythos family the SDK names', () => {
    expect(
      catalog
        .list()
        .map((m) => m.id)
        .sort(),
    ).toEqual(
      [
        'claude-fable-5-2',
        'claude-haiku-5-5',
        'claude-sonnet-5-5',
        'claude-opus-5-5',
        'claude-fable-5-1',
        'claude-opus-5',
        'claude-sonnet-5',
        'claude-fable-5',
        'claude-opus-4-8',
        'claude-opus-4-7',
        'claude-sonnet-4-6',
        'claude-opus-4-6',
        'claude-opus-4-5-20251101',
        'claude-haiku-4-5-20251001',
        'claude-sonnet-4-5-20250929',
        'claude-opus-4-1-20250805',
        'claude-opus-4-20250514',
        'claude-sonnet-4-20250514',
        'claude-3-7-sonnet-20250219',
        'claude-3-5-haiku-20241022',
        'claude-mythos-5',
        'claude-mythos-5-1',
        'claude-mythos-5-2',
        'claude-mythos-preview',
      ].sort(),
    );
  });

  it('lists newest first', () => {
    const list = catalog.list();
    expect(list[0].id).toBe('claude-fable-5-2');
    expect(list[list.length - 1].id).toBe('claude-3-5-haiku-20241022');
    const times = list.map((m) => Date.parse(m.created_at));
    expect(times.every((t, i) => !Number.isNaN(t) && (i === 0 || t <= times[i - 1]))).toBe(true);
  });

  it('names a source for every price row', () => {
    for (const m of shipped.models as Array<{ id: string; prices: { source?: string }; long_context?: { prices: { source?: string } } }>) {
      expect([m.id, m.prices.source]).toEqual([m.id, expect.stringMatching(/\S/)]);
      if (m.long_context) expect([m.id, m.long_context.prices.source]).toEqual([m.id, expect.stringMatching(/\S/)]);
    }
  });

  it('gives dated models a Vertex @date id and undated models their own id', () => {
    for (const m of catalog.list().filter((e) => e.vertex !== undefined)) {
      const date = /-(\d{8})$/.exec(m.id)?.[1];
      expect([m.id, m.vertex]).toEqual([m.id, date ? `${m.id.slice(0, -9)}@${date}` : m.id]);
    }
    // Only the restricted Mythos releases have no published Vertex or Bedrock id.
    expect(
      catalog
        .list()
        .filter((e) => !e.vertex || !e.bedrock)
        .map((e) => e.id)
        .sort(),
    ).toEqual(['claude-mythos-5', 'claude-mythos-5-1', 'claude-mythos-5-2']);
  });

  it('charges the regional premium on exactly the 4.5-and-later models', () => {
    const without = catalog
      .list()
      .filter((m) => !m.regional_premium)
      .map((m) => m.id);
    expect(without.sort()).toEqual(
      ['claude-opus-4-1-20250805', 'claude-opus-4-20250514', 'claude-sonnet-4-20250514', 'claude-3-7-sonnet-20250219', 'claude-3-5-haiku-20241022'].sort(),
    );
  });

  it('keeps long-context tiers on Sonnet 4 / 4.5 (>200K) and Haiku 5.5 (>100K) only', () => {
    const tiers = catalog
      .list()
      .filter((m) => m.long_context)
      .map((m) => [m.id, m.long_context?.threshold]);
    expect(tiers).toEqual([
      ['claude-haiku-5-5', 100_000],
      ['claude-sonnet-4-5-20250929', 200_000],
      ['claude-sonnet-4-20250514', 200_000],
    ]);
  });

  it('cannot be changed by a caller', () => {
    const m = catalog.resolve('claude-opus-5-5') as ModelEntry;
    expect(() => {
      m.prices.input = 0;
    }).toThrow(TypeError);
    const list = catalog.list();
    list.pop();
    expect(catalog.list()).toHaveLength(24);
  });
});

describe('createCatalog with an override', () => {
  it('uses the override instead of the shipped data', () => {
    const data = clone();
    const opus = data.models.find((m) => m.id === 'claude-opus-5-5') as ModelEntry;
    opus.prices.input = 3;
    const custom = createCatalog(data);
    expect(custom.costMicros('claude-opus-5-5', { input: 1000, output: 0, cache_write_5m: 0, cache_write_1h: 0, cache_read: 0, web_search_requests: 0 })).toBe(
      3000,
    );
    expect(catalog.resolve('claude-opus-5-5')?.prices.input).toBe(4);
  });

  it('accepts a plain date for created_at', () => {
    const data = clone();
    data.models[0].created_at = '2026-11-09';
    expect(createCatalog(data).list()[0].id).toBe('claude-fable-5-2');
  });

  it.each<[string, (d: CatalogData) => void, RegExp]>([
    ['a negative price', (d) => (d.models[0].prices.input = -1), /models\[0\]\.prices\.input/],
    ['a price finer than thousandths', (d) => (d.models[0].prices.cache_read = 0.0001), /3 decimal places/],
    ['a misspelt key', (d) => Object.assign(d.models[0], { long_contxt: {} }), /long_contxt/],
    ['a missing price', (d) => delete (d.models[0].prices as Partial<ModelEntry['prices']>).output, /prices\.output/],
    ['a bad date', (d) => (d.models[0].created_at = 'last week'), /created_at/],
    [
      'an alias that names another model',
      (d) => d.models[0].aliases.push('claude-opus-4-8'),
      /"claude-opus-4-8" names both claude-fable-5-2 and claude-opus-4-8/,
    ],
    ['no models', (d) => (d.models = []), /models/],
    ['a missing provider policy', (d) => delete (d.betas as Partial<CatalogData['betas']>).bedrock, /betas\.bedrock/],
    ['an allow policy without a list', (d) => delete d.betas.vertex.allow, /allow list/],
    ['a rename to a value the policy drops', (d) => (d.betas.vertex.rename = { a: 'b' }), /rename target/],
    ['an unknown mode', (d) => Object.assign(d.betas.anthropic, { mode: 'block' }), /betas\.anthropic\.mode/],
  ])('fails loudly on %s', (_why, mutate, message) => {
    const data = clone();
    mutate(data);
    expect(() => createCatalog(data)).toThrow(message);
  });
});
