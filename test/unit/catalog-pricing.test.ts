import { createCatalog, isGeographicBedrock, type CatalogProviderKind } from '../../services/shared/src/catalog';
import shipped from '../../services/shared/src/catalog/models.json';
import { ZERO_USAGE, type TokenUsage } from '../../services/shared/src/usage-event';
import { invocationMetricsMismatch } from '../../services/gateway/src/providers/bedrock/invocation-metrics';

const catalog = createCatalog();
const u = (part: Partial<TokenUsage>): TokenUsage => ({ ...ZERO_USAGE, ...part });
const KINDS: CatalogProviderKind[] = ['anthropic', 'vertex', 'bedrock'];

describe('the whole catalog, model by model', () => {
  const listed = (kind: CatalogProviderKind) => catalog.list().filter((m) => kind === 'anthropic' || m[kind] !== undefined);

  it.each(KINDS)('every model resolves back to itself from the id %s is sent', (kind) => {
    for (const m of listed(kind)) {
      const id = catalog.providerModelId(kind, m.id, { profilePrefix: 'us' });
      expect([m.id, kind, catalog.resolve(id)?.id]).toEqual([m.id, kind, m.id]);
      for (const alias of m.aliases) expect([alias, catalog.providerModelId(kind, alias, { profilePrefix: 'us' })]).toEqual([alias, id]);
    }
  });

  it('names a source for every price row, tier, fast row, retirement and pricing rule', () => {
    const sourced = (what: string, s: unknown) => expect([what, s]).toEqual([what, expect.stringMatching(/\S{3}/)]);
    for (const m of shipped.models as Array<Record<string, any>>) {
      sourced(`${m.id} prices`, m.prices.source);
      if (m.long_context) sourced(`${m.id} long_context`, m.long_context.prices.source);
      if (m.fast) sourced(`${m.id} fast`, m.fast.source);
      for (const [kind, r] of Object.entries(m.retired ?? {})) sourced(`${m.id} retired on ${kind}`, (r as { source: string }).source);
    }
    for (const rule of ['regional_premium', 'bedrock_geographic_profile', 'fast_mode', 'inference_geo', 'iterations']) {
      sourced(rule, (shipped.pricing_rules as Record<string, string>)[rule]);
    }
  });

  it('sends each retired model to a replacement its provider still serves', () => {
    for (const m of catalog.list()) {
      for (const [kind, r] of Object.entries(m.retired ?? {}) as Array<[CatalogProviderKind, { date: string; replacement: string }]>) {
        const replacement = catalog.resolve(r.replacement);
        expect([m.id, replacement?.id]).toEqual([m.id, expect.any(String)]);
        expect([m.id, catalog.retirement(kind, r.replacement, '2099-01-01')]).toEqual([m.id, undefined]);
      }
    }
  });

  it('knows the models the Anthropic SDK names today, the Mythos family among them', () => {
    // The SDK's `Model` union (node_modules/@anthropic-ai/sdk, messages.d.ts), Claude Code 2.1.332's defaults.
    for (const id of [
      'claude-mythos-5',
      'claude-mythos-5-1',
      'claude-mythos-5-2',
      'claude-mythos-preview',
      'claude-fable-5-2',
      'claude-haiku-5-5',
      'claude-sonnet-5-5',
      'claude-opus-5-5',
    ]) {
      expect([id, catalog.resolve(id)?.id]).toEqual([id, id]);
    }
  });
});

describe('retirement is a pure function of provider kind, model and day', () => {
  it.each([
    ['vertex', 'claude-3-5-haiku@20241022', '2026-07-04', undefined],
    ['vertex', 'claude-3-5-haiku@20241022', '2026-07-05', { date: '2026-07-05', replacement: 'claude-haiku-4-5-20251001' }],
    ['anthropic', 'claude-3-5-haiku-20241022', '2026-02-18', undefined],
    ['anthropic', 'claude-3-5-haiku-20241022', '2026-02-19', { date: '2026-02-19', replacement: 'claude-haiku-4-5-20251001' }],
    ['bedrock', 'us.anthropic.claude-3-7-sonnet-20250219-v1:0', '2026-04-28', { date: '2026-04-28', replacement: 'claude-sonnet-4-6' }],
    ['anthropic', 'claude-sonnet-4-5', '2026-11-30', { date: '2026-11-30', replacement: 'claude-sonnet-4-6' }],
    ['bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', '2026-12-01', undefined], // no Bedrock date on record
    ['vertex', 'claude-opus-4-5@20251101', '2027-01-21', undefined],
    ['vertex', 'claude-opus-4-5@20251101', '2027-01-22', { date: '2027-01-22', replacement: 'claude-opus-4-8' }],
    ['anthropic', 'claude-opus-4-0', '2026-06-15', { date: '2026-06-15', replacement: 'claude-opus-4-8' }],
    ['anthropic', 'claude-nobody-knows', '2026-12-01', undefined],
  ] as const)('%s %s on %s', (kind, name, day, want) => {
    const got = catalog.retirement(kind, name, day);
    if (want) expect(got).toMatchObject(want);
    else expect(got).toBeUndefined();
  });
});

