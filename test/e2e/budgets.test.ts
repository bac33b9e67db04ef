import Anthropic from '@anthropic-ai/sdk';
import { FAKE_METADATA_TOKEN, type FakeMetadata } from '../fakes/fake-metadata';
import { startFakeVertex } from '../fakes/fake-vertex';
import { FAKE_TOKEN_USAGE, SONNET_COST_MICROS, type Fake } from '../fakes/script';
import { eventually } from '../helpers/emulators';
import { DEV_KEY, devSeed, startGateway, type TestGateway } from '../helpers/gateway';
import { closeAll } from '../helpers/listen';
import { startWorkloadIdentity } from '../helpers/workload-identity';
import { call } from './admin-fixtures';

/**
 * Budgets end to end in one process: admin API → gateway → usage events → the worker's pipeline →
 * budget status → the gateway's 402, and back when the limit is raised.
 */
const ADMIN = 'gth_budget_admin_0123456789abcdef0123456789';
let metadata: FakeMetadata;
let vertex: Fake;
let gw: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  metadata = await startWorkloadIdentity();
  vertex = await startFakeVertex({ token: FAKE_METADATA_TOKEN });
  gw = await startGateway({
    seed: devSeed(
      { vertex: vertex.url },
      {
        api_keys: [
          {
            key: ADMIN,
            name: 'admin',
            type: 'organisation',
            kind: 'service',
            scopes: ['budgets.read', 'budgets.write', 'analytics.view'],
            status: 'active',
            defaults: {},
          },
        ],
      },
    ),
  });
  client = new Anthropic({ baseURL: gw.url, apiKey: DEV_KEY, maxRetries: 0, logLevel: 'error' });
});
afterAll(() => closeAll(gw, vertex, metadata));

const ask = () => client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });

