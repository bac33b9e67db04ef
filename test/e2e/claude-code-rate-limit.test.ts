import { FAKE_METADATA_TOKEN, type FakeMetadata } from '../fakes/fake-metadata';
import { startFakeVertex } from '../fakes/fake-vertex';
import type { Fake } from '../fakes/script';
import { describeRun, runClaude, startProxyTrap, startTap, type ProxyTrap, type Tap } from '../helpers/claude-cli';
import { devSeed, startGateway, type TestGateway } from '../helpers/gateway';
import { closeAll } from '../helpers/listen';
import { startWorkloadIdentity } from '../helpers/workload-identity';

/**
 * The real Claude Code CLI against a rate limit that is reached: it gets a 429 with a `retry-after`
 * to the window's end, waits that long, and its retry (in the next window) is answered. The limiter's
 * clock is held at 56 s into a UTC minute until the CLI has been refused, so the wait is a few seconds,
 * not a minute, however long the CLI takes to start on a busy machine; then it runs on from there.
 */
const LIMITED_KEY = 'gth_limited_0123456789abcdef0123456789abcd';
const MINUTE = 60_000;
const LIMIT = 3;
let metadata: FakeMetadata;
let vertex: Fake;
let gw: TestGateway;
let tap: Tap;
let trap: ProxyTrap;
let frozenAt: number | undefined;
let shift = 0;

/** The gateway's clock: held at `frozenAt` until the tap has seen a 429, then running on from that
 * request's arrival. */
function wallClock(): number {
  const refused = frozenAt === undefined ? undefined : tap?.requests.find((r) => r.status === 429);
  if (frozenAt !== undefined && refused) {
    shift = frozenAt - refused.at;
    frozenAt = undefined;
  }
  return frozenAt ?? Date.now() + shift;
}

beforeAll(async () => {
  metadata = await startWorkloadIdentity();
  vertex = await startFakeVertex({ token: FAKE_METADATA_TOKEN });
  const base = devSeed({ vertex: vertex.url });
  gw = await startGateway({
    wallClock,
    seed: {
      ...base,
      api_keys: [{ ...base.api_keys![0], key: LIMITED_KEY, key_id: 'key_limited', name: 'limited-user' }],
      rate_limits: [
        { id: 'limited-rpm', name: 'Three a minute', scope: { type: 'key', key_id: 'key_limited' }, unit: 'requests', per: 'minute', limit: LIMIT },
      ],
    },
  });
  tap = await startTap(gw.url);
  trap = await startProxyTrap();
});
afterAll(() => closeAll(tap, trap, gw, vertex, metadata));

it('Claude Code waits the retry-after of a 429 rate_limit_error, and its retry in the next window succeeds', async () => {
  frozenAt = (Math.floor(Date.now() / MINUTE) + 1) * MINUTE + 56_000;
  // The window's requests used up before the CLI starts.
  for (let i = 0; i < LIMIT; i++) {
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': LIMITED_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
  }
  const run = await runClaude({ env: { ANTHROPIC_BASE_URL: tap.url, ANTHROPIC_AUTH_TOKEN: LIMITED_KEY }, proxyUrl: trap.url, timeoutMs: 60_000 });
  try {
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(0);
    const calls = tap.requests.filter((r) => r.method === 'POST' && r.path === '/v1/messages');
    const refusedAt = calls.findIndex((r) => r.status === 429);
    expect(refusedAt).toBeGreaterThanOrEqual(0);
    const refused = calls[refusedAt];
    expect(JSON.parse(refused.errorBody ?? '{}').error).toMatchObject({
      type: 'rate_limit_error',
      message: expect.stringContaining('"Three a minute" (limited-rpm) reached'),
    });
    const retryAfter = Number(refused.retryAfter);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(5);
    // The next request came after the wait it was told (a little slack for the tap's own timing) and was admitted.
    const next = calls[refusedAt + 1];
    expect(next).toBeDefined();
    expect(next.at - refused.at).toBeGreaterThanOrEqual(retryAfter * 1000 - 250);
    expect(next.status).toBe(200);
    expect(trap.hits).toEqual([]);
  } catch (err) {
    const requests = tap.requests.map((r) => `${r.method} ${r.url} at ${r.at} → ${r.status} retry-after=${r.retryAfter}`).join('\n');
    (err as Error).message += `\n\n${describeRun(run)}\n--- requests the CLI sent ---\n${requests}`;
    throw err;
  }
}, 90_000);
