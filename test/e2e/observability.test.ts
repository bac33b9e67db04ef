import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { ALL_SCOPES } from '../../services/gateway/src/admin/scopes';
import { FAKE_METADATA_TOKEN, type FakeMetadata } from '../fakes/fake-metadata';
import { startFakeVertex } from '../fakes/fake-vertex';
import type { Fake } from '../fakes/script';
import { DEV_KEY, devSeed, startGateway, type TestGateway } from '../helpers/gateway';
import { eventually } from '../helpers/emulators';
import { closeAll } from '../helpers/listen';
import { positives } from '../helpers/secret-corpus';
import { startWorkloadIdentity } from '../helpers/workload-identity';

/**
 * A real client's requests through the gateway and the worker, found again through the admin API:
 * the log by trace and session, its detail, and the analytics that count it; and the log lines that
 * join Cloud Trace.
 */
const ADMIN = 'gth_test_observability_admin_0000000000000';
const bodyDir = mkdtempSync(join(tmpdir(), 'gatehouse-obs-bodies-'));
let metadata: FakeMetadata;
let vertex: Fake;
let gw: TestGateway;

beforeAll(async () => {
  metadata = await startWorkloadIdentity();
  vertex = await startFakeVertex({ token: FAKE_METADATA_TOKEN });
  gw = await startGateway({
    seed: devSeed(
      { vertex: vertex.url },
      { api_keys: [{ key: ADMIN, name: 'admin', type: 'organisation', kind: 'user', scopes: [...ALL_SCOPES], status: 'active', defaults: {} }] },
    ),
    env: { GATEHOUSE_BODY_DIR: bodyDir },
  });
});
afterAll(async () => {
  await closeAll(gw, vertex, metadata);
  rmSync(bodyDir, { recursive: true, force: true });
});
beforeEach(() => gw.clearEvents());

async function admin(path: string, patch?: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${gw.url}/admin/v1${path}`, {
    method: patch ? 'PATCH' : 'GET',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    ...(patch ? { body: JSON.stringify(patch) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

function ask(headers: Record<string, string>, model = 'claude-sonnet-4-6') {
  const client = new Anthropic({ baseURL: gw.url, apiKey: DEV_KEY, maxRetries: 0, logLevel: 'error', defaultHeaders: headers });
  return client.messages.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
}

const requestLines = (requestId: string) => gw.logs.filter((l) => l.requestId === requestId);

describe('tracing', () => {
  it('joins the Cloud Trace of a traceparent header: trace, span and the usage event', async () => {
    await ask({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    const [event] = await gw.waitForEvents(1);
    expect(event).toMatchObject({
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      cloud_trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
    });
    const done = requestLines(event.request_id).find((l) => l.message === 'request done')!;
    expect(done).toMatchObject({
      'logging.googleapis.com/trace': 'projects/local/traces/4bf92f3577b34da6a3ce929d0e0e4736',
      'logging.googleapis.com/spanId': '00f067aa0ba902b7',
      'logging.googleapis.com/trace_sampled': true,
    });
  });

  it("reads Google's x-cloud-trace-context (decimal span) and keeps a client's own trace id", async () => {
    await ask({ 'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1', 'x-gatehouse-trace-id': 'my-run-7' });
    const [event] = await gw.waitForEvents(1);
    expect(event).toMatchObject({ trace_id: 'my-run-7', cloud_trace_id: '105445aa7843bc8bf206b12000100000', span_id: '0000000000000001' });
    const done = requestLines(event.request_id).find((l) => l.message === 'request done')!;
    expect(done['logging.googleapis.com/trace']).toBe('projects/local/traces/105445aa7843bc8bf206b12000100000');
  });

  it('ignores a malformed traceparent', async () => {
    await ask({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' });
    const [event] = await gw.waitForEvents(1);
    expect(event.cloud_trace_id).toBeUndefined();
    expect(event.trace_id).not.toBe('00000000000000000000000000000000');
  });
});

describe('request logs and analytics through the admin API', () => {
  it('finds a Claude Code session by trace id and metadata, with its detail, then counts it', async () => {
    await ask({ 'x-gatehouse-trace-id': 'obs-trace-1', 'x-claude-code-session-id': 'obs-session', 'x-gatehouse-metadata': '{"ticket":"T-1"}' });
    await ask({ 'x-gatehouse-trace-id': 'obs-trace-1', 'x-claude-code-session-id': 'obs-session' }, 'claude-haiku-4-5');
    const events = await gw.waitForEvents(2);
    await gw.pipeline.aggregator.flush();

    const byTrace = await admin('/logs?trace_id=obs-trace-1');
    expect(byTrace.status).toBe(200);
    expect(byTrace.body.data.map((l: { id: string }) => l.id).sort()).toEqual(events.map((e) => e.request_id).sort());
    const bySession = await admin('/logs?session_id=obs-session&metadata.ticket=T-1');
    expect(bySession.body.data).toHaveLength(1);
    expect(bySession.body.data[0]).toMatchObject({ model_requested: 'claude-sonnet-4-6', metadata: { team: 'dev', ticket: 'T-1' }, outcome: 'success' });

    const detail = await admin(`/logs/${events[0].request_id}`);
    expect(detail.body).toMatchObject({ id: events[0].request_id, attempts: [expect.objectContaining({ status: 200 })], workspace_id: 'dev' });
    expect(detail.body.bodies).toBeUndefined(); // not captured by default

    const today = new Date().toISOString().slice(0, 10);
    const series = await admin(`/analytics/groups?from=${today}&to=${today}&group_by=metadata.ticket`);
    expect(series.body.data).toEqual([expect.objectContaining({ value: 'T-1', requests: 1, cost_micros: events.find((e) => e.metadata.ticket)!.cost_micros })]);
    const csv = await admin(`/analytics/timeseries?from=${today}&to=${today}&granularity=hour&format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((csv.body as string).split('\r\n')[0]).toMatch(/^start,requests,errors/);
  });

  it('answers bad queries with 400s naming the parameter', async () => {
    expect((await admin('/logs?colour=red')).body.error.message).toMatch(/unknown field "colour"/);
    expect((await admin('/logs?from=2026-02-30')).body.error.message).toMatch(/from: "2026-02-30" is not a date/);
    expect((await admin('/analytics/groups?from=2026-01-02&to=2026-01-01&group_by=model')).body.error.message).toMatch(/is after to/);
    expect((await admin('/analytics/groups?from=2026-01-01&to=2026-01-02&group_by=colour')).status).toBe(400);
    expect((await admin('/logs/req_gth_nope')).status).toBe(404);
  });
});

