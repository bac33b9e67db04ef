import Anthropic from '@anthropic-ai/sdk';
import { FAKE_METADATA_TOKEN, type FakeMetadata } from '../fakes/fake-metadata';
import { startFakeVertex } from '../fakes/fake-vertex';
import { FAKE_TOKEN_USAGE, type Fake } from '../fakes/script';
import { DEV_KEY, devSeed, startGateway, type TestGateway } from '../helpers/gateway';
import { closeAll } from '../helpers/listen';
import { startWorkloadIdentity } from '../helpers/workload-identity';
import { call } from './admin-fixtures';

/**
 * Rate limits end to end in one process: the admin API writes one, the gateway answers 429 with a
 * retry-after to the window end and Anthropic's rate limit headers, token limits settle on usage.
 * The clock the limiter follows is moved to 50 s into a UTC minute, so the window end is near and known.
 */
const ADMIN = 'gth_ratelimit_admin_0123456789abcdef012345';
const WORKSPACE_ADMIN = 'gth_ratelimit_wsadmin_0123456789abcdef0123';
const MINUTE = 60_000;
let metadata: FakeMetadata;
let vertex: Fake;
let gw: TestGateway;
let shift = 0;
const clock = () => Date.now() + shift;

beforeAll(async () => {
  metadata = await startWorkloadIdentity();
  vertex = await startFakeVertex({ token: FAKE_METADATA_TOKEN });
  gw = await startGateway({
    wallClock: clock,
    seed: devSeed(
      { vertex: vertex.url },
      {
        api_keys: [
          { key: ADMIN, name: 'admin', type: 'organisation', kind: 'service', scopes: ['budgets.read', 'budgets.write'], status: 'active', defaults: {} },
          {
            key: WORKSPACE_ADMIN,
            name: 'ws admin',
            type: 'workspace',
            workspace_id: 'dev',
            kind: 'service',
            scopes: ['budgets.read', 'budgets.write'],
            status: 'active',
            defaults: {},
          },
        ],
      },
    ),
  });
});
afterAll(() => closeAll(gw, vertex, metadata));

/** A raw request, so every response header can be read. */
const ask = (maxTokens = 50) =>
  fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': DEV_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: maxTokens, messages: [{ role: 'user', content: 'hi' }] }),
  });

async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
}

