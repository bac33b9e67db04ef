import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claudeIdentitySettings } from '../../services/gateway/src/claude-settings';
import { identityId } from '../../services/gateway/src/auth/identity-mapping';
import { FAKE_METADATA_TOKEN, type FakeMetadata } from '../fakes/fake-metadata';
import { type FakeOidcIssuer, startFakeOidcIssuer } from '../fakes/fake-oidc-issuer';
import { startFakeVertex } from '../fakes/fake-vertex';
import { fakeAnswerText, type Fake } from '../fakes/script';
import { describeRun, type ProxyTrap, runClaude, startProxyTrap, startTap, type Tap } from '../helpers/claude-cli';
import { devSeed, startGateway, type TestGateway } from '../helpers/gateway';
import { closeAll } from '../helpers/listen';
import { startWorkloadIdentity } from '../helpers/workload-identity';

/**
 * Keyless Claude Code: the real CLI, configured with the settings `gatehouse claude-settings
 * --identity oidc` prints, runs an apiKeyHelper script that fetches an ID token from the fake issuer.
 * One session spans two model calls (the first answers with a tool call); between them the token
 * expires (the gateway's and the issuer's clock jump an hour), the gateway answers 401, and the CLI
 * runs the helper again and retries with the fresh token.
 */
const AUDIENCE = 'gatehouse-claude';
let metadata: FakeMetadata;
let vertex: Fake;
let issuer: FakeOidcIssuer;
let gw: TestGateway;
let tap: Tap;
let trap: ProxyTrap;
let dir: string;
/** Set by the 401 test: an hour later once that session's first model call has reached Vertex, so its first token has expired. */
let jumpAfterCalls: number | undefined;
const clock = () => Date.now() + (jumpAfterCalls !== undefined && vertex.calls.length > jumpAfterCalls ? 3_600_000 : 0);

beforeAll(async () => {
  metadata = await startWorkloadIdentity();
  vertex = await startFakeVertex({ token: FAKE_METADATA_TOKEN });
  issuer = await startFakeOidcIssuer({ audience: AUDIENCE, now: () => Math.floor(clock() / 1000) });
  gw = await startGateway({
    wallClock: clock,
    env: { GATEHOUSE_OIDC_ISSUERS: JSON.stringify([{ issuer: issuer.url, audience: AUDIENCE }]) },
    seed: devSeed({ vertex: vertex.url }),
  });
  await gw.store.identityMappings.put('example', {
    id: 'example',
    match: { domain: 'example.com' },
    workspace_id: 'dev',
    scopes: ['completions'],
    defaults: { config_id: 'default' },
  });
  tap = await startTap(gw.url);
  trap = await startProxyTrap();
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-helper-'));
});
afterAll(async () => {
  await closeAll(tap, trap, gw, issuer, vertex, metadata);
  rmSync(dir, { recursive: true, force: true });
});

/** What a provider's CLI does for Claude Code: print one fresh, unique ID token on stdout. Each run is logged. */
function helperScript(): string {
  const path = join(dir, 'id-token.sh');
  const fetchToken = `fetch(process.argv[1] + Date.now() + Math.random()).then((r) => r.text()).then((t) => process.stdout.write(t))`;
  writeFileSync(path, `#!/bin/sh\necho run >> ${dir}/runs.log\nexec node -e '${fetchToken}' '${issuer.url}/token?email=alice@example.com&jti='\n`);
  chmodSync(path, 0o755);
  writeFileSync(join(dir, 'runs.log'), '');
  return path;
}

it('signs in with the helper, and refreshes an expired token mid-session after the 401', async () => {
  vertex.enqueue('stream'); // the first answer is a tool call, so the session makes a second model call
  jumpAfterCalls = vertex.calls.length;
  const settings = claudeIdentitySettings(tap.url, helperScript());
  const run = await runClaude({ prompt: 'what is the weather?', env: {}, settings, proxyUrl: trap.url, timeoutMs: 90_000 });
  const trail = tap.requests.map((r) => `${r.method} ${r.path} ${r.status}`);
  expect({ code: run.code, result: run.json?.result, trail }).toEqual({
    code: 0,
    result: expect.stringContaining(fakeAnswerText('fake-vertex')),
    trail: expect.any(Array),
  });
  const messages = tap.requests.filter((r) => r.path === '/v1/messages');
  const bearer = (i: number) => String(messages[i].headers.authorization).replace(/^Bearer /, '');
  // First call with token 1; the next one refused (expired) and retried with a second token.
  expect(messages.map((r) => r.status)).toEqual([200, 401, 200]);
  expect(bearer(1)).toBe(bearer(0));
  expect(bearer(2)).not.toBe(bearer(0));
  expect(messages[1].errorBody).toMatch(/Invalid identity token: it expired at/);
  // The helper's output is sent in both headers; it ran once per token.
  expect(messages[2].headers['x-api-key']).toBe(bearer(2));
  expect(readFileSync(join(dir, 'runs.log'), 'utf8').trim().split('\n')).toHaveLength(2);
  // Both model calls are alice's, with her e-mail as metadata.user.
  const events = (await gw.waitForEvents(3)).filter((e) => e.status === 200);
  expect(events.map((e) => [e.key_id, e.metadata.user])).toEqual([
    [identityId('alice@example.com'), 'alice@example.com'],
    [identityId('alice@example.com'), 'alice@example.com'],
  ]);
  expect(trap.hits).toEqual([]);
  if (run.code !== 0) throw new Error(describeRun(run));
}, 120_000);

it('runs the helper again once its interval has passed, with no 401', async () => {
  vertex.enqueue('stream'); // two tool calls: three model calls in one session
  vertex.enqueue('stream');
  const settings = claudeIdentitySettings(tap.url, helperScript());
  // The interval the settings print is 15 minutes; a session this short needs a shorter one.
  settings.env.CLAUDE_CODE_API_KEY_HELPER_TTL_MS = '1';
  const before = tap.requests.length;
  // Past its interval the CLI sends the token it has and runs the helper in the background; the
  // second model call is held long enough for that run to finish before the third call is sent.
  tap.holdBack((r) => (r.path === '/v1/messages' && tap.requests.slice(before).filter((x) => x.path === '/v1/messages').length === 2 ? 3000 : undefined));
  const run = await runClaude({ prompt: 'what is the weather?', env: {}, settings, proxyUrl: trap.url, timeoutMs: 90_000 });
  tap.holdBack(undefined);
  const messages = tap.requests.slice(before).filter((r) => r.path === '/v1/messages');
  const bearers = messages.map((r) => String(r.headers.authorization).replace(/^Bearer /, ''));
  expect({ code: run.code, statuses: messages.map((r) => r.status) }).toEqual({ code: 0, statuses: [200, 200, 200] });
  // The third call carries the token the background run printed, and nothing was refused.
  expect(bearers[1]).toBe(bearers[0]);
  expect(bearers[2]).not.toBe(bearers[0]);
  expect(readFileSync(join(dir, 'runs.log'), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(2);
  expect(trap.hits).toEqual([]);
  if (run.code !== 0) throw new Error(describeRun(run));
}, 120_000);
