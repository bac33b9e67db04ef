import { seededRandom } from '../helpers/random';
import { configError, parseConfig } from '../../services/gateway/src/routing/config-schema';
import { flattenConfig, leafTargets, type ResolvedTree } from '../../services/gateway/src/routing/flatten';
import { nextAttemptIndex, planAttempts, planRoute, triggersFallback, type PlanContext, type PlannedTarget } from '../../services/gateway/src/routing/plan';

const CTX: PlanContext = { metadata: {}, params: {}, headers: {}, random: () => 0 };

function tree(input: unknown, defaultProvider?: string): ResolvedTree {
  const parsed = parseConfig(input);
  if (!parsed.ok) throw new Error(configError(parsed.issues));
  const flat = flattenConfig(parsed.config, { defaultProvider });
  if (!flat.ok) throw new Error(configError(flat.issues));
  return flat.tree;
}

const plan = (input: unknown, ctx: Partial<PlanContext> = {}) => planAttempts(tree(input), { ...CTX, ...ctx });
const ids = (input: unknown, ctx: Partial<PlanContext> = {}) => plan(input, ctx).map((t) => t.id);
const constant = (u: number) => () => u;

const fb = (...targets: unknown[]) => ({ strategy: { mode: 'fallback' }, targets });
const lb = (...targets: unknown[]) => ({ strategy: { mode: 'loadbalance' }, targets });
const p = (slug: string, extra: Record<string, unknown> = {}) => ({ provider: `@${slug}`, ...extra });

describe('planAttempts: every mode', () => {
  const conditional = {
    strategy: {
      mode: 'conditional',
      conditions: [
        { query: { 'metadata.tier': 'pro' }, then: 'fast' },
        { query: { 'params.max_tokens': { $gt: 8000 } }, then: 'big' },
      ],
      default: 'cheap',
    },
    targets: [p('a', { name: 'cheap' }), p('b', { name: 'fast' }), p('c', { name: 'big' })],
  };
  const noDefault = { ...conditional, strategy: { ...conditional.strategy, default: undefined } };

  it.each<[string, unknown, Partial<PlanContext>, string[]]>([
    ['a config without targets is the target', p('a'), {}, ['root']],
    ['single mode without targets is the target', p('a', { strategy: { mode: 'single' } }), {}, ['root']],
    ['single mode uses the first target', { strategy: { mode: 'single' }, targets: [p('a'), p('b')] }, {}, ['targets[0]']],
    ['fallback keeps declared order', fb(p('a'), p('b'), p('c')), {}, ['targets[0]', 'targets[1]', 'targets[2]']],
    [
      'fallback expands a nested fallback in its own order',
      fb(p('a'), fb(p('b'), p('c')), p('d')),
      {},
      ['targets[0]', 'targets[1].targets[0]', 'targets[1].targets[1]', 'targets[2]'],
    ],
    ['loadbalance picks one target (low draw)', lb(p('a'), p('b')), { random: constant(0.2) }, ['targets[0]']],
    ['loadbalance picks one target (high draw)', lb(p('a'), p('b')), { random: constant(0.7) }, ['targets[1]']],
    ['loadbalance honours weights', lb(p('a', { weight: 9 }), p('b', { weight: 1 })), { random: constant(0.85) }, ['targets[0]']],
    ['loadbalance never picks weight 0', lb(p('a', { weight: 1 }), p('b', { weight: 0 }), p('c', { weight: 3 })), { random: constant(0.3) }, ['targets[2]']],
    ['loadbalance with a draw of almost 1', lb(p('a'), p('b', { weight: 0 })), { random: constant(0.9999999999) }, ['targets[0]']],
    [
      'a fallback around a loadbalance tries the pick, then the next sibling',
      fb(lb(p('a'), p('b')), p('c')),
      { random: constant(0.9) },
      ['targets[0].targets[1]', 'targets[1]'],
    ],
    [
      'a loadbalance over fallbacks expands the picked one',
      lb(fb(p('a'), p('b')), fb(p('c'), p('d'))),
      { random: constant(0.6) },
      ['targets[1].targets[0]', 'targets[1].targets[1]'],
    ],
    ['conditional: first matching condition', conditional, { metadata: { tier: 'pro' }, params: { max_tokens: 9000 } }, ['targets[1]']],
    ['conditional: a later condition', conditional, { params: { max_tokens: 9000 } }, ['targets[2]']],
    ['conditional: default when nothing matches', conditional, {}, ['targets[0]']],
    ['conditional: nothing when nothing matches and there is no default', noDefault, {}, []],
    ['a fallback skips a conditional that matched nothing', fb(noDefault, p('z')), {}, ['targets[1]']],
    [
      'conditional routes to a nested group',
      { ...conditional, targets: [{ ...fb(p('a'), p('b')), name: 'cheap' }, p('x', { name: 'fast' }), p('y', { name: 'big' })] },
      {},
      ['targets[0].targets[0]', 'targets[0].targets[1]'],
    ],
  ])('%s', (_name, config, ctx, want) => {
    expect(ids(config, ctx)).toEqual(want);
  });

  it('plans carry names and the provider slug without @', () => {
    expect(plan(fb(p('vertex-prod', { name: 'primary' }), p('anthropic-prod')))).toMatchObject([
      { id: 'targets[0]', name: 'primary', provider: 'vertex-prod' },
      { id: 'targets[1]', provider: 'anthropic-prod' },
    ]);
    expect(plan(fb(p('a'), p('b')))[1]).not.toHaveProperty('name');
  });
});

