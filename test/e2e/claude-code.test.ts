import { startWorkloadIdentity } from '../helpers/workload-identity';
import { FAKE_METADATA_TOKEN, type FakeMetadata } from '../fakes/fake-metadata';
import { startFakeVertex } from '../fakes/fake-vertex';
import type { RecordedCall } from '../fakes/http-fake';
import { fakeAnswerText, type Fake, FAKE_TOKEN_USAGE } from '../fakes/script';
import { betasOf, describeRun, runClaude, startProxyTrap, startTap, type ClaudeRun, type ProxyTrap, type Tap, type TappedRequest } from '../helpers/claude-cli';
import { DEV_KEY, devSeed, startGateway, type TestGateway } from '../helpers/gateway';
import { closeAll } from '../helpers/listen';

/**
 * The real Claude Code CLI (`claude -p … --output-format json`, the version pinned in package.json)
 * → a recording tap → Gatehouse → fake Vertex (with the real google-auth-library metadata path).
 * The tap shows exactly what the CLI sent; nothing is assumed about how many requests one `-p` run
 * makes: every request is checked, and every one must have exactly one usage event. A proxy trap
 * proves that the CLI sends nothing to any other host.
 */
const REVOKED_KEY = 'gth_revoked_0123456789abcdef0123456789abcd';
const NO_SCOPE_KEY = 'gth_noscope_0123456789abcdef0123456789abcd';
const BROKE_KEY = 'gth_broketeam_0123456789abcdef0123456789ab';
const CLI_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 90_000;
const PROJECT = 'my-project';
const UPSTREAM_ROOT = `/v1/projects/${PROJECT}/locations/global/publishers/anthropic/models`;
/** Vertex-mode path as the CLI builds it (base URL with or without `/v1`). */
const CLI_VERTEX_PREDICT = /^(?:\/v1)?\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/anthropic\/models\/([^/:]+):(rawPredict|streamRawPredict)$/;

let metadata: FakeMetadata;
let vertex: Fake;
let gw: TestGateway;
let tap: Tap;
let trap: ProxyTrap;

beforeAll(async () => {
  metadata = await startWorkloadIdentity();
  vertex = await startFakeVertex({ token: FAKE_METADATA_TOKEN });
  const base = devSeed({ vertex: vertex.url });
  const devKey = base.api_keys![0];
  gw = await startGateway({
    seed: {
      ...base,
      api_keys: [
        ...base.api_keys!,
        { ...devKey, key: REVOKED_KEY, name: 'revoked-user', status: 'revoked' },
        { ...devKey, key: NO_SCOPE_KEY, name: 'reader', scopes: [] },
        { ...devKey, key: BROKE_KEY, name: 'broke-team-user', defaults: { ...devKey.defaults, metadata: { team: 'broke' } } },
      ],
    },
  });
  // A budget the worker has found exhausted (its status as the worker writes it).
  await gw.store.budgets.put('broke-team', {
    id: 'broke-team',
    name: 'Broke team',
    version: 1,
    scope: { type: 'metadata', key: 'team', value: 'broke' },
    metric: 'cost',
    limit: 5_000_000,
    period: { kind: 'none' },
    thresholds: [50, 80, 100],
    period_since: '2025-01-01T00:00:00.000Z',
  });
  await gw.store.budgetStatus.put('broke-team', {
    budget_id: 'broke-team',
    version: 1,
    window_start: '2025-01-01T00:00:00.000Z',
    usage: 5_250_000,
    limit: 5_000_000,
    state: 'exhausted',
    alerted: [50, 80, 100],
    updated_at: '2025-06-01T00:00:00.000Z',
  });
  tap = await startTap(gw.url);
  trap = await startProxyTrap();
});

afterAll(() => closeAll(tap, trap, gw, vertex, metadata));

beforeEach(async () => {
  vertex.reset();
  await gw.clearEvents();
  tap.requests.length = 0;
  trap.hits.length = 0;
});

/** Runs the CLI against the tap; assertion failures inside `check` carry the CLI's stderr and output. */
async function claude(env: Record<string, string>): Promise<ClaudeRun> {
  return runClaude({ env, proxyUrl: trap.url, timeoutMs: CLI_TIMEOUT_MS });
}

