import { USAGE_EVENT_VERSION, type UsageEvent } from '../../services/shared/src/usage-event';

/** A valid usage event; tests override what they are about. */
export function usageEventFixture(overrides: Partial<UsageEvent> = {}): UsageEvent {
  return {
    version: USAGE_EVENT_VERSION,
    event_id: `ev-${Math.random().toString(36).slice(2)}`,
    request_id: 'req-1',
    trace_id: 'trace-1',
    timestamp: '2025-06-15T12:00:00.000Z',
    route: 'messages',
    stream: true,
    status: 200,
    outcome: 'success',
    workspace_id: 'ws-a',
    key_id: 'key-a',
    provider: '@vertex',
    provider_kind: 'vertex',
    model_requested: 'claude-sonnet-4-5',
    usage: { input: 10, output: 20, cache_write_5m: 3, cache_write_1h: 4, cache_read: 5, web_search_requests: 0 },
    cost_micros: 1000,
    latency_ms: 120,
    metadata: {},
    attempts: [],
    ...overrides,
  };
}