describe('flattenConfig: Portkey inheritance', () => {
  const only = (config: unknown, ctx: Partial<PlanContext> = {}) => plan(config, ctx);
  type Pick = (t: PlannedTarget[]) => unknown;

  it.each<[string, unknown, Pick, unknown]>([
    [
      'override_params deep-merge parent → child; arrays and scalars replaced',
      {
        ...fb(p('a', { override_params: { thinking: { budget_tokens: 2000 }, stop_sequences: ['b'] } }), p('b')),
        override_params: { max_tokens: 100, thinking: { type: 'enabled', budget_tokens: 1000 }, stop_sequences: ['a'] },
      },
      (t) => t.map((x) => x.override_params),
      [
        { max_tokens: 100, thinking: { type: 'enabled', budget_tokens: 2000 }, stop_sequences: ['b'] },
        { max_tokens: 100, thinking: { type: 'enabled', budget_tokens: 1000 }, stop_sequences: ['a'] },
      ],
    ],
    [
      'override_params merge across three levels',
      { ...fb(fb(p('a', { override_params: { top_k: 3 } }))), override_params: { max_tokens: 1 } },
      (t) => t[0].override_params,
      { max_tokens: 1, top_k: 3 },
    ],
    [
      'retry is replaced whole by a child that sets it (codes back to the default)',
      { ...fb(p('a', { retry: { attempts: 1 } }), p('b')), retry: { attempts: 3, on_status_codes: [429], use_retry_after_header: true } },
      (t) => t.map((x) => x.retry),
      [
        { attempts: 1, on_status_codes: [429, 500, 502, 503, 504], use_retry_after_header: true },
        { attempts: 3, on_status_codes: [429], use_retry_after_header: true },
      ],
    ],
    [
      'a __proto__ body param is dropped, never merged into the prototype',
      JSON.parse('{"provider":"@a","override_params":{"__proto__":{"polluted":true},"max_tokens":1}}'),
      (t) => [t[0].override_params, (t[0].override_params as { polluted?: boolean }).polluted],
      [{ max_tokens: 1 }, undefined],
    ],
    [
      'no retry anywhere means no retries',
      p('a'),
      (t) => t[0].retry,
      { attempts: 0, on_status_codes: [429, 500, 502, 503, 504], use_retry_after_header: true },
    ],
    [
      'cache is replaced whole by a child that sets it',
      { ...fb(p('a', { cache: { mode: 'semantic' } }), p('b')), cache: { mode: 'simple', max_age: 60 } },
      (t) => t.map((x) => x.cache),
      [{ mode: 'semantic' }, { mode: 'simple', max_age: 60 }],
    ],
    ['no cache anywhere leaves cache unset', fb(p('a')), (t) => 'cache' in t[0], false],
    [
      'request_timeout inherited unless the child sets it',
      { ...fb(p('a', { request_timeout: 5000 }), fb(p('b'))), request_timeout: 60000 },
      (t) => t.map((x) => x.request_timeout),
      [5000, 60000],
    ],
    [
      'forward_headers inherited unless the child sets it (replaced, not merged)',
      { ...fb(p('a', { forward_headers: ['x-team'] }), p('b')), forward_headers: ['anthropic-beta'] },
      (t) => t.map((x) => x.forward_headers),
      [['x-team'], ['anthropic-beta']],
    ],
    [
      'the provider is inherited by targets without one',
      { ...fb({ override_params: { model: 'm1' } }, p('b')), provider: '@a' },
      (t) => t.map((x) => x.provider),
      ['a', 'b'],
    ],
    [
      '@slug/model sets provider and bare model',
      { override_params: { model: '@vertex-prod/claude-sonnet-4-5' } },
      (t) => [t[0].provider, t[0].model, t[0].override_params.model],
      ['vertex-prod', 'claude-sonnet-4-5', 'claude-sonnet-4-5'],
    ],
    [
      'a child provider beats an inherited @slug/model, keeping its model',
      { ...fb(p('b')), override_params: { model: '@a/m1' } },
      (t) => [t[0].provider, t[0].model],
      ['b', 'm1'],
    ],
    [
      'a child @slug/model beats an inherited provider',
      { ...fb({ override_params: { model: '@b/m2' } }), provider: '@a' },
      (t) => [t[0].provider, t[0].model],
      ['b', 'm2'],
    ],
    [
      'a plain child model keeps the inherited provider',
      { ...fb({ override_params: { model: 'm3' } }), override_params: { model: '@a/m1' } },
      (t) => [t[0].provider, t[0].model],
      ['a', 'm3'],
    ],
    [
      'strategy.on_status_codes is not inherited: a nested fallback falls through on any non-2xx',
      { strategy: { mode: 'fallback', on_status_codes: [429] }, targets: [fb(p('a'), p('b')), p('c')] },
      (t) => t.map((x) => x.fallback_on),
      ['any', [429], []],
    ],
  ])('%s', (_name, config, pick, want) => {
    expect(pick(only(config))).toEqual(want);
  });

  it.each<[string, unknown, string | undefined, { path: string; message: RegExp }[]]>([
    ['a leaf without a provider', fb(p('a'), { override_params: { max_tokens: 1 } }), undefined, [{ path: 'targets[1]', message: /no provider/ }]],
    ['a root without a provider', { retry: { attempts: 2 } }, undefined, [{ path: '', message: /no provider/ }]],
    [
      'every leaf without one',
      fb({ request_timeout: 1000 }, fb({ request_timeout: 2000 })),
      undefined,
      [
        { path: 'targets[0]', message: /no provider/ },
        { path: 'targets[1].targets[0]', message: /no provider/ },
      ],
    ],
  ])('error: %s', (_name, config, defaultProvider, want) => {
    const parsed = parseConfig(config);
    if (!parsed.ok) throw new Error(configError(parsed.issues));
    expect(flattenConfig(parsed.config, { defaultProvider })).toEqual({
      ok: false,
      issues: want.map((w) => ({ path: w.path, message: expect.stringMatching(w.message) })),
    });
  });

  it.each<[string, unknown, string, string[]]>([
    ['a config of retry alone uses the provider header', { retry: { attempts: 2 } }, '@vertex-prod', ['vertex-prod']],
    ['the header fills only targets without a provider', fb(p('a'), { request_timeout: 1000 }), 'vertex-prod', ['a', 'vertex-prod']],
  ])('defaultProvider: %s', (_name, config, defaultProvider, want) => {
    expect(planAttempts(tree(config, defaultProvider), CTX).map((t) => t.provider)).toEqual(want);
  });

  it('leafTargets lists every leaf in declared order, picked or not', () => {
    expect(leafTargets(tree(lb(p('a'), fb(p('b'), p('c'))))).map((t) => t.provider)).toEqual(['a', 'b', 'c']);
  });
});

