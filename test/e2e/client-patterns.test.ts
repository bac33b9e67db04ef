import { message, startRoutingRig, type RoutingRig } from './routing-harness';

/**
 * No client input can stall the gateway: a `$regex` a client writes into an inline
 * config runs in RE2, linear in its input, so patterns that backtrack catastrophically in JavaScript's
 * engine cost no more than any other; and an inline config is held to limits, each refused with a
 * 400 naming it.
 */
let rig: RoutingRig;

beforeAll(async () => {
  rig = await startRoutingRig();
});
afterAll(() => rig.close());
beforeEach(() => rig.reset());

/** Routes to Anthropic when `params.system` matches `pattern`, else to Bedrock. */
const routeOn = (pattern: string) => ({
  strategy: { mode: 'conditional', conditions: [{ query: { 'params.system': { $regex: pattern } }, then: 'matched' }], default: 'other' },
  targets: [
    { name: 'matched', provider: '@anthropic-prod' },
    { name: 'other', provider: '@bedrock-prod' },
  ],
});

describe('catastrophic patterns', () => {
  // Each of these takes JavaScript's engine exponential time on "aaa…ab" (2^29 steps and more).
  const patterns = ['^(a|a)*$', '(a+)+$', '^(a|aa)+$', '^(\\w*a)*$', '^(([a-z])+.)+[A-Z]([a-z])+$'];

  it('answer while /healthz is answered promptly, whatever the input length', async () => {
    const inputs = [29, 30, 2_000, 16_000].map((n) => `${'a'.repeat(n)}b`);
    const requests = patterns.flatMap((p) => inputs.map((system) => rig.send(message('claude-sonnet-4-6', { system }), { config: routeOn(p) })));
    // Asked after every request above has been sent: with a backtracking engine it waits for them.
    const started = Date.now();
    const health = await fetch(`${rig.gw.url}/healthz`);
    const healthMs = Date.now() - started;
    const answers = await Promise.all(requests);
    expect(health.status).toBe(200);
    // Generous: the backtracking engine holds the event loop for minutes here, RE2 for milliseconds.
    expect(healthMs).toBeLessThan(5_000);
    expect(answers.map((a) => a.status)).toEqual(requests.map(() => 200));
    // None of them matched ("…ab" ends in b), so every request took the default target.
    expect(answers.map((a) => a.headers.get('x-gatehouse-provider'))).toEqual(requests.map(() => '@bedrock-prod'));
  });

  it('still match what they should', async () => {
    const res = await rig.send(message('claude-sonnet-4-6', { system: 'a'.repeat(16_000) }), { config: routeOn('^(a|a)*$') });
    expect(res.headers.get('x-gatehouse-provider')).toBe('@anthropic-prod');
  });

  it('refuses JavaScript-only syntax (backreferences) with a 400 naming the pattern', async () => {
    const res = await rig.send(message(), { config: routeOn('(a)\\1') });
    expect(res.status).toBe(400);
    expect(res.json().error.message).toMatch(/strategy\.conditions\[0\]\.query\["params\.system"\]\.\$regex: invalid regex/);
  });
});

describe('inline config limits', () => {
  const target = (i: number) => ({ name: `t${i}`, provider: '@anthropic-prod' });
  const conditional = (conditions: unknown[], targets = [target(0)]) => ({ strategy: { mode: 'conditional', conditions, default: 't0' }, targets });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['size', { provider: '@anthropic-prod', override_params: { metadata: { pad: 'x'.repeat(8 * 1024) } } }, /bytes; the limit is 8192 bytes/],
    ['targets', { strategy: { mode: 'fallback' }, targets: Array.from({ length: 17 }, (_, i) => target(i)) }, /17 targets in total; the limit is 16/],
    [
      'depth',
      {
        strategy: { mode: 'fallback' },
        targets: [
          {
            strategy: { mode: 'fallback' },
            targets: [{ strategy: { mode: 'fallback' }, targets: [{ strategy: { mode: 'fallback' }, targets: [target(0)] }] }],
          },
        ],
      },
      /nest more than 3 levels deep \(the limit\)/,
    ],
    [
      'conditions',
      conditional(Array.from({ length: 17 }, () => ({ query: { 'metadata.a': 'x' }, then: 't0' }))),
      /17 strategy conditions in total; the limit is 16/,
    ],
    [
      '$regex operators',
      conditional(Array.from({ length: 5 }, (_, i) => ({ query: { 'metadata.a': { $regex: `^${i}` } }, then: 't0' }))),
      /5 \$regex operators in total; the limit is 4/,
    ],
    ['regex size', conditional([{ query: { 'metadata.a': { $regex: 'a{300}' } }, then: 't0' }]), /regex size .* the limit is 256/],
  ])('an inline config over the %s limit is a 400 naming it', async (_name, config, want) => {
    const res = await rig.send(message(), { config });
    expect(res.status).toBe(400);
    expect(res.json().error.type).toBe('invalid_request_error');
    expect(res.json().error.message).toMatch(want);
    expect(rig.anthropic.calls).toHaveLength(0);
  });

  it('the same config stored by id is not held to the inline limits', async () => {
    const config = { strategy: { mode: 'fallback' }, targets: Array.from({ length: 17 }, (_, i) => target(i)) };
    await rig.gw.store.configs.put('many-targets', { id: 'many-targets', version: 1, config });
    await new Promise((r) => setTimeout(r, 100)); // the config listener delivers the write
    const res = await rig.send(message(), { config: 'many-targets' });
    expect(res.status).toBe(200);
  });
});