async function check(run: ClaudeRun, assertions: () => void | Promise<void>): Promise<void> {
  try {
    await assertions();
  } catch (err) {
    const requests = tap.requests.map((r) => `${r.method} ${r.url} → ${r.status}${r.errorBody ? ` ${r.errorBody}` : ''}`).join('\n');
    (err as Error).message += `\n\n${describeRun(run)}\n--- requests the CLI sent ---\n${requests || '(none)'}\n--- gateway logs (last 5) ---\n${gw.logs
      .slice(-5)
      .map((l) => JSON.stringify(l))
      .join('\n')}`;
    throw err;
  }
}

/** A model call as the CLI sent it, normalised over both modes. */
interface CliModelCall {
  req: TappedRequest;
  model: string;
  stream: boolean;
}

function modelCall(req: TappedRequest): CliModelCall | undefined {
  if (req.method !== 'POST') return undefined;
  if (req.path === '/v1/messages') return { req, model: String(req.body?.model), stream: req.body?.stream === true };
  const m = CLI_VERTEX_PREDICT.exec(req.path);
  if (m && m[3] !== 'count-tokens') return { req, model: decodeURIComponent(m[3]), stream: m[4] === 'streamRawPredict' };
  return undefined;
}

function isCountTokens(req: TappedRequest): boolean {
  return req.method === 'POST' && (req.path === '/v1/messages/count_tokens' || /\/models\/count-tokens:rawPredict$/.test(req.path));
}

/** Takes the fake Vertex call that carried this CLI request's conversation (calls may interleave). */
function takeUpstreamCall(pending: RecordedCall[], call: CliModelCall): RecordedCall {
  const messages = JSON.stringify(call.req.body?.messages);
  const i = pending.findIndex((c) => !c.path.includes('count-tokens') && JSON.stringify(c.body?.messages) === messages);
  expect(i).toBeGreaterThanOrEqual(0);
  return pending.splice(i, 1)[0];
}

/**
 * Everything a successful run must show, whatever the mode: the answer printed, each model call
 * forwarded to Vertex in Vertex's shape, the gateway key kept off the upstream, and one usage event
 * per request with exact cost and the CLI's session id.
 */
async function expectServedByVertex(run: ClaudeRun): Promise<CliModelCall[]> {
  expect(run.timedOut).toBe(false);
  expect(run.code).toBe(0);
  expect(run.json).toMatchObject({ type: 'result', is_error: false });
  expect(run.json!.result).toContain(fakeAnswerText('fake-vertex'));
  expect(trap.hits).toEqual([]);

  // Every request the CLI made is a model call or a token count, and the gateway answered each with 200.
  const unexpected = tap.requests.filter((r) => !modelCall(r) && !isCountTokens(r));
  expect(unexpected.map((r) => `${r.method} ${r.url}`)).toEqual([]);
  expect(tap.requests.map((r) => r.status)).toEqual(tap.requests.map(() => 200));
  const calls = tap.requests.map(modelCall).filter((c): c is CliModelCall => c !== undefined);
  expect(calls.length).toBeGreaterThanOrEqual(1);

  const { catalog } = gw.deps;
  const pending = [...vertex.calls];
  for (const call of calls) {
    // The CLI's model must be one the catalog knows (an unknown id would still be forwarded, unpriced).
    expect(catalog.resolve(call.model)).toBeDefined();
    const upstreamModel = catalog.providerModelId('vertex', call.model);
    const up = takeUpstreamCall(pending, call);
    expect(up.path).toBe(`${UPSTREAM_ROOT}/${upstreamModel}:${call.stream ? 'streamRawPredict' : 'rawPredict'}`);
    expect(up.query).toEqual({});
    expect(up.body.model).toBeUndefined();
    expect(up.body.anthropic_version).toBe('vertex-2023-10-16');
    expect(up.body.stream).toBe(call.stream ? true : up.body.stream);
    // Betas: the catalog's Vertex policy applied to what the CLI sent, nothing else.
    const sent = betasOf(call.req.headers);
    const expected = catalog.filterBetas('vertex', sent);
    expect(sent.length).toBeGreaterThan(0);
    expect(betasOf(up.headers)).toEqual(expected);
    // Google credentials upstream; the Gatehouse key never leaves the gateway.
    expect(up.headers.authorization).toBe(`Bearer ${FAKE_METADATA_TOKEN}`);
    expect(up.headers['x-gatehouse-api-key']).toBeUndefined();
    expect(up.headers['x-api-key']).toBeUndefined();
    expect(up.rawBody).not.toContain(DEV_KEY);
    expect(JSON.stringify(up.headers)).not.toContain(DEV_KEY);
  }
  // Nothing reached Vertex that the CLI did not ask for (count-tokens calls aside).
  expect(pending.filter((c) => !c.path.includes('count-tokens'))).toEqual([]);

  // One usage event per request, tied by the gateway's request id.
  const events = await gw.waitForEvents(tap.requests.length);
  await new Promise((r) => setTimeout(r, 100));
  expect(gw.events).toHaveLength(tap.requests.length);
  for (const req of tap.requests) {
    const mine = events.filter((e) => e.request_id === req.requestId);
    expect(mine).toHaveLength(1);
    const [event] = mine;
    const sessionId = req.headers['x-claude-code-session-id'];
    expect(sessionId).toBe(run.json!.session_id);
    expect(event).toMatchObject({ outcome: 'success', status: 200, key_name: 'dev', workspace_id: 'dev', provider: 'vertex-prod', session_id: sessionId });
    const call = modelCall(req);
    if (!call) continue;
    expect(event).toMatchObject({
      stream: call.stream,
      model_requested: call.model,
      model_upstream: catalog.providerModelId('vertex', call.model),
      usage: FAKE_TOKEN_USAGE,
    });
    const cost = catalog.costMicros(event.model_upstream!, event.usage);
    expect(cost).toBeGreaterThan(0);
    expect(event.cost_micros).toBe(cost);
  }
  return calls;
}