describe('the README example configs plan as described', () => {
  const retry3 = { attempts: 3, on_status_codes: [429, 500, 502, 503], use_retry_after_header: true };
  const noRetry = { attempts: 0, on_status_codes: [429, 500, 502, 503, 504], use_retry_after_header: true };
  const beta = ['anthropic-beta'];

  it.each<[string, unknown, number, Partial<PlannedTarget>[]]>([
    [
      'single provider',
      { provider: '@vertex-prod', forward_headers: ['anthropic-beta'] },
      0,
      [{ id: 'root', provider: 'vertex-prod', forward_headers: beta, retry: noRetry, fallback_on: [] }],
    ],
    [
      'fallback chain: in order, any non-2xx falls through',
      {
        strategy: { mode: 'fallback' },
        targets: [{ provider: '@vertex-prod' }, { provider: '@anthropic-prod' }, { provider: '@bedrock-prod' }],
        forward_headers: ['anthropic-beta'],
      },
      0,
      [
        { provider: 'vertex-prod', forward_headers: beta, fallback_on: 'any' },
        { provider: 'anthropic-prod', forward_headers: beta, fallback_on: 'any' },
        { provider: 'bedrock-prod', forward_headers: beta, fallback_on: [] },
      ],
    ],
    [
      'loadbalance, low draw',
      {
        strategy: { mode: 'loadbalance' },
        targets: [
          { provider: '@vertex-us-central', weight: 0.5 },
          { provider: '@vertex-us-east', weight: 0.5 },
        ],
        forward_headers: ['anthropic-beta'],
      },
      0.25,
      [{ provider: 'vertex-us-central', forward_headers: beta, fallback_on: [] }],
    ],
    [
      'loadbalance, high draw',
      {
        strategy: { mode: 'loadbalance' },
        targets: [
          { provider: '@vertex-us-central', weight: 0.5 },
          { provider: '@vertex-us-east', weight: 0.5 },
        ],
        forward_headers: ['anthropic-beta'],
      },
      0.75,
      [{ provider: 'vertex-us-east', forward_headers: beta }],
    ],
    [
      'simple cache',
      { provider: '@vertex-prod', cache: { mode: 'simple' }, forward_headers: ['anthropic-beta'] },
      0,
      [{ provider: 'vertex-prod', cache: { mode: 'simple' }, forward_headers: beta }],
    ],
    [
      'retry',
      { provider: '@vertex-prod', retry: { attempts: 3, on_status_codes: [429, 500, 502, 503] }, forward_headers: ['anthropic-beta'] },
      0,
      [{ provider: 'vertex-prod', retry: retry3, forward_headers: beta }],
    ],
    [
      'fallback with cache and retry: both targets inherit both',
      {
        strategy: { mode: 'fallback' },
        targets: [{ provider: '@vertex-prod' }, { provider: '@anthropic-prod' }],
        cache: { mode: 'simple' },
        retry: { attempts: 3, on_status_codes: [429, 500, 502, 503] },
        forward_headers: ['anthropic-beta'],
      },
      0,
      [
        { provider: 'vertex-prod', cache: { mode: 'simple' }, retry: retry3, forward_headers: beta, fallback_on: 'any' },
        { provider: 'anthropic-prod', cache: { mode: 'simple' }, retry: retry3, forward_headers: beta, fallback_on: [] },
      ],
    ],
    [
      'load-balance over @slug/model, low draw',
      {
        strategy: { mode: 'load-balance' },
        targets: [{ override_params: { model: '@vertex-prod/claude-sonnet-4-5' } }, { override_params: { model: '@anthropic-prod/claude-sonnet-4-5' } }],
      },
      0.25,
      [{ provider: 'vertex-prod', model: 'claude-sonnet-4-5', override_params: { model: 'claude-sonnet-4-5' }, forward_headers: [] }],
    ],
    [
      'load-balance over @slug/model, high draw',
      {
        strategy: { mode: 'load-balance' },
        targets: [{ override_params: { model: '@vertex-prod/claude-sonnet-4-5' } }, { override_params: { model: '@anthropic-prod/claude-sonnet-4-5' } }],
      },
      0.75,
      [{ provider: 'anthropic-prod', model: 'claude-sonnet-4-5', override_params: { model: 'claude-sonnet-4-5' } }],
    ],
  ])('%s', (_name, seed, draw, want) => {
    const parsed = parseConfig(JSON.stringify(seed)); // as it arrives in the header
    expect(parsed).toMatchObject({ ok: true, ignored: [] });
    const route = planRoute(parsed.ok ? parsed.config : {}, { ...CTX, random: constant(draw) });
    expect(route.ok && route.targets).toHaveLength(want.length);
    expect(route).toMatchObject({ ok: true, targets: want });
  });
});

