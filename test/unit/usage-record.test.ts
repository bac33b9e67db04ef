import { GatewayError } from '../../services/shared/src/errors';
import { createCatalog } from '../../services/shared/src/catalog';
import type { ApiKey } from '../../services/shared/src/entities';
import { decodeUsageEvent, UsageEvent, ZERO_USAGE } from '../../services/shared/src/usage-event';
import { usageEventFixture } from '../helpers/usage-event';
import { RequestRecord } from '../../services/gateway/src/usage/record';

const catalog = createCatalog();
const key = { key_id: 'key_1', name: 'dev', workspace_id: 'ws' } as ApiKey;

function served(): RequestRecord {
  const r = new RequestRecord('req_gth_1', 'trace1', 'session1', 'messages', 100);
  r.key = key;
  r.provider = 'vertex-prod';
  r.providerKind = 'vertex';
  r.modelRequested = 'claude-sonnet-4-5';
  r.modelUpstream = 'claude-sonnet-4-5@20250929';
  r.usage = { ...ZERO_USAGE, input: 1000, output: 500 };
  r.ttfbMs = 12.3456789;
  r.attempts.push({ target: 'root', provider: 'vertex-prod', status: 200, latency_ms: 7.312055000000328 });
  r.answered(200);
  return r;
}

it('turns a served request into one schema-valid event, priced from the catalog, times to the microsecond', () => {
  const event = served().finish(catalog, 145.0004999)!;
  expect(UsageEvent.parse(event)).toEqual(event);
  expect(event).toMatchObject({
    request_id: 'req_gth_1',
    trace_id: 'trace1',
    session_id: 'session1',
    workspace_id: 'ws',
    key_id: 'key_1',
    provider: 'vertex-prod',
    model_upstream: 'claude-sonnet-4-5@20250929',
    cost_micros: 10_500, // 1000 × $3 + 500 × $15 per MTok
    latency_ms: 45,
    ttfb_ms: 12.346,
    attempts: [{ target: 'root', provider: 'vertex-prod', status: 200, latency_ms: 7.312 }],
  });
});

it('yields its event once: a request is never counted twice', () => {
  const r = served();
  expect(r.finish(catalog, 200)).toBeDefined();
  expect(r.finish(catalog, 300)).toBeUndefined();
});

it('records a cache hit as free, with the cost it saved', () => {
  const r = served();
  r.cacheStatus = 'HIT';
  const event = r.finish(catalog, 110)!;
  expect(event.usage).toEqual(ZERO_USAGE);
  expect(event.cost_micros).toBe(0);
  expect(event.cache).toEqual({ status: 'HIT', saved_micros: 10_500 });
});

it('calls a request that ended without an outcome by its status', () => {
  const rejected = new RequestRecord('req_gth_2', 't2', undefined, 'messages', 0);
  rejected.status = 401;
  const event = rejected.finish(catalog, 1)!;
  expect(event).toMatchObject({ outcome: 'gateway_error', status: 401, cost_micros: 0, usage: ZERO_USAGE });
  expect(event).not.toHaveProperty('session_id');
  expect(event).not.toHaveProperty('key_id');
});

describe('the record decides the outcome from what happened', () => {
  const attempt = { target: 'root', provider: 'vertex-prod', status: 500, latency_ms: 1 };
  const fresh = () => new RequestRecord('req_gth_3', 't3', undefined, 'messages', 0);
  it.each<[string, (r: RequestRecord) => void, string, number]>([
    ['an answer went out', (r) => r.answered(200), 'success', 200],
    [
      'the stream broke after the first byte',
      (r) => {
        r.answered(200);
        r.streamFailed('overloaded_error');
      },
      'upstream_error',
      200,
    ],
    [
      'the client left mid-answer',
      (r) => {
        r.answered(200);
        r.clientLeft();
      },
      'client_cancel',
      200,
    ],
    ['the client left before any answer', (r) => r.clientLeft(), 'client_cancel', 499],
    [
      'every target failed',
      (r) => {
        r.attempts.push(attempt);
        r.failed(new GatewayError('api_error', 'x'));
      },
      'upstream_error',
      500,
    ],
    ['the gateway refused it before any attempt', (r) => r.failed(new GatewayError('authentication_error', 'x')), 'rejected', 401],
    ['the gateway failed before any attempt', (r) => r.failed(new GatewayError('api_error', 'x', { status: 503 })), 'gateway_error', 503],
    ['the client closed while its body was read', (r) => r.failed(new GatewayError('invalid_request_error', 'x', { status: 499 })), 'client_cancel', 499],
  ])('%s', (_what, happen, outcome, status) => {
    const r = fresh();
    happen(r);
    expect(r.finish(catalog, 1)).toMatchObject({ outcome, status });
  });
});

describe('usage event versions', () => {
  it('decodes version 2 events and the version 1 events still in flight; refuses unknown versions', () => {
    const { version: _v, list_cost_micros: _l, priced: _p, ...v1 } = usageEventFixture({ version: 1 });
    expect(decodeUsageEvent(JSON.stringify({ ...v1, version: 1 }))).toMatchObject({ version: 1, cost_micros: 1000 });
    const v2 = usageEventFixture({
      priced: false,
      list_cost_micros: 0,
      estimated: { output_tokens: 3 },
      usage: { ...ZERO_USAGE, speed: 'fast', iterations: [{ type: 'compaction', input: 1, output: 1, cache_write_5m: 0, cache_write_1h: 0, cache_read: 0 }] },
    });
    expect(decodeUsageEvent(JSON.stringify(v2))).toEqual(v2);
    expect(decodeUsageEvent(JSON.stringify({ ...v2, version: 4 }))).toBeUndefined();
  });
});

it('marks a request unpriced only when it billed tokens its model has no price for', () => {
  const r = served();
  r.modelRequested = r.modelUpstream = 'claude-nobody-knows';
  expect(r.finish(catalog, 200)).toMatchObject({ priced: false, cost_micros: 0, list_cost_micros: 0 });
  const refused = served();
  refused.modelRequested = refused.modelUpstream = 'claude-nobody-knows';
  refused.usage = ZERO_USAGE;
  expect(refused.finish(catalog, 200)).toMatchObject({ priced: true, cost_micros: 0 });
});