describe('Claude Code → Gatehouse (first-party mode: ANTHROPIC_BASE_URL + ANTHROPIC_AUTH_TOKEN)', () => {
  it(
    'answers `claude -p` through Vertex with the model mapped, betas filtered and usage recorded',
    async () => {
      const run = await claude({ ANTHROPIC_BASE_URL: tap.url, ANTHROPIC_AUTH_TOKEN: DEV_KEY });
      await check(run, async () => {
        const calls = await expectServedByVertex(run);
        for (const { req } of calls) {
          // What Claude Code 2.1.x sends in this mode: the Messages API with `?beta=true`, bearer auth.
          expect(req.url).toBe('/v1/messages?beta=true');
          expect(req.headers.authorization).toBe(`Bearer ${DEV_KEY}`);
          expect(req.body.stream).toBe(true);
        }
      });
    },
    TEST_TIMEOUT_MS,
  );
});

describe('Claude Code → Gatehouse (Vertex mode: CLAUDE_CODE_USE_VERTEX + CLAUDE_CODE_SKIP_VERTEX_AUTH)', () => {
  const vertexEnv = (baseUrl: string) => ({
    CLAUDE_CODE_USE_VERTEX: '1',
    CLAUDE_CODE_SKIP_VERTEX_AUTH: '1',
    ANTHROPIC_VERTEX_BASE_URL: baseUrl,
    ANTHROPIC_VERTEX_PROJECT_ID: 'whatever',
    CLOUD_ML_REGION: 'global',
    ANTHROPIC_CUSTOM_HEADERS: `x-gatehouse-api-key: ${DEV_KEY}`,
  });

  it.each([
    ['<gateway>/v1', '/v1', /^\/v1\/projects\/whatever\/locations\/global\/publishers\/anthropic\/models\/[^/:]+:(stream)?[rR]awPredict$/],
    ['<gateway> (no /v1)', '', /^\/projects\/whatever\/locations\/global\/publishers\/anthropic\/models\/[^/:]+:(stream)?[rR]awPredict$/],
  ])(
    'answers `claude -p` with ANTHROPIC_VERTEX_BASE_URL=%s, re-targeted at the provider’s project',
    async (_label, suffix, cliPath) => {
      const run = await claude(vertexEnv(`${tap.url}${suffix}`));
      await check(run, async () => {
        const calls = await expectServedByVertex(run);
        for (const { req } of calls) {
          expect(req.path).toMatch(cliPath);
          // Vertex-shaped body from the CLI: no model, its own anthropic_version; the key only in the custom header.
          expect(req.body.model).toBeUndefined();
          expect(req.body.anthropic_version).toBe('vertex-2023-10-16');
          expect(req.headers['x-gatehouse-api-key']).toBe(DEV_KEY);
          expect(req.headers.authorization).toBeUndefined();
        }
      });
    },
    TEST_TIMEOUT_MS,
  );
});

