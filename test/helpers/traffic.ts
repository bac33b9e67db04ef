import type { UsageEvent } from '../../services/shared/src/usage-event';
import { usageEventFixture } from './usage-event';

/**
 * Deterministic traffic with every dimension varied: two workspaces, three keys, two models, two
 * providers, four outcomes, two teams, traces, sessions, cache hits and misses, spread over hours
 * and days. Tests compute what they expect from the array itself (plain filters and sums), never
 * from the code under test.
 */
export const TRAFFIC_START = Date.parse('2026-11-02T00:00:00.000Z');

const KEYS = [
  ['key-a1', 'alpha'],
  ['key-a2', 'alpha'],
  ['key-b1', 'beta'],
] as const;
const OUTCOMES: Array<[UsageEvent['outcome'], number, string | undefined]> = [
  ['success', 200, undefined],
  ['success', 200, undefined],
  ['success', 200, undefined],
  ['upstream_error', 529, 'overloaded_error'],
  ['rejected', 400, 'invalid_request_error'],
  ['client_cancel', 499, undefined],
];

export function trafficEvent(i: number, start = TRAFFIC_START): UsageEvent {
  const [key, workspace] = KEYS[i % 3];
  const [outcome, status, errorType] = OUTCOMES[i % 6];
  const hit = i % 10 === 0;
  const cached = i % 5 === 0;
  return usageEventFixture({
    event_id: `ev-${start}-${i}`,
    request_id: `req_gth_${String(start).slice(-6)}_${String(i).padStart(6, '0')}`,
    trace_id: `trace-${i % 7}`,
    session_id: `session-${i % 4}`,
    // Every 37 minutes: crosses hours and, past 39 requests, days. Some share a timestamp.
    timestamp: new Date(start + Math.floor(i / 2) * 37 * 60_000).toISOString(),
    status,
    outcome,
    ...(errorType ? { error_type: errorType } : {}),
    workspace_id: workspace,
    key_id: key,
    key_name: key,
    provider: i % 4 === 0 ? 'anthropic-prod' : 'vertex-prod',
    model_requested: i % 2 === 0 ? 'claude-sonnet-4-6' : 'claude-opus-4-1',
    usage: { input: 10 + i, output: 100 + 2 * i, cache_write_5m: i % 3, cache_write_1h: i % 2, cache_read: 50 * (i % 5), web_search_requests: 0 },
    cost_micros: hit ? 0 : 1000 + 17 * i,
    latency_ms: 40 + ((i * 131) % 3000),
    ...(i % 3 !== 2 ? { ttfb_ms: 20 + ((i * 71) % 900) } : {}),
    metadata: i % 3 === 0 ? { team: 'web' } : { team: 'api', user: `u${i % 2}` },
    ...(cached ? { cache: { status: hit ? 'HIT' : 'MISS', saved_micros: hit ? 500 + i : 0 } } : {}),
  });
}

export function traffic(n: number, start = TRAFFIC_START): UsageEvent[] {
  return Array.from({ length: n }, (_, i) => trafficEvent(i, start));
}

/** Logs newest first, as the API orders them: timestamp descending, then request id. */
export function newestFirst(events: UsageEvent[]): string[] {
  return [...events]
    .sort((a, b) => (a.timestamp !== b.timestamp ? (a.timestamp < b.timestamp ? 1 : -1) : a.request_id < b.request_id ? -1 : 1))
    .map((e) => e.request_id);
}
