import { GatewayError } from '../../services/shared/src/errors';
import { RateLimit } from '../../services/shared/src/rate-limit/entity';
import { createMemoryStore } from '../../services/shared/src/store/memory';
import type { Store } from '../../services/shared/src/store/port';
import { estimateTokens, RateLimiter } from '../../services/gateway/src/policy/rate-limiter';
import { silentLogger } from '../helpers/log';
import { usageEventFixture } from '../helpers/usage-event';

const MINUTE_START = Date.UTC(2030, 0, 1, 12, 0);
const who = { key_id: 'k1', workspace_id: 'ws', metadata: {}, provider: '@vertex' };

const limit = (over: Partial<RateLimit> = {}): RateLimit =>
  RateLimit.parse({ id: 'rpm', name: 'Sixty a minute', scope: { type: 'workspace', workspace_id: 'ws' }, unit: 'requests', per: 'minute', limit: 60, ...over });

/** Counts the store's lease calls, and can make them fail. */
function countingStore(): Store & { leaseCalls: number; failing: boolean } {
  const store = createMemoryStore();
  const counted = Object.assign(store, { leaseCalls: 0, failing: false });
  const lease = store.leaseRateLimit.bind(store);
  counted.leaseRateLimit = async (req) => {
    counted.leaseCalls++;
    if (counted.failing) throw new Error('store away');
    return lease(req);
  };
  return counted;
}

async function limiterOn(store: Store, clock: { now: number }, limits: RateLimit[]): Promise<RateLimiter> {
  for (const l of limits) await store.rateLimits.put(l.id, l);
  const rl = new RateLimiter(store, silentLogger(), () => clock.now);
  await rl.listener.start();
  return rl;
}

/** 'ok', or the refusal. */
async function ask(rl: RateLimiter, requestId = 'r', tokens = 0): Promise<'ok' | GatewayError> {
  try {
    await rl.admit(who, { requestId, tokens: () => tokens });
    return 'ok';
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
}

describe('rate limits shared through leases', () => {
  it('three instances on one store admit exactly the limit between them, not three times it', async () => {
    const store = countingStore();
    const clock = { now: MINUTE_START + 1000 };
    const instances = [];
    for (let i = 0; i < 3; i++) instances.push(await limiterOn(store, clock, [limit()]));
    let admitted = 0;
    for (let i = 0; i < 150; i++) if ((await ask(instances[i % 3])) === 'ok') admitted++;
    expect(admitted).toBe(60);
    // Leases of 3 requests, not a store call per request.
    expect(store.leaseCalls).toBeLessThanOrEqual(60 / 3 + 3 * 2);
  });

  it('refuses with 429, a retry-after to the window end and Anthropic rate limit headers', async () => {
    const store = createMemoryStore();
    const clock = { now: MINUTE_START + 45_500 };
    const rl = await limiterOn(store, clock, [limit({ limit: 2 })]);
    expect(await ask(rl)).toBe('ok');
    expect(await ask(rl)).toBe('ok');
    const err = (await ask(rl)) as GatewayError;
    expect(err.status).toBe(429);
    expect(err.type).toBe('rate_limit_error');
    expect(err.message).toMatch(/"Sixty a minute" \(rpm\) reached: 2 requests per minute\. It resets at 2030-01-01T12:01:00Z; retry in 15 s/);
    expect(err.opts.retryAfterSeconds).toBe(15);
    expect(err.opts.headers).toEqual({
      'anthropic-ratelimit-requests-limit': '2',
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': '2030-01-01T12:01:00Z',
    });
    clock.now = MINUTE_START + 60_000; // the next window admits again
    expect(await ask(rl)).toBe('ok');
  });

  it('admits tokens on the estimate and settles on the actual input + output', async () => {
    const store = createMemoryStore();
    const clock = { now: MINUTE_START };
    const rl = await limiterOn(store, clock, [limit({ id: 'tpm', unit: 'tokens', limit: 1000 })]);
    expect(await ask(rl, 'a', 600)).toBe('ok');
    expect(await ask(rl, 'b', 600)).toBeInstanceOf(GatewayError); // 600 estimated of 1000: 400 left
    rl.settle(
      usageEventFixture({
        request_id: 'a',
        usage: { input: 50, output: 50, cache_write_5m: 9999, cache_write_1h: 0, cache_read: 9999, web_search_requests: 0 },
      }),
    );
    expect(await ask(rl, 'b', 600)).toBe('ok'); // 500 refunded
    expect(await ask(rl, 'c', 300)).toBe('ok');
    expect(await ask(rl, 'd', 1)).toBeInstanceOf(GatewayError);
  });

  it('applies only the limits whose scope covers the request', async () => {
    const store = createMemoryStore();
    const rl = await limiterOn(store, { now: MINUTE_START }, [
      limit({ scope: { type: 'key', key_id: 'other' }, limit: 1 }),
      limit({ id: 'p', scope: { type: 'provider', provider: 'vertex' }, limit: 1 }),
    ]);
    expect(await ask(rl)).toBe('ok');
    expect(((await ask(rl)) as GatewayError).message).toContain('(p)');
  });

  it('sees a raised limit at once, within the same window', async () => {
    const store = createMemoryStore();
    const rl = await limiterOn(store, { now: MINUTE_START }, [limit({ limit: 1 })]);
    expect(await ask(rl)).toBe('ok');
    expect(await ask(rl)).toBeInstanceOf(GatewayError);
    await store.rateLimits.put('rpm', limit({ limit: 5, version: 2 }));
    await new Promise((r) => setTimeout(r, 10));
    expect(await ask(rl)).toBe('ok');
  });

  it('admits one lease alone when the store does not answer, then passes its error on', async () => {
    const store = countingStore();
    store.failing = true;
    const rl = await limiterOn(store, { now: MINUTE_START }, [limit({ limit: 40 })]);
    expect(await ask(rl)).toBe('ok');
    expect(await ask(rl)).toBe('ok'); // a lease is 2 requests
    await expect(rl.admit(who, { requestId: 'x', tokens: () => 0 })).rejects.toThrow('store away');
  });

  it('estimates max_tokens plus a token per 4 body bytes', () => {
    expect(estimateTokens(1000, 401)).toBe(1101);
    expect(estimateTokens('many', 8)).toBe(2);
  });
});