describe('body capture', () => {
  it("stores a capturing workspace's request and streamed response, shown in the log's detail", async () => {
    expect((await admin('/workspaces/dev', { defaults: { capture_bodies: true } })).status).toBe(200);
    await eventually(() => gw.deps.workspaces.get('dev')?.defaults.capture_bodies === true);
    const client = new Anthropic({ baseURL: gw.url, apiKey: DEV_KEY, maxRetries: 0, logLevel: 'error' });
    await client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: 'capture me' }] }).finalMessage();
    const [event] = await gw.waitForEvents(1);
    expect(event.bodies_captured).toBe(true);
    await gw.pipeline.aggregator.flush();
    await gw.deps.bodies!.idle();
    const detail = await admin(`/logs/${event.request_id}`);
    expect(detail.body.bodies.request).toMatchObject({ content_type: 'application/json', truncated: false });
    expect(JSON.parse(detail.body.bodies.request.text).messages[0].content).toBe('capture me');
    expect(detail.body.bodies.response.content_type).toMatch(/^text\/event-stream/);
    expect(detail.body.bodies.response.text).toMatch(/^event: message_start/);
    expect(detail.body.bodies.response.text).toContain('event: message_stop');
    await admin('/workspaces/dev', { defaults: { capture_bodies: null } });
  });

  it('stores the request as guardrails redacted it (what went upstream) and the answer as the client got it', async () => {
    expect((await admin('/workspaces/dev', { defaults: { capture_bodies: true } })).status).toBe(200);
    await eventually(() => gw.deps.workspaces.get('dev')?.defaults.capture_bodies === true);
    const secret = positives().find((p) => p.detector === 'github_token')!.secret;
    const config = {
      provider: '@vertex-prod',
      input_guardrails: [{ id: 'no-secrets', action: 'redact', checks: ['secrets'] }],
      output_guardrails: [{ id: 'no-fakes', action: 'redact', checks: [{ type: 'words', words: ['fake-vertex'] }] }],
    };
    const client = new Anthropic({
      baseURL: gw.url,
      apiKey: DEV_KEY,
      maxRetries: 0,
      logLevel: 'error',
      defaultHeaders: { 'x-gatehouse-config': JSON.stringify(config) },
    });
    const answer = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 10, messages: [{ role: 'user', content: `token ${secret} here` }] });
    const [event] = await gw.waitForEvents(1);
    await gw.pipeline.aggregator.flush();
    await gw.deps.bodies!.idle();
    const { bodies } = (await admin(`/logs/${event.request_id}`)).body;
    const upstream = vertex.calls.at(-1)!.body.messages[0].content;
    expect(upstream).toMatch(/^token \[REDACTED:github_token:[0-9a-f]{8}\] here$/);
    expect(JSON.parse(bodies.request.text).messages[0].content).toBe(upstream);
    expect(bodies.request.text).not.toContain(secret);
    expect(answer.content[0]).toMatchObject({ type: 'text', text: expect.stringMatching(/^Hello from \[REDACTED:words:[0-9a-f]{8}\]$/) });
    expect(JSON.parse(bodies.response.text)).toEqual(answer);
    await admin('/workspaces/dev', { defaults: { capture_bodies: null } });
  });
});
