/**
 * What the bench seeds the store with (run.ts and worker-bench.ts), and the usage events its worker
 * phase pushes: the bench key's, covered by both budgets.
 */
import { hashKey } from '../../services/gateway/src/auth/keys';
import type { WorkerEventShape } from './worker-load';

export const KEYS = {
  single: 'gth_bench_single_0123456789abcdef0123456789',
  fallback: 'gth_bench_fallbk_0123456789abcdef0123456789',
  cached: 'gth_bench_cached_0123456789abcdef0123456789',
};

/**
 * Two Anthropic-kind providers on the fake (no Google auth on the path), a config per case, a key per
 * config, two budgets and a rate limit covering every bench request (never reached: both run in full).
 */
export function seed(upstream: string): Record<string, unknown> {
  const provider = (slug: string) => ({ slug, kind: 'anthropic', credentials: { env: 'ANTHROPIC_API_KEY' }, base_url: upstream });
  const key = (name: keyof typeof KEYS) => ({
    key: KEYS[name],
    name: `bench-${name}`,
    type: 'workspace',
    workspace_id: 'bench',
    scopes: ['completions'],
    defaults: { config_id: name, metadata: { team: 'bench' } },
  });
  return {
    workspaces: [{ id: 'bench', name: 'Bench' }],
    providers: [provider('a'), provider('b')],
    configs: [
      { id: 'single', config: { provider: '@a' } },
      { id: 'fallback', config: { strategy: { mode: 'fallback' }, targets: [{ provider: '@a' }, { provider: '@b' }] } },
      { id: 'cached', config: { provider: '@a', cache: { mode: 'simple' } } },
    ],
    api_keys: [key('single'), key('fallback'), key('cached')],
    budgets: [
      {
        id: 'bench-monthly',
        name: 'Bench monthly',
        scope: { type: 'workspace', workspace_id: 'bench' },
        metric: 'cost',
        limit: 1e15,
        period: { kind: 'month', time_zone: 'Europe/Paris' },
      },
      {
        id: 'bench-tokens',
        name: 'Bench daily tokens',
        scope: { type: 'metadata', key: 'team', value: 'bench' },
        metric: 'tokens',
        limit: 1e15,
        period: { kind: 'day' },
      },
    ],
    // Never reached, so every bench request runs the limiter in full (leases renewed in the background).
    rate_limits: [
      { id: 'bench-rpm', name: 'Bench per minute', scope: { type: 'workspace', workspace_id: 'bench' }, unit: 'requests', per: 'minute', limit: 10_000_000 },
    ],
  };
}

/** The worker phase's events: the single-route key's, so both budgets and every rollup of it are hot. */
export const WORKER_EVENT_SHAPE: WorkerEventShape = {
  workspace_id: 'bench',
  key_id: `key_${hashKey(KEYS.single).slice(0, 12)}`,
  provider: '@a',
  metadata: { team: 'bench' },
};