describe('weighted load balancing over 10,000 seeded draws', () => {
  it.each<[number[], number]>([
    [[0.5, 0.5], 1],
    [[0.7, 0.2, 0.1], 2],
    [[9, 1], 3],
    [[1, 1, 1, 1], 4],
    [[3, 0, 1], 5],
  ])('weights %j stay within ±2 %% of their share', (weights, seed) => {
    const t = tree(lb(...weights.map((w, i) => p(`t${i}`, { weight: w }))));
    const random = seededRandom(seed);
    const counts = weights.map(() => 0);
    for (let i = 0; i < 10_000; i++) counts[Number(planAttempts(t, { ...CTX, random })[0].provider.slice(1))]++;
    const total = weights.reduce((a, b) => a + b, 0);
    counts.forEach((c, i) => expect(Math.abs(c / 10_000 - weights[i] / total)).toBeLessThanOrEqual(0.02));
  });
});

describe('sticky load balancing', () => {
  const sticky = (extra: Record<string, unknown> = {}, ...targets: unknown[]) => ({
    strategy: { mode: 'loadbalance', sticky: { enabled: true, ...extra } },
    targets: targets.length ? targets : [p('a', { name: 'a' }), p('b', { name: 'b' }), p('c', { name: 'c' })],
  });
  const pick = (t: ResolvedTree, ctx: Partial<PlanContext>) => planAttempts(t, { ...CTX, ...ctx })[0].provider;

  it('a session keeps its target whatever the random draw', () => {
    const t = tree(sticky());
    const random = seededRandom(7);
    for (const key of ['session-1', 'session-2', 'session-3']) {
      const first = pick(t, { stickyKey: key, random });
      for (let i = 0; i < 50; i++) expect(pick(t, { stickyKey: key, random })).toBe(first);
    }
  });

  it.each<[string, unknown, Partial<PlanContext>]>([
    ['sticky disabled', { ...sticky(), strategy: { mode: 'loadbalance', sticky: { enabled: false } } }, { stickyKey: 's' }],
    ['no sticky key and no hash-field values', sticky({ hash_fields: ['metadata.user'] }), {}],
  ])('falls back to the random draw: %s', (_name, config, ctx) => {
    const t = tree(config);
    expect(new Set([0.1, 0.5, 0.9].map((u) => pick(t, { ...ctx, random: constant(u) })))).toEqual(new Set(['a', 'b', 'c']));
  });

  it('hash_fields alone make it sticky, and their values spread sessions', () => {
    const t = tree(sticky({ hash_fields: ['metadata.user', 'headers.x-session'] }));
    const at = (user: string) => pick(t, { metadata: { user }, headers: { 'x-session': 'z' }, random: seededRandom(1) });
    expect(at('ann')).toBe(at('ann'));
    expect(new Set(Array.from({ length: 30 }, (_, i) => at(`user-${i}`))).size).toBe(3);
  });

  it('hash_fields mix into the sticky key', () => {
    const t = tree(sticky({ hash_fields: ['params.metadata.user_id'] }));
    const seen = new Set(Array.from({ length: 30 }, (_, i) => pick(t, { stickyKey: 'same', params: { metadata: { user_id: `u${i}` } } })));
    expect(seen.size).toBe(3);
  });

  it('spreads 10,000 sessions by weight within ±2 %', () => {
    const t = tree(sticky({}, p('a', { name: 'a', weight: 3 }), p('b', { name: 'b', weight: 1 })));
    let a = 0;
    for (let i = 0; i < 10_000; i++) if (pick(t, { stickyKey: `session-${i}` }) === 'a') a++;
    expect(Math.abs(a / 10_000 - 0.75)).toBeLessThanOrEqual(0.02);
  });

  it('an open breaker moves only the sessions that were on that target', () => {
    const t = tree(sticky());
    const keys = Array.from({ length: 1000 }, (_, i) => `s${i}`);
    const before = keys.map((k) => pick(t, { stickyKey: k }));
    const after = keys.map((k) => pick(t, { stickyKey: k, isOpen: (id) => id === 'targets[0]' }));
    keys.forEach((_, i) => {
      if (before[i] === 'a') expect(after[i]).not.toBe('a');
      else expect(after[i]).toBe(before[i]);
    });
  });

  it('named targets keep their sessions when the config is reordered', () => {
    const one = tree(sticky());
    const two = tree(sticky({}, p('c', { name: 'c' }), p('a', { name: 'a' }), p('b', { name: 'b' })));
    for (let i = 0; i < 200; i++) expect(pick(two, { stickyKey: `k${i}` })).toBe(pick(one, { stickyKey: `k${i}` }));
  });
});