it('refuses past the limit with 429, a truthful retry-after and anthropic-ratelimit-* headers', async () => {
  shift = (Math.floor(Date.now() / MINUTE) + 1) * MINUTE + 50_000 - Date.now();
  const made = await call(gw, WORKSPACE_ADMIN, 'POST', '/admin/v1/rate-limits', {
    id: 'dev-rpm',
    name: 'Dev per minute',
    scope: { type: 'workspace', workspace_id: 'dev' },
    unit: 'requests',
    per: 'minute',
    limit: 3,
  });
  expect(made.status).toBe(201);
  expect(made.body).toMatchObject({ id: 'dev-rpm', version: 1, workspace_id: 'dev' });
  await eventually(async () => (await ask()).status === 429);
  const admittedBefore = vertex.calls.length;
  expect(admittedBefore).toBe(3);

  const res = await ask();
  expect(res.status).toBe(429);
  const body = (await res.json()) as { error: { type: string; message: string } };
  expect(body.error.type).toBe('rate_limit_error');
  expect(body.error.message).toContain('Gatehouse rate limit "Dev per minute" (dev-rpm) reached: 3 requests per minute.');
  const windowEnd = (Math.floor(clock() / MINUTE) + 1) * MINUTE;
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBe(Math.ceil((windowEnd - clock()) / 1000));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(10);
  expect(res.headers.get('anthropic-ratelimit-requests-limit')).toBe('3');
  expect(res.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
  expect(res.headers.get('anthropic-ratelimit-requests-reset')).toBe(new Date(windowEnd).toISOString().replace('.000Z', 'Z'));
  expect(vertex.calls.length).toBe(admittedBefore); // refused before any upstream call

  // count_tokens generates nothing and is not limited.
  const count = await new Anthropic({ baseURL: gw.url, apiKey: DEV_KEY, maxRetries: 0, logLevel: 'error' }).messages.countTokens({
    model: 'claude-sonnet-4-6',
    messages: [{ role: 'user', content: 'hi' }],
  });
  expect(count.input_tokens).toBeGreaterThan(0);

  // A raised limit admits within the same window; the edit is versioned and audited.
  const upstreamCalls = vertex.calls.length;
  expect(
    (
      await call(gw, ADMIN, 'PUT', '/admin/v1/rate-limits/dev-rpm', {
        name: 'Dev per minute',
        scope: { type: 'workspace', workspace_id: 'dev' },
        unit: 'requests',
        per: 'minute',
        limit: 4,
        version: 0,
      })
    ).status,
  ).toBe(409);
  const raised = await call(gw, ADMIN, 'PUT', '/admin/v1/rate-limits/dev-rpm', {
    name: 'Dev per minute',
    scope: { type: 'workspace', workspace_id: 'dev' },
    unit: 'requests',
    per: 'minute',
    limit: 4,
    version: 1,
  });
  expect(raised.body).toMatchObject({ version: 2, limit: 4 });
  await eventually(async () => (await ask()).status === 200);
  expect(vertex.calls.length).toBe(upstreamCalls + 1);
  const actions = (await gw.store.audit.list()).filter((e) => e.target.type === 'rate_limit').map((e) => e.action);
  expect(actions).toEqual(['rate_limit.create', 'rate_limit.update']);
  expect((await call(gw, ADMIN, 'DELETE', '/admin/v1/rate-limits/dev-rpm')).status).toBe(204);
  await eventually(async () => (await ask()).status === 200);
});

it('admits tokens on max_tokens plus the input estimate, and settles on the usage', async () => {
  // The fake answers FAKE_TOKEN_USAGE; an estimate of max_tokens 1000 + the body fits twice in 2,500.
  const limit = 2500;
  expect(
    (
      await call(gw, ADMIN, 'POST', '/admin/v1/rate-limits', {
        id: 'dev-tpm',
        name: 'Dev tokens',
        scope: { type: 'key', key_id: (await gw.store.apiKeys.list()).find((k) => k.name === 'dev')!.key_id },
        unit: 'tokens',
        per: 'minute',
        limit,
      })
    ).status,
  ).toBe(201);
  await eventually(async () => (await call(gw, ADMIN, 'GET', '/admin/v1/rate-limits/dev-tpm')).status === 200);
  await new Promise((r) => setTimeout(r, 50));
  // Sequential requests: each one's estimate is refunded down to its actual usage when its event is out.
  const used = FAKE_TOKEN_USAGE.input + FAKE_TOKEN_USAGE.output;
  const fits = Math.floor(limit / used);
  let admitted = 0;
  for (let i = 0; i < fits + 3; i++) {
    const res = await ask(1000);
    if (res.status === 200) admitted++;
    else expect([res.status, await res.text(), res.headers.get('anthropic-ratelimit-tokens-limit')]).toEqual([429, expect.any(String), String(limit)]);
    await new Promise((r) => setTimeout(r, 20)); // the usage event settles the estimate
  }
  // Without settlement only 2 would fit (2 × ~1,020 estimated); with it, about limit / actual usage.
  expect(admitted).toBeGreaterThan(2);
  expect(admitted * used).toBeLessThanOrEqual(limit + 1000);
});

it('refuses a metadata-scoped rate limit, naming the problem', async () => {
  const res = await call(gw, ADMIN, 'POST', '/admin/v1/rate-limits', {
    id: 'meta',
    name: 'x',
    scope: { type: 'metadata', key: 'team', value: 'dev' },
    unit: 'requests',
    per: 'minute',
    limit: 10,
  });
  expect(res.status).toBe(400);
  expect(res.body.error.message).toContain('scope');
});