it('counts usage into a budget, refuses with 402 once it is exhausted, and re-admits when the limit is raised', async () => {
  const limit = SONNET_COST_MICROS * 2;
  const body = {
    name: 'Dev team',
    scope: { type: 'metadata', key: 'team', value: 'dev' },
    metric: 'cost',
    limit,
    period: { kind: 'day', time_zone: 'Europe/Paris' },
  };
  const made = await call(gw, ADMIN, 'POST', '/admin/v1/budgets', { id: 'dev-team', ...body });
  expect(made.status).toBe(201);
  expect(made.body).toMatchObject({ id: 'dev-team', version: 1, thresholds: [50, 80, 100], status: null });
  // The gateway counts its own spend only into budgets its listener has delivered.
  await eventually(async () => expect(gw.deps.budgets.listeners.budgets.get('dev-team')).toBeDefined());

  await ask();
  await ask();
  await gw.waitForEvents(2); // a request's spend counts once its usage event is built, ~1 ms after the response
  // Refused on the gateway's own spend, or, when a status counting only the first request arrived
  // meanwhile (it replaces the own spend before it), on the worker's next status.
  await eventually(() => expect(() => gw.deps.budgets.admit({ metadata: { team: 'dev' } }, Date.now())).toThrow('is exhausted'));
  const refused = await ask().catch((e: unknown) => e as InstanceType<typeof Anthropic.APIError>);
  expect(refused).toBeInstanceOf(Anthropic.APIError);
  // Paris midnight is 22:00 or 23:00 UTC; under a cent, the amount shows to the micro-dollar.
  const usd = (limit / 1e6).toFixed(6).replace('.', '\\.');
  expect((refused as InstanceType<typeof Anthropic.APIError>).status).toBe(402);
  expect((refused as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
    error: {
      type: 'billing_error',
      message: expect.stringMatching(
        new RegExp(
          `^Gatehouse budget "Dev team" \\(dev-team\\) is exhausted: \\$${usd} used of its \\$${usd} limit\\. It resets at \\d{4}-\\d\\d-\\d\\dT2[23]:00:00\\.000Z\\.$`,
        ),
      ),
    },
  });
  expect(vertex.calls).toHaveLength(2);

  // The worker's status, as the admin API shows it.
  await gw.waitForEvents(3);
  await gw.pipeline.aggregator.flush();
  const status = await call(gw, ADMIN, 'GET', '/admin/v1/budgets/dev-team');
  expect(status.body.status).toMatchObject({ usage: SONNET_COST_MICROS * 2, limit, state: 'exhausted', alerted: [50, 80, 100] });
  expect(gw.logs.filter((l) => l.message === 'budget threshold reached').map((l) => l.threshold)).toEqual([50, 80, 100]);
  // The same three alerts in the history, once each, kept as long as the request logs (30 days).
  const history = await call(gw, ADMIN, 'GET', '/admin/v1/budget-alerts?budget_id=dev-team');
  expect(history.status).toBe(200);
  expect(history.body.data.map((a: { threshold: number }) => a.threshold).sort()).toEqual([100, 50, 80]);
  for (const a of history.body.data) {
    // An alert records the usage it fired at: the first request alone reaches 50% when the worker
    // commits the two events apart, so the 50% alert says one request's cost or two.
    const firedAt = a.threshold === 50 ? [SONNET_COST_MICROS, SONNET_COST_MICROS * 2] : [SONNET_COST_MICROS * 2];
    expect(firedAt).toContain(a.usage);
    expect(a).toMatchObject({
      budget_id: 'dev-team',
      budget_name: 'Dev team',
      limit,
      window_start: status.body.status.window_start,
    });
    expect(Date.parse(a.expires_at) - Date.parse(a.time)).toBe(30 * 86_400_000);
  }

  // Raising the limit keeps the day's usage and re-admits.
  const raised = await call(gw, ADMIN, 'PUT', '/admin/v1/budgets/dev-team', { ...body, limit: limit * 10, version: 1 });
  expect(raised.body).toMatchObject({ version: 2, period_since: made.body.period_since });
  await eventually(() => gw.deps.budgets.admit({ metadata: { team: 'dev' } }, Date.now())); // the listener has delivered it
  expect((await ask()).type).toBe('message');
  await gw.waitForEvents(4);
  await gw.pipeline.aggregator.flush();
  expect((await call(gw, ADMIN, 'GET', '/admin/v1/budgets/dev-team')).body.status).toMatchObject({ usage: SONNET_COST_MICROS * 3, state: 'ok', version: 2 });

  // A stale version is a conflict; changing the time zone starts a new window.
  expect((await call(gw, ADMIN, 'PUT', '/admin/v1/budgets/dev-team', { ...body, version: 1 })).status).toBe(409);
  const moved = await call(gw, ADMIN, 'PUT', '/admin/v1/budgets/dev-team', { ...body, period: { kind: 'day', time_zone: 'UTC' } });
  expect(moved.body.period_since > made.body.period_since).toBe(true);
});

it('reports usage by model, provider and metadata value over a date range from the rollups', async () => {
  await gw.clearEvents();
  await gw.pipeline.aggregator.flush();
  const today = new Date().toISOString().slice(0, 10);
  const byTeam = await call(gw, ADMIN, 'GET', `/admin/v1/usage/breakdown?by=metadata.team&from=${today}&to=${today}`);
  expect(byTeam.status).toBe(200);
  const dev = byTeam.body.data.find((d: { value: string }) => d.value === 'dev');
  expect(dev).toMatchObject({ requests: 4, cost_micros: SONNET_COST_MICROS * 3, output: FAKE_TOKEN_USAGE.output * 3 });
  const byModel = await call(gw, ADMIN, 'GET', `/admin/v1/usage/breakdown?by=model&from=${today}&to=${today}`);
  expect(byModel.body.data).toEqual([expect.objectContaining({ value: 'claude-sonnet-4-6', requests: 4 })]);
  const bad = await call(gw, ADMIN, 'GET', `/admin/v1/usage/breakdown?by=colour&from=${today}&to=${today}`);
  expect(bad.status).toBe(400);
  expect(bad.body.error.message).toContain('key, workspace, provider, model or metadata.<name>');
});

it('refuses a budget with an unknown time zone, naming it', async () => {
  const res = await call(gw, ADMIN, 'POST', '/admin/v1/budgets', {
    id: 'bad-tz',
    name: 'x',
    scope: { type: 'workspace', workspace_id: 'dev' },
    metric: 'tokens',
    limit: 10,
    period: { kind: 'day', time_zone: 'Mars/Olympus' },
  });
  expect(res.status).toBe(400);
  expect(res.body.error.message).toContain('unknown IANA time zone "Mars/Olympus"');
});