describe('open circuit breakers', () => {
  const openFor =
    (...open: string[]) =>
    (_id: string, t: { provider: string }) =>
      open.includes(t.provider);

  it.each<[string, unknown, Partial<PlanContext>, string[]]>([
    ['fallback moves an open target to the end', fb(p('a'), p('b'), p('c')), { isOpen: openFor('b') }, ['a', 'c', 'b']],
    ['fallback keeps declared order among open targets', fb(p('a'), p('b'), p('c')), { isOpen: openFor('a', 'b') }, ['c', 'a', 'b']],
    ['all open: still tried, in declared order', fb(p('a'), p('b'), p('c')), { isOpen: openFor('a', 'b', 'c') }, ['a', 'b', 'c']],
    ['a nested group moves only when all its targets are open', fb(fb(p('a'), p('b')), p('c')), { isOpen: openFor('a') }, ['b', 'a', 'c']],
    ['a nested group whose targets are all open moves whole', fb(fb(p('a'), p('b')), p('c')), { isOpen: openFor('a', 'b') }, ['c', 'a', 'b']],
    ['loadbalance leaves an open target out of the draw', lb(p('a'), p('b')), { random: constant(0.1), isOpen: openFor('a') }, ['b']],
    ['loadbalance draws among all when all are open', lb(p('a'), p('b')), { random: constant(0.1), isOpen: openFor('a', 'b') }, ['a']],
    [
      'conditional ignores breakers (as Portkey does)',
      { strategy: { mode: 'conditional', conditions: [{ query: {}, then: 'x' }] }, targets: [p('a', { name: 'x' }), p('b', { name: 'y' })] },
      { isOpen: openFor('a') },
      ['a'],
    ],
  ])('%s', (_name, config, ctx, want) => {
    expect(plan(config, ctx).map((t) => t.provider)).toEqual(want);
  });

  it('isOpen gets the target id and the target', () => {
    const calls: string[] = [];
    plan(fb(p('a'), p('b')), { isOpen: (id, t) => (calls.push(`${id}=${t.provider}`), false) });
    expect(calls).toEqual(['targets[0]=a', 'targets[1]=b']);
  });
});

