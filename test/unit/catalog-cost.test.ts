import { createCatalog } from '../../services/shared/src/catalog';
import { ZERO_USAGE, type TokenUsage } from '../../services/shared/src/usage-event';

const catalog = createCatalog();
const u = (part: Partial<TokenUsage>): TokenUsage => ({ ...ZERO_USAGE, ...part });

// Expected values are worked by hand: tokens × USD-per-MTok = micro-USD.
describe('costMicros prices a request in integer micro-USD', () => {
  it.each([
    ['input and output', 'claude-sonnet-4-5', u({ input: 1000, output: 500 }), {}, 10_500], // 3000 + 7500
    ['5-minute cache write', 'claude-sonnet-4-5', u({ cache_write_5m: 1000 }), {}, 3_750],
    ['1-hour cache write', 'claude-sonnet-4-5', u({ cache_write_1h: 1000 }), {}, 6_000],
    ['cache read', 'claude-sonnet-4-5', u({ cache_read: 1000 }), {}, 300],
    [
      'every token kind together',
      'claude-sonnet-4-5',
      u({ input: 1000, output: 500, cache_write_5m: 1000, cache_write_1h: 1000, cache_read: 1000 }),
      {},
      20_550,
    ],
    ['Fable 5.1 cache reads at 0.025× input', 'claude-fable-5-1', u({ cache_read: 1000 }), {}, 250],
    ['Sonnet 5.5 cache reads at the first-party $0.20 (catalog source says why)', 'claude-sonnet-5-5', u({ cache_read: 1000 }), {}, 200],
    ['Opus 5.5', 'claude-opus-5-5', u({ input: 1000, output: 1000, cache_write_1h: 1000 }), {}, 32_000], // 4000 + 20000 + 8000
    ['the same model by its Vertex id', 'claude-sonnet-4-5@20250929', u({ input: 1000, output: 500 }), {}, 10_500],
    ['the same model by a Bedrock profile id', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0', u({ input: 1000, output: 500 }), {}, 10_500],
    ['a [1m] name', 'claude-opus-4-8[1m]', u({ input: 1000, output: 1000 }), {}, 30_000],
    ['a million tokens each way on Opus 4', 'claude-opus-4-0', u({ input: 1_000_000, output: 1_000_000 }), {}, 90_000_000],
    ['no usage costs nothing', 'claude-opus-5-5', u({}), {}, 0],
  ])('%s', (_why, model, usage, opts, want) => {
    expect(catalog.costMicros(model, usage, opts)).toBe(want);
  });
});

describe('the Vertex regional premium', () => {
  it.each([
    ['adds 10 % on a 4.5+ model', 'claude-sonnet-4-5', true, 22_605], // 20550 × 1.1
    ['is off unless asked for', 'claude-sonnet-4-5', false, 20_550],
    ['does not apply to Sonnet 4', 'claude-sonnet-4', true, 20_550],
    ['does not apply to Opus 4.1', 'claude-opus-4-1', true, 102_750], // 15000+37500+18750+30000+1500
    ['applies to Haiku 4.5', 'claude-haiku-4-5', true, 7_535], // (1000+2500+1250+2000+100) × 1.1 = 7535
  ])('%s', (_why, model, regionalPremium, want) => {
    const usage = u({ input: 1000, output: 500, cache_write_5m: 1000, cache_write_1h: 1000, cache_read: 1000 });
    expect(catalog.costMicros(model, usage, { regionalPremium })).toBe(want);
  });

  it('is not charged on web searches', () => {
    expect(catalog.costMicros('claude-sonnet-4-5', u({ input: 1000, web_search_requests: 2 }), { regionalPremium: true })).toBe(23_300); // 3300 + 20000
  });
});

describe('long-context tiers bill every token once the prompt exceeds the threshold', () => {
  it.each([
    // Sonnet 4.5 above 200K: $6 / $22.50, read $0.60.
    ['Sonnet 4.5 exactly at 200K stays standard', 'claude-sonnet-4-5', u({ input: 150_000, cache_read: 50_000, output: 1000 }), 480_000], // 450000 + 15000 + 15000
    ['Sonnet 4.5 one token over', 'claude-sonnet-4-5', u({ input: 150_000, cache_read: 50_001, output: 1000 }), 952_501], // 900000 + 30000.6 + 22500 → round
    ['cache writes count toward the prompt', 'claude-sonnet-4-5', u({ input: 1, cache_write_5m: 100_000, cache_write_1h: 100_000 }), 1_950_006], // 6 + 750000 + 1200000
    ['output does not count toward the prompt', 'claude-sonnet-4-5', u({ input: 100, output: 300_000 }), 4_500_300],
    ['Sonnet 4 has the same tier', 'claude-sonnet-4-20250514', u({ input: 200_001 }), 1_200_006],
    ['Opus 4.8 has no tier', 'claude-opus-4-8', u({ input: 500_000 }), 2_500_000],
    // Haiku 5.5 above 100K: $0.50 / $2.50, read $0.05.
    ['Haiku 5.5 at 100K stays standard', 'claude-haiku-5-5', u({ input: 100_000, output: 100 }), 10_050],
    ['Haiku 5.5 over 100K', 'claude-haiku-5-5', u({ input: 100_001, output: 100 }), 50_251], // 50000.5 + 250 → round half up
  ])('%s', (_why, model, usage, want) => {
    expect(catalog.costMicros(model, usage)).toBe(want);
  });

  it('stacks with the regional premium', () => {
    // (150000 × 6 + 50001 × 0.6 + 1000 × 22.5) × 1.1 = 952500.6 × 1.1 = 1047750.66
    expect(catalog.costMicros('claude-sonnet-4-5', u({ input: 150_000, cache_read: 50_001, output: 1000 }), { regionalPremium: true })).toBe(1_047_751);
  });
});

describe('rounding happens once, half up, on the exact total', () => {
  it.each([
    ['0.4 rounds down', 'claude-haiku-5-5', u({ input: 4 }), {}, 0],
    ['0.5 rounds up', 'claude-haiku-5-5', u({ input: 5 }), {}, 1],
    ['1.5 rounds up', 'claude-haiku-5-5', u({ input: 15 }), {}, 2],
    ['1.49 rounds down', 'claude-haiku-5-5', u({ cache_read: 149 }), {}, 1],
    ['two 0.4 parts make 0.8, which rounds to 1', 'claude-haiku-5-5', u({ input: 4, cache_read: 40 }), {}, 1],
    ['0.3 × 3 is 0.9 exactly, not a float near it', 'claude-sonnet-4-5', u({ cache_read: 3 }), {}, 1],
    ['premium on 0.4 is 0.44, which rounds down', 'claude-haiku-5-5', u({ input: 4 }), { regionalPremium: true }, 0],
    ['premium on 5 is 5.5, which rounds up', 'claude-haiku-4-5', u({ input: 5 }), { regionalPremium: true }, 6],
    ['premium on 0.45 is 0.495, which rounds down', 'claude-haiku-5-5', u({ cache_read: 45 }), { regionalPremium: true }, 0],
  ])('%s', (_why, model, usage, opts, want) => {
    expect(catalog.costMicros(model, usage, opts)).toBe(want);
  });
});

describe('web search', () => {
  it.each([
    ['costs $10 per 1000 requests', u({ web_search_requests: 3 }), 30_000],
    ['adds to token cost', u({ input: 1000, web_search_requests: 2 }), 23_000], // 3000 + 20000
  ])('%s', (_why, usage, want) => {
    expect(catalog.costMicros('claude-sonnet-4-5', usage)).toBe(want);
  });
});

describe('what costMicros will not price', () => {
  it('returns undefined for an unknown model', () => {
    expect(catalog.costMicros('claude-next-7', u({ input: 1000 }))).toBeUndefined();
    expect(catalog.costMicros('', u({ input: 1000 }))).toBeUndefined();
  });

  it('treats malformed counts as zero instead of throwing on the request path', () => {
    const bad = { ...ZERO_USAGE, input: 1000, output: Number.NaN, cache_read: -5, cache_write_5m: 1.5 } as TokenUsage;
    expect(catalog.costMicros('claude-sonnet-4-5', bad)).toBe(3000);
    const partial = { input: 1000, output: 500 } as TokenUsage;
    expect(catalog.costMicros('claude-sonnet-4-5', partial)).toBe(10_500);
  });
});