// Worked examples: tokens × USD per MTok = micro-USD.
describe('pricing beyond the top-level counts', () => {
  it.each([
    ['us. profile', 'us.anthropic.claude-opus-4-8', true],
    ['eu. profile', 'eu.anthropic.claude-haiku-4-5-20251001-v1:0', true],
    ['apac. profile', 'apac.anthropic.claude-sonnet-4-6', true],
    ['in-region base id', 'anthropic.claude-3-5-haiku-20241022-v1:0', true],
    ['application inference profile ARN (profile hidden)', 'arn:aws:bedrock:us-east-1:123:application-inference-profile/abc', true],
    ['global. profile', 'global.anthropic.claude-opus-4-6-v1', false],
    ['ARN of a global profile', 'arn:aws:bedrock:us-east-1:123:inference-profile/global.anthropic.claude-opus-4-8', false],
  ])('Bedrock geographic premium from the id called: %s', (_why, id, want) => {
    expect(isGeographicBedrock(id)).toBe(want);
  });

  it('prices an advisor iteration at its own model and a compaction at the request model', () => {
    // Sonnet 4.6 top level: 1,000 × 3 = 3,000. Advisor on Opus 5: 1,000 × 5 + 100 × 25 = 7,500.
    // Compaction on Sonnet 4.6: 2,000 × 3 + 200 × 15 = 9,000. Total 19,500 µ$.
    const it1 = { input: 1000, output: 100, cache_write_5m: 0, cache_write_1h: 0, cache_read: 0 };
    const usage = u({
      input: 1000,
      iterations: [
        { type: 'advisor_message', model: 'claude-opus-5', ...it1 },
        { type: 'compaction', ...it1, input: 2000, output: 200 },
      ],
    });
    expect(catalog.costMicros('claude-sonnet-4-6', usage)).toBe(19_500);
  });

  it('stacks fast mode and data residency, and the premium on iterations', () => {
    // Opus 4.8 fast ($10 / $50): 1,000 × 10 + 1,000 × 50 = 60,000; inference_geo "us" × 1.1 = 66,000 µ$.
    expect(catalog.costMicros('claude-opus-4-8', u({ input: 1000, output: 1000, speed: 'fast', inference_geo: 'us' }))).toBe(66_000);
    // "global" is no residency: 60,000 µ$. A model without a fast row bills standard: Sonnet 4.6 18,000 µ$.
    expect(catalog.costMicros('claude-opus-4-8', u({ input: 1000, output: 1000, speed: 'fast', inference_geo: 'global' }))).toBe(60_000);
    expect(catalog.costMicros('claude-sonnet-4-6', u({ input: 1000, output: 1000, speed: 'fast' }))).toBe(18_000);
    // Haiku 3.5 has no residency premium: 1,000 × 0.8 = 800 µ$ whatever the geography.
    expect(catalog.costMicros('claude-3-5-haiku', u({ input: 1000, inference_geo: 'us' }))).toBe(800);
  });

  it('applies a negotiated discount and per-model rows, keyed by any spelling', () => {
    const negotiated = {
      discount_percent: 7.25,
      models: { 'claude-sonnet-4-5@20250929': { input: 2, output: 10, cache_write_5m: 2.5, cache_write_1h: 4, cache_read: 0.2 } },
    };
    // Opus 5 list 1,000 × 5 + 1,000 × 25 = 30,000; 7.25 % off = 27,825 µ$.
    expect(catalog.price({ upstream: 'claude-opus-5' }, u({ input: 1000, output: 1000 }), { negotiated })).toEqual({
      priced: true,
      model: 'claude-opus-5',
      list: 30_000,
      effective: 27_825,
    });
    // Sonnet 4.5 by its own row on a regional endpoint: (1,000 × 2 + 1,000 × 10) × 1.1 = 13,200 µ$ (list 19,800).
    expect(catalog.price({ upstream: 'claude-sonnet-4-5-20250929' }, u({ input: 1000, output: 1000 }), { negotiated, regionalPremium: true })).toMatchObject({
      list: 19_800,
      effective: 13_200,
    });
  });

  it('falls back to the requested model, and says when nothing resolves', () => {
    expect(catalog.price({ upstream: 'my-tune', requested: 'claude-haiku-4-5' }, u({ output: 1000 }))).toMatchObject({
      priced: true,
      model: 'claude-haiku-4-5-20251001',
      list: 5_000,
    });
    expect(catalog.price({ upstream: 'my-tune', requested: 'my-other-tune' }, u({ output: 1000 }))).toEqual({ priced: false, list: 0, effective: 0 });
  });
});

describe('the Bedrock invocation-metrics cross-check', () => {
  const usage = u({ input: 10, output: 20, cache_read: 30, cache_write_5m: 4, cache_write_1h: 6 });
  it('agrees when every reported count matches (cache writes summed)', () => {
    expect(
      invocationMetricsMismatch({ inputTokenCount: 10, outputTokenCount: 20, cacheReadInputTokenCount: 30, cacheWriteInputTokenCount: 10 }, usage),
    ).toBeUndefined();
    expect(invocationMetricsMismatch({ outputTokenCount: 20 }, usage)).toBeUndefined();
  });
  it('gives both figures when one differs', () => {
    expect(invocationMetricsMismatch({ inputTokenCount: 11, outputTokenCount: 20 }, usage)).toEqual({
      bedrock: { input: 11, output: 20 },
      tapped: { input: 10, output: 20 },
    });
  });
});