describe('falling through: nextAttemptIndex follows Portkey nesting', () => {
  // outer fallback (any non-2xx) [ inner fallback (on 429) [a, b], c ]
  const innerOn429 = {
    strategy: { mode: 'fallback' },
    targets: [{ strategy: { mode: 'fallback', on_status_codes: [429] }, targets: [p('a'), p('b')] }, p('c')],
  };
  // outer fallback (on 503) [ inner fallback (any) [a, b], c ]
  const outerOn503 = { strategy: { mode: 'fallback', on_status_codes: [503] }, targets: [fb(p('a'), p('b')), p('c')] };

  it.each<[string, unknown, number, number, number | undefined]>([
    ['inner group falls through on its code', innerOn429, 0, 429, 1],
    ['inner group stops; the outer one skips to its next target', innerOn429, 0, 500, 2],
    ['last of the inner group hands over to the outer group', innerOn429, 1, 500, 2],
    ['nothing after the last target', innerOn429, 2, 500, undefined],
    ['a 2xx never falls through', innerOn429, 0, 200, undefined],
    ['any non-2xx includes a 400 (Portkey)', outerOn503, 0, 400, 1],
    ['the outer group stops on a code it does not list', outerOn503, 1, 500, undefined],
    ['the outer group goes on on its code', outerOn503, 1, 503, 2],
  ])('%s', (_name, config, index, status, want) => {
    const planned = plan(config);
    expect(planned.map((t) => t.provider)).toEqual(['a', 'b', 'c']);
    expect(nextAttemptIndex(planned, index, status)).toBe(want);
  });

  it('fallback_on is the trigger for moving to the next planned target', () => {
    expect(plan(innerOn429).map((t) => t.fallback_on)).toEqual([[429], 'any', []]);
    expect(plan(innerOn429).map((t) => t.fallback_chain)).toEqual([
      [
        { on: [429], next: 1 },
        { on: 'any', next: 2 },
      ],
      [{ on: 'any', next: 2 }],
      [],
    ]);
  });

  it('chains follow the breaker order', () => {
    const planned = plan(fb(fb(p('a'), p('b')), p('c')), { isOpen: (_id, t) => t.provider !== 'c' });
    expect(planned.map((t) => [t.provider, t.fallback_chain.map((f) => f.next)])).toEqual([
      ['c', [1]],
      ['a', [2]],
      ['b', []],
    ]);
  });

  it.each<[number[] | 'any', number, boolean]>([
    ['any', 200, false],
    ['any', 204, false],
    ['any', 404, true],
    ['any', 529, true],
    [[429, 503], 429, true],
    [[429, 503], 500, false],
    [[], 500, false],
  ])('triggersFallback(%j, %d) → %s', (on, status, want) => {
    expect(triggersFallback(on, status)).toBe(want);
  });
});

