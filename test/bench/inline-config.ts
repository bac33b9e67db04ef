import { INLINE_LIMITS } from '../../services/gateway/src/routing/config-normalise';
import { parseConfig } from '../../services/gateway/src/routing/config-schema';
import { planRoute } from '../../services/gateway/src/routing/plan';
import { percentiles } from './stats';

/**
 * What the worst inline config a client may send costs the gateway's event loop, measured
 * in this process on the gateway's own functions: parse the header's JSON, validate it against the
 * inline limits, compile its patterns, plan the route (every condition evaluated). Each config is new
 * (its patterns differ), as a hostile client would send them, so no memo helps.
 */

/** At every inline limit at once: 16 targets 3 deep, 16 conditions, 4 patterns of total size 256, ~8 KiB. */
export function worstInlineConfig(n: number): string {
  const leaf = (i: number) => ({ name: `leaf${i}`, provider: '@a', override_params: { max_tokens: 1000 + i } });
  const chain = (i: number) => ({
    name: `t${i}`,
    strategy: { mode: 'fallback' },
    targets: [{ name: 'mid', strategy: { mode: 'fallback', on_status_codes: [429, 500] }, targets: [leaf(i)] }],
  });
  const chains = Array.from({ length: 5 }, (_, i) => chain(i)); // 15 targets
  const pattern = (i: number) => `^(a|b|c|d|${n}|${i})*(x|y|z)+[0-9a-f]*(?:foo|bar|baz)+$`.padEnd(64, 'q');
  const conditions = Array.from({ length: 16 }, (_, i) => ({
    query: {
      $and: [
        { 'metadata.team': { $in: ['web', 'api', `t${i}`] } },
        { $or: [{ 'params.model': { $ne: `m${i}` } }, { 'headers.x-tier': { $gte: 'b' } }] },
        i < 4 ? { 'metadata.user': { $regex: pattern(i) } } : { 'params.max_tokens': { $lt: 100 } },
      ],
    },
    then: `t${i % 5}`,
  }));
  const config = {
    strategy: { mode: 'conditional', conditions, default: 't0' },
    targets: [...chains, { name: 'last', provider: '@b' }],
    retry: { attempts: 3, on_status_codes: [429, 500, 502, 503] },
    override_params: { metadata: { pad: '' } },
  };
  const size = JSON.stringify(config).length;
  config.override_params.metadata.pad = 'p'.repeat(INLINE_LIMITS.bytes - size - 16);
  return JSON.stringify(config);
}

/** The cost of the resolver's work for a fresh inline config, as resolve.ts does it. */
export function measureInlineConfig(iterations = 3000): { p50_ms: number; p99_ms: number; bytes: number } {
  const ctx = {
    metadata: { team: 'none', user: 'ab'.repeat(256) },
    params: { model: 'claude-sonnet-4-5', max_tokens: 1000 },
    headers: { 'x-tier': 'a' },
    random: () => 0.5,
  };
  const run = (n: number) => {
    const text = worstInlineConfig(n);
    const started = process.hrtime.bigint();
    const parsed = parseConfig(JSON.parse(text), INLINE_LIMITS);
    if (!parsed.ok) throw new Error(`the worst inline config is invalid: ${JSON.stringify(parsed.issues)}`);
    const planned = planRoute(parsed.config, ctx);
    if (!planned.ok) throw new Error('the worst inline config did not plan');
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  for (let i = 0; i < 500; i++) run(-i - 1); // warm-up: V8 optimises the validators
  const ms = Array.from({ length: iterations }, (_, i) => run(i));
  const p = percentiles(ms);
  return { p50_ms: p.p50, p99_ms: p.p99, bytes: worstInlineConfig(0).length };
}