describe('Claude Code shows the gateway’s errors', () => {
  /** The message of the gateway's (single) error answer, as the tap saw it. */
  function gatewayMessage(status: number): string {
    const errors = tap.requests.filter((r) => r.status === status);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    const body = JSON.parse(errors[0].errorBody ?? '{}');
    expect(body).toMatchObject({ type: 'error', request_id: expect.stringMatching(/^req_gth_/) });
    return body.error.message;
  }

  /**
   * A request the gateway refuses: one request, Claude Code exits non-zero printing the gateway's
   * message, nothing reaches Vertex or the internet, and one rejected usage event records it.
   */
  async function expectRefused(run: ClaudeRun, status: number, fragment: string, event: Record<string, unknown>): Promise<void> {
    await check(run, async () => {
      expect(run.timedOut).toBe(false);
      expect(run.code).not.toBe(0);
      expect(tap.requests).toHaveLength(1);
      const message = gatewayMessage(status);
      expect(message).toContain(fragment);
      expect(run.json).toMatchObject({ is_error: true, api_error_status: status });
      expect(run.json!.result).toContain(message);
      expect(vertex.calls).toHaveLength(0);
      expect(trap.hits).toEqual([]);
      const [recorded] = await gw.waitForEvents(1);
      expect(recorded).toMatchObject({ status, outcome: 'rejected', cost_micros: 0, ...event });
    });
  }

  it(
    'a revoked key: 401 authentication_error, printed, nothing sent upstream',
    async () => {
      // Claude Code retries 401s like 5xx (11 tries over minutes): CLAUDE_CODE_MAX_RETRIES=0 keeps this to one request.
      const run = await claude({ ANTHROPIC_BASE_URL: tap.url, ANTHROPIC_AUTH_TOKEN: REVOKED_KEY, CLAUDE_CODE_MAX_RETRIES: '0' });
      await expectRefused(run, 401, 'API key "revoked-user" has been revoked', { error_type: 'authentication_error' });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'an exhausted budget: 402 billing_error naming budget, usage and limit, shown at once, one request',
    async () => {
      // Default retry settings: Claude Code does not retry a 402.
      const run = await claude({ ANTHROPIC_BASE_URL: tap.url, ANTHROPIC_AUTH_TOKEN: BROKE_KEY });
      await expectRefused(run, 402, 'Gatehouse budget "Broke team" (broke-team) is exhausted: $5.25 used of its $5.00 limit.', { error_type: 'billing_error' });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'an input guardrail that denies: 400 naming the guardrail, printed, one request and nothing upstream',
    async () => {
      const config = {
        provider: '@vertex-prod',
        input_guardrails: [{ id: 'needs-cost-center', action: 'deny', checks: [{ type: 'required_metadata', keys: ['cost_center'] }] }],
      };
      const run = await claude({
        ANTHROPIC_BASE_URL: tap.url,
        ANTHROPIC_AUTH_TOKEN: DEV_KEY,
        ANTHROPIC_CUSTOM_HEADERS: `x-gatehouse-config: ${JSON.stringify(config)}`,
      });
      await check(run, async () => {
        expect(run.timedOut).toBe(false);
        expect(run.code).not.toBe(0);
        // The refusal's `dlp_request_denied` code makes it final for Claude Code: no feature-dropping resends (docs/claude-code.md §4.1).
        expect(tap.requests).toHaveLength(1);
        expect(tap.requests[0].status).toBe(400);
        expect(JSON.parse(tap.requests[0].errorBody!).error.details).toEqual({ error_code: 'dlp_request_denied' });
        const message = gatewayMessage(400);
        expect(message).toBe(
          'Input guardrail "needs-cost-center" denied the request: required_metadata:cost_center in metadata. The matched text is not repeated here.',
        );
        expect(run.json).toMatchObject({ is_error: true, api_error_status: 400 });
        expect(run.json!.result).toBe(`API Error: 400 ${message}`);
        expect(vertex.calls).toHaveLength(0);
        const [recorded] = await gw.waitForEvents(1);
        expect(recorded).toMatchObject({
          status: 400,
          outcome: 'rejected',
          guardrails: [{ id: 'needs-cost-center', action: 'deny', location: 'input:metadata', detector: 'required_metadata:cost_center' }],
        });
      });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a key without the completions scope: 403 permission_error, not retried, printed',
    async () => {
      // Default retry settings: Claude Code does not retry a 403, so this is one request and a quick exit.
      const run = await claude({ ANTHROPIC_BASE_URL: tap.url, ANTHROPIC_AUTH_TOKEN: NO_SCOPE_KEY });
      await expectRefused(run, 403, 'lacks the "completions" scope', { error_type: 'permission_error', key_name: 'reader' });
    },
    TEST_TIMEOUT_MS,
  );
});