describe('planRoute', () => {
  const conditional = (then: string) => ({
    strategy: { mode: 'conditional', conditions: [{ query: { 'metadata.team': 'x' }, then }] },
    targets: [p('a', { name: 'a' })],
  });
  const parsed = (input: unknown) => {
    const r = parseConfig(input);
    if (!r.ok) throw new Error(configError(r.issues));
    return r.config;
  };

  it.each<[string, unknown, Partial<PlanContext>, string | undefined, unknown]>([
    ['plans a config', fb(p('a'), p('b')), {}, undefined, { ok: true, targets: [{ provider: 'a' }, { provider: 'b' }] }],
    ['fills a missing provider from the default', { retry: { attempts: 1 } }, {}, '@hdr', { ok: true, targets: [{ provider: 'hdr' }] }],
    [
      'names a leaf without a provider',
      { retry: { attempts: 1 } },
      {},
      undefined,
      { ok: false, issues: [{ path: '', message: expect.stringMatching(/no provider/) }] },
    ],
    [
      'a conditional that matches nothing, without a default',
      conditional('a'),
      {},
      undefined,
      { ok: false, issues: [{ path: 'strategy', message: expect.stringMatching(/no condition matched/) }] },
    ],
    [
      'the same, nested',
      lb(conditional('a')),
      {},
      undefined,
      { ok: false, issues: [{ path: 'targets[0].strategy', message: expect.stringMatching(/no condition matched/) }] },
    ],
    ['a conditional that matches', conditional('a'), { metadata: { team: 'x' } }, undefined, { ok: true, targets: [{ provider: 'a' }] }],
  ])('%s', (_name, config, ctx, defaultProvider, want) => {
    expect(planRoute(parsed(config), { ...CTX, ...ctx }, { defaultProvider })).toMatchObject(want as object);
  });

  it('flattens a config object once per default provider', () => {
    const config = parsed({ retry: { attempts: 1 } });
    expect(planRoute(config, CTX, { defaultProvider: 'x' })).toMatchObject({ ok: true, targets: [{ provider: 'x' }] });
    expect(planRoute(config, CTX, { defaultProvider: 'y' })).toMatchObject({ ok: true, targets: [{ provider: 'y' }] });
    expect(planRoute(config, CTX, { defaultProvider: 'x' })).toMatchObject({ ok: true, targets: [{ provider: 'x' }] });
  });
});
