import { existsSync } from 'node:fs';
import { PubSub } from '@google-cloud/pubsub';
import { ensureTopic } from '../../services/shared/src/bus/pubsub';
import { Budget } from '../../services/shared/src/budget/entity';
import { createFirestoreStore } from '../../services/shared/src/store/firestore';
import type { Store } from '../../services/shared/src/store/port';
import { flushUsage } from '../../services/gateway/src/build-deps';
import { applySeed, type Seed } from '../../services/gateway/src/seed';
import { startFakeAnthropic } from '../fakes/fake-anthropic';
import type { RecordedCall } from '../fakes/http-fake';
import type { Behaviour, Fake } from '../fakes/script';
import { describeIf, eventually, uniqueProjectId } from '../helpers/emulators';
import { type GatewayInstance as Instance, startGatewayInstance } from '../helpers/gateway-instance';
import { EMULATORS, launchEmulator } from '../helpers/global-setup';
import { seededRandom } from '../helpers/random';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

/**
 * Issue 15's accounting test: requests of every kind through the gateway → Pub/Sub (emulator) → the
 * worker process by push → Firestore (emulator), the worker killed and restarted mid-run, and
 * afterwards every counter and rollup equal to the sum of what the fake upstream itself says it
 * returned, priced here from a hand-written table rather than by the production cost function.
 */
const TOPIC = 'gatehouse-usage';
/** The publish backlog of the instance that shows the overflow path (10,000 by default). */
const SMALL_BACKLOG = 20;
/**
 * The emulator pushes at most two messages at a time (Pub/Sub raises its push concurrency while acks
 * succeed), and each push waits for its group commit: with the production default of 250 ms the
 * worker would take about 8 events a second here. Committing at once keeps the run short.
 */
const COMMIT_WAIT_MS = '0';
const UPSTREAM_KEY = 'sk-ant-test-accounting';
const KEYS = {
  alpha: 'gth_acct_alpha_0123456789abcdef0123456789abcd',
  beta: 'gth_acct_beta_0123456789abcdef0123456789abcde',
  outage: 'gth_acct_outage_0123456789abcdef0123456789ab',
  small: 'gth_acct_small_0123456789abcdef0123456789abc',
} as const;
type KeyName = keyof typeof KEYS;
const keyId = (k: KeyName) => `key_acct_${k}`;

/**
 * List prices in thousandths of a micro-USD per token (USD per MTok × 1000), copied by hand from
 * Anthropic's price list: input, output, 5-minute cache write, 1-hour cache write, cache read.
 */
const PRICES: Record<string, [number, number, number, number, number]> = {
  'claude-sonnet-4-6': [3000, 15000, 3750, 6000, 300],
  'claude-haiku-4-5': [1000, 5000, 1250, 2000, 100],
  'claude-opus-4-6': [5000, 25000, 6250, 10000, 500],
};
const MODELS = Object.keys(PRICES);
const TOKEN_KINDS = ['input', 'output', 'cache_write_5m', 'cache_write_1h', 'cache_read'] as const;
type Tokens = Record<(typeof TOKEN_KINDS)[number], number>;

/** One request the test sends, and how the fake upstream answers it. */
interface Scenario {
  id: string;
  key: KeyName;
  model: string;
  stream: boolean;
  /** The client goes away after the third text delta. */
  cancel: boolean;
  user?: string;
  behaviour: Behaviour;
}

function scenarios(prefix: string, n: number, keys: KeyName[], seed: number): Scenario[] {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const int = (max: number) => Math.floor(rnd() * (max + 1));
  return Array.from({ length: n }, (_, i) => {
    const r = rnd();
    const stream = r < 0.3 || rnd() < 0.5;
    const w5 = rnd() < 0.5 ? int(4000) : 0;
    const w1 = rnd() < 0.3 ? int(4000) : 0;
    const usage = {
      input_tokens: 1 + int(5000),
      output_tokens: 1 + int(2000),
      cache_creation_input_tokens: w5 + w1,
      cache_read_input_tokens: rnd() < 0.6 ? int(20000) : 0,
      cache_creation: { ephemeral_5m_input_tokens: w5, ephemeral_1h_input_tokens: w1 },
    };
    let behaviour: Behaviour = { kind: rnd() < 0.3 ? 'stream' : 'ok', usage: { usage } };
    let cancel = false;
    if (r < 0.08) {
      // message_start, the text deltas, then only pings until the client goes away
      behaviour = { kind: 'ok', usage: { usage, holdAfter: 6 } };
      cancel = true;
    } else if (r < 0.12) behaviour = { kind: 'stream-exception' };
    else if (r < 0.16) behaviour = { kind: 'error-500' };
    else if (r < 0.2) behaviour = { kind: 'error-529' };
    return {
      id: `${prefix}-${i}`,
      key: pick(keys),
      model: pick(MODELS),
      stream: cancel || behaviour.kind === 'stream-exception' || stream,
      cancel,
      user: rnd() < 0.5 ? pick(['ana', 'bo', 'cy']) : undefined,
      behaviour,
    };
  });
}

/**
 * The tokens one upstream answer reported, read from the fake's record of what it sent: counts are
 * cumulative (a later value replaces an earlier one); a cache-write total without its split keeps the
 * 1-hour part and bills the rest at 5 minutes; text relayed after the last output count is estimated
 * at four characters a token (README, "Usage events").
 */
function reportedTokens(call: RecordedCall): Tokens {
  const t: Tokens = { input: 0, output: 0, cache_write_5m: 0, cache_write_1h: 0, cache_read: 0 };
  const sent = call.sent;
  if (sent?.status !== 200) return t;
  let textSinceCount = 0;
  const fold = (u: Record<string, any> | undefined) => {
    if (!u) return;
    if (u.input_tokens != null) t.input = u.input_tokens;
    if (u.cache_read_input_tokens != null) t.cache_read = u.cache_read_input_tokens;
    if (u.cache_creation) {
      t.cache_write_5m = u.cache_creation.ephemeral_5m_input_tokens;
      t.cache_write_1h = u.cache_creation.ephemeral_1h_input_tokens;
    }
    if (u.cache_creation_input_tokens != null) {
      t.cache_write_1h = Math.min(t.cache_write_1h, u.cache_creation_input_tokens);
      t.cache_write_5m = u.cache_creation_input_tokens - t.cache_write_1h;
    }
    if (u.output_tokens != null) {
      t.output = u.output_tokens;
      textSinceCount = 0;
    }
  };
  if (sent.body) fold((sent.body as { usage?: Record<string, unknown> }).usage);
  for (const e of sent.events ?? []) {
    if (e.event === 'message_start') fold((e.data.message as { usage?: Record<string, unknown> }).usage);
    if (e.event === 'message_delta') fold(e.data.usage as Record<string, unknown>);
    const delta = e.data.delta as { type?: string; text?: string } | undefined;
    if (e.event === 'content_block_delta' && delta?.type === 'text_delta') textSinceCount += delta.text!.length;
  }
  t.output += Math.ceil(textSinceCount / 4);
  return t;
}

/** Integer micro-USD, rounded half up once per request, as an invoice line would be. */
function costMicros(model: string, t: Tokens): number {
  const p = PRICES[model];
  const thousandths = t.input * p[0] + t.output * p[1] + t.cache_write_5m * p[2] + t.cache_write_1h * p[3] + t.cache_read * p[4];
  return Math.floor((thousandths + 500) / 1000);
}

/** What a counter must hold: requests, cost and every token kind. */
type Sums = Tokens & { requests: number; cost_micros: number };
const zero = (): Sums => ({ requests: 0, cost_micros: 0, input: 0, output: 0, cache_write_5m: 0, cache_write_1h: 0, cache_read: 0 });

/** The expected sums per counter (`dimension|value`), from the fake upstream's record of its answers. */
function expectedSums(sent: Scenario[], calls: RecordedCall[]): Map<string, Sums> {
  const byId = new Map(sent.map((s) => [s.id, s]));
  const perRequest = new Map<string, Sums>(sent.map((s) => [s.id, { ...zero(), requests: 1 }]));
  /** Requests a provider answered (HTTP 200): only those name their provider (an upstream error names none). */
  const served = new Set<string>();
  for (const call of calls) {
    const id = call.body?.metadata?.user_id as string | undefined;
    const s = id === undefined ? undefined : byId.get(id);
    if (!s) continue;
    if (call.sent?.status === 200) served.add(s.id);
    const t = reportedTokens(call);
    const sums = perRequest.get(s.id)!;
    for (const k of TOKEN_KINDS) sums[k] += t[k];
    sums.cost_micros += costMicros(s.model, t);
  }
  const out = new Map<string, Sums>();
  const add = (counter: string, x: Sums) => {
    const into = out.get(counter) ?? zero();
    for (const k of Object.keys(x) as (keyof Sums)[]) into[k] += x[k];
    out.set(counter, into);
  };
  for (const s of sent) {
    const x = perRequest.get(s.id)!;
    add(`key|${keyId(s.key)}`, x);
    add('workspace|acct', x);
    if (served.has(s.id)) add('provider|anthropic-prod', x);
    add(`model|${s.model}`, x);
    add(`metadata.team|${s.key}`, x);
    if (s.user) add(`metadata.user|${s.user}`, x);
  }
  return out;
}

const seed: Seed = {
  workspaces: [{ id: 'acct', name: 'Accounting', status: 'active', defaults: {} }],
  providers: [{ slug: 'anthropic-prod', kind: 'anthropic', credentials: { env: 'ANTHROPIC_API_KEY' } }],
  configs: [{ id: 'default', config: { provider: '@anthropic-prod' } }],
  api_keys: (Object.keys(KEYS) as KeyName[]).map((k) => ({
    key: KEYS[k],
    key_id: keyId(k),
    name: k,
    type: 'workspace' as const,
    kind: 'user' as const,
    workspace_id: 'acct',
    scopes: ['completions' as const],
    status: 'active' as const,
    defaults: { config_id: 'default', metadata: { team: k } },
  })),
  budgets: [],
  rate_limits: [],
};

const since = new Date(Date.now() - 60_000).toISOString();
const HUGE = 1e15;
/** One budget of every metric and scope type, over windows of several kinds and time zones. */
const BUDGETS = [
  { id: 'acct-key-alpha', scope: { type: 'key', key_id: keyId('alpha') }, metric: 'cost', period: { kind: 'month', time_zone: 'UTC' } },
  { id: 'acct-workspace', scope: { type: 'workspace', workspace_id: 'acct' }, metric: 'tokens', period: { kind: 'week', time_zone: 'Europe/Paris' } },
  { id: 'acct-provider', scope: { type: 'provider', provider: '@anthropic-prod' }, metric: 'input_output_tokens', period: { kind: 'none' } },
  {
    id: 'acct-team-beta',
    scope: { type: 'metadata', key: 'team', value: 'beta' },
    metric: 'cost',
    period: { kind: 'days', every: 3, anchor: '2026-01-05', time_zone: 'America/New_York' },
  },
].map((b) => Budget.parse({ ...b, name: b.id, limit: HUGE, period_since: since }));

/** What a budget's counters (summed over its windows) must hold, from the expected counter sums. */
function expectedBudget(b: Budget, sums: Map<string, Sums>): { usage: number; requests: number } {
  const scope = b.scope;
  const counter =
    scope.type === 'key'
      ? `key|${scope.key_id}`
      : scope.type === 'workspace'
        ? `workspace|${scope.workspace_id}`
        : scope.type === 'provider'
          ? `provider|${scope.provider.replace(/^@/, '')}`
          : `metadata.${scope.key}|${scope.value}`;
  const x = sums.get(counter) ?? zero();
  const usage =
    b.metric === 'cost' ? x.cost_micros : b.metric === 'tokens' ? x.input + x.output + x.cache_write_5m + x.cache_write_1h + x.cache_read : x.input + x.output;
  return { usage, requests: x.requests };
}

const pick = (doc: object, fields: readonly string[]) => Object.fromEntries(fields.map((f) => [f, Number((doc as Record<string, unknown>)[f] ?? 0)]));
const SUM_FIELDS = ['requests', 'cost_micros', ...TOKEN_KINDS] as const;

/** Sums a collection's counters matching `where` over every window or day. */
async function readSums(store: Store, collection: 'budget_counters' | 'usage_rollups', where: Record<string, string>): Promise<Record<string, number>> {
  const docs = await store.queryCounters(
    collection,
    collection === 'usage_rollups' ? { where, range: { field: 'day', from: '2000-01-01', to: '2999-12-31' } } : { where },
  );
  const out: Record<string, number> = {};
  for (const d of docs) for (const [k, v] of Object.entries(d)) if (typeof v === 'number') out[k] = (out[k] ?? 0) + v;
  return out;
}

/** A ready instance publishing to `pubsubHost` (the emulator, or the proxy in front of it). */
async function startInstance(projectId: string, pubsubHost: string, env: Record<string, string> = {}): Promise<Instance> {
  const gw = await startGatewayInstance({ projectId, pubsubHost, env, upstreamKey: UPSTREAM_KEY });
  await gw.deps.started;
  return gw;
}

/** Sends one scenario's request; a cancelled stream is read up to its third text delta, then aborted. */
async function send(gw: Instance, s: Scenario): Promise<number> {
  const abort = new AbortController();
  const res = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': KEYS[s.key],
      ...(s.user ? { 'x-gatehouse-metadata': JSON.stringify({ user: s.user }) } : {}),
    },
    body: JSON.stringify({ model: s.model, max_tokens: 4096, stream: s.stream, metadata: { user_id: s.id }, messages: [{ role: 'user', content: 'hi' }] }),
    signal: abort.signal,
  });
  if (!s.cancel) {
    await res.arrayBuffer();
    return res.status;
  }
  const reader = res.body!.getReader();
  let seen = '';
  while ((seen.match(/"text_delta"/g) ?? []).length < 3) {
    const chunk = await reader.read();
    if (chunk.done) throw new Error(`${s.id}: the stream ended before three text deltas`);
    seen += new TextDecoder().decode(chunk.value);
  }
  abort.abort();
  return res.status;
}

/** Sends every scenario, `concurrency` at a time; `onProgress(sent)` after each. */
async function sendAll(gw: Instance, list: Scenario[], concurrency: number, onProgress: (n: number) => Promise<void> | void = () => {}): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < list.length) {
        const s = list[next++];
        statuses.push(await send(gw, s));
        await onProgress(++done);
      }
    }),
  );
  return statuses;
}

/** The usage events a gateway wrote in its `request done` log lines: its independent record. */
function loggedEvents(gw: Instance): Array<{ event_id: string } & Record<string, unknown>> {
  return gw.logs.filter((l) => l.message === 'request done').map((l) => l.usage_event as { event_id: string });
}

/** The `usage event applied` debug lines of every worker process, parsed. */
function appliedLines(workers: WorkerProcess[]): Array<{ eventId: string; duplicate: boolean }> {
  return workers
    .flatMap((w) => w.output().split('\n'))
    .filter((l) => l.includes('usage event applied'))
    .map((l) => JSON.parse(l));
}

const jarsPresent = EMULATORS.every((e) => existsSync(e.jar));
if (!jarsPresent) console.warn('accounting.test.ts SKIPPED: the Firestore or Pub/Sub emulator jar is missing.');

describeIf(jarsPresent)('accounting: every counter equals what the upstream reported', () => {
  const projectId = uniqueProjectId('accounting');
  const budgetsById = new Map(BUDGETS.map((b) => [b.id, b]));
  const byScenario = new Map<string, Scenario>();
  let upstream: Fake;
  let reader: Store;
  let pubsub: PubSub;
  /** Every worker process started, the current one last. */
  const workers: WorkerProcess[] = [];
  let workerEnv: Record<string, string>;
  /** The push endpoint: a fixed address in front of whichever worker process is current. */
  let pushProxy: TcpProxy;
  const instances: Instance[] = [];
  let pubsubProxy: TcpProxy | undefined;
  const figures: Record<string, number> = {};
  /** Every scenario sent so far, for the sums over all of them. */
  const everything: Scenario[] = [];

  /** Publishes events straight to the topic, as a replay from the logs (or a redelivery) would. */
  async function republish(events: Array<{ event_id: string }>): Promise<void> {
    const topic = pubsub.topic(TOPIC);
    await Promise.all(events.map((e) => topic.publishMessage({ json: e, attributes: { event_id: e.event_id } })));
  }

  /** SIGKILLs the current worker, a new process having taken over its push endpoint (as Cloud Run replaces a crashed instance). */
  async function killAndReplaceWorker(): Promise<void> {
    const next = await startWorkerProcess(workerEnv);
    pushProxy.retarget(next.host);
    await workers.at(-1)!.kill();
    workers.push(next);
  }

  /** The shared emulators' hosts, put back for whatever runs in this jest worker next. */
  const sharedHosts = { FIRESTORE_EMULATOR_HOST: process.env.FIRESTORE_EMULATOR_HOST, PUBSUB_EMULATOR_HOST: process.env.PUBSUB_EMULATOR_HOST };

  beforeAll(async () => {
    // Its own emulators: thousands of commits would slow every other file's transactions on shared ones.
    const launched = await Promise.all(EMULATORS.map((e) => launchEmulator(e)));
    if (launched.some((e) => !e.ready)) throw new Error(`emulators did not start (logs: ${launched.map((e) => e.logPath).join(', ')})`);
    process.env.FIRESTORE_EMULATOR_HOST = launched[0].host;
    process.env.PUBSUB_EMULATOR_HOST = launched[1].host;
    upstream = await startFakeAnthropic({
      apiKey: UPSTREAM_KEY,
      behaviour: (call) => byScenario.get(call.body?.metadata?.user_id)?.behaviour,
    });
    seed.providers[0] = { ...seed.providers[0], base_url: upstream.url };
    reader = createFirestoreStore({ projectId });
    await applySeed(reader, { ...seed, budgets: BUDGETS });
    workerEnv = {
      GOOGLE_CLOUD_PROJECT: projectId,
      FIRESTORE_EMULATOR_HOST: process.env.FIRESTORE_EMULATOR_HOST!,
      PUBSUB_EMULATOR_HOST: process.env.PUBSUB_EMULATOR_HOST!,
      GATEHOUSE_COMMIT_WAIT_MS: COMMIT_WAIT_MS,
      LOG_LEVEL: 'debug',
    };
    workers.push(await startWorkerProcess(workerEnv));
    pushProxy = await startTcpProxy(workers[0].host);
    pubsub = new PubSub({ projectId });
    const topic = await ensureTopic(pubsub, TOPIC);
    await topic.createSubscription('usage-push', { ackDeadlineSeconds: 10, pushConfig: { pushEndpoint: `http://${pushProxy.host}/pubsub/usage` } });
  }, 90_000);

  afterAll(async () => {
    pubsubProxy?.restore();
    await Promise.allSettled(instances.map((i) => i.close()));
    await Promise.allSettled([...workers.map((w) => w.close()), reader?.close(), pubsub?.close(), upstream?.close(), pushProxy?.close(), pubsubProxy?.close()]);
    // The emulators stop with this jest worker (their watchdog), as in outages.test.ts.
    for (const [name, host] of Object.entries(sharedHosts)) {
      if (host === undefined) delete process.env[name];
      else process.env[name] = host;
    }
    console.log(`accounting figures: ${JSON.stringify(figures)}`);
  }, 30_000);

  /** Waits until the workspace's totals count `requests`, then checks every counter and rollup. */
  async function expectAllCounted(list: Scenario[], requests: number, timeoutMs: number): Promise<void> {
    await eventually(
      async () => expect((await readSums(reader, 'usage_rollups', { dimension: 'workspace', value: 'acct' })).requests).toBe(requests),
      timeoutMs,
      250,
    );
    await new Promise((r) => setTimeout(r, 1500)); // a redelivery applied twice would show by now
    const sums = expectedSums(list, upstream.calls);
    for (const [counter, want] of sums) {
      const [dimension, value] = counter.split('|');
      expect({ counter, ...pick(await readSums(reader, 'usage_rollups', { dimension, value }), SUM_FIELDS) }).toEqual({ counter, ...pick(want, SUM_FIELDS) });
    }
    for (const k of new Set(list.map((s) => s.key))) {
      const totals = await reader.usageTotals('key', keyId(k), new Date().toISOString().slice(0, 7));
      expect(pick(totals!, SUM_FIELDS)).toEqual(pick(sums.get(`key|${keyId(k)}`)!, SUM_FIELDS));
    }
    for (const b of budgetsById.values()) {
      const got = await readSums(reader, 'budget_counters', { budget_id: b.id });
      expect({ budget: b.id, usage: got.usage ?? 0, requests: got.requests ?? 0 }).toEqual({ budget: b.id, ...expectedBudget(b, sums) });
    }
  }

  it('2,000 requests of every kind, the worker killed twice mid-run: every budget counter and rollup equals the upstream’s own record, to the micro-dollar and the token', async () => {
    const list = scenarios('run1', 2000, ['alpha', 'beta'], 15);
    for (const s of list) byScenario.set(s.id, s);
    everything.push(...list);
    const gw = await startInstance(projectId, process.env.PUBSUB_EMULATOR_HOST!);
    instances.push(gw);
    const started = Date.now();
    const restarts: Promise<void>[] = [];
    const statuses = await sendAll(gw, list, 16, (n) => {
      // Killed mid-run: no drain, commits in flight, pushes unacked.
      if (n === 600 || n === 1300) restarts.push(killAndReplaceWorker());
      // At-least-once delivery, made certain: 300 events already sent are published a second time.
      if (n === 1000) restarts.push(republish(loggedEvents(gw).slice(0, 300)));
    });
    figures.sendMs = Date.now() - started;
    await Promise.all(restarts);
    await flushUsage(gw.deps);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(1500);
    expect(new Set(statuses)).toEqual(new Set([200, 500, 529]));
    await expectAllCounted(list, list.length, 180_000); // a saturated 2-core VM slows the worker to ~10 events/s
    figures.allCountedMs = Date.now() - started;
    const applied = appliedLines(workers);
    figures.deliveries = applied.length;
    figures.duplicateDeliveries = applied.filter((l) => l.duplicate).length;
    // Every event is applied once: the worker's own account agrees (a killed worker's commit may have
    // landed without its log line, so at most the total).
    expect(new Set(applied.filter((l) => !l.duplicate).map((l) => l.eventId)).size).toBeLessThanOrEqual(list.length);
    expect(figures.duplicateDeliveries).toBeGreaterThan(0);
  }, 360_000);

  it('Pub/Sub unreachable from the gateways for 10 s: nothing is lost — held and published later, or past a small bound logged and replayed from the log', async () => {
    pubsubProxy = await startTcpProxy(process.env.PUBSUB_EMULATOR_HOST!);
    const roomy = await startInstance(projectId, pubsubProxy.host);
    const small = await startInstance(projectId, pubsubProxy.host, { GATEHOUSE_USAGE_BACKLOG_EVENTS: String(SMALL_BACKLOG) });
    instances.push(roomy, small);
    const [toRoomy, toSmall] = [scenarios('run2', 300, ['outage'], 21), scenarios('run3', 60, ['small'], 22)];
    for (const x of [...toRoomy, ...toSmall]) byScenario.set(x.id, x);
    everything.push(...toRoomy, ...toSmall);

    pubsubProxy.cut();
    const cutAt = Date.now();
    await Promise.all([sendAll(roomy, toRoomy, 8), sendAll(small, toSmall, 4)]);
    roomy.deps.usage.flush(); // the outbox hands each event to the bus about a millisecond after its response

    small.deps.usage.flush();
    figures.outageRequestsServed = toRoomy.length + toSmall.length;
    // Everything served during the outage waits in the gateway: the roomy one holds all of its events.
    await eventually(() => expect(roomy.deps.bus.pending()).toBe(toRoomy.length), 5000, 50);
    figures.heldByRoomyInstance = roomy.deps.bus.pending();
    // The small one holds SMALL_BACKLOG and logs every other event as dropped, naming it.
    const dropped = small.logs.filter((l) => String(l.message).startsWith('usage event dropped: publish backlog full'));
    expect(small.deps.bus.pending()).toBe(SMALL_BACKLOG);
    expect(dropped).toHaveLength(toSmall.length - SMALL_BACKLOG);
    expect(dropped.every((l) => l.severity === 'ERROR')).toBe(true);
    // …and each dropped event's `request done` line holds the whole event: the log is its record.
    const logged = new Map(loggedEvents(small).map((e) => [e.event_id, e]));
    expect(dropped.filter((l) => !logged.has(l.event_id as string))).toEqual([]);
    await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - cutAt))));
    figures.outageMs = Date.now() - cutAt;
    pubsubProxy.restore();

    const restoredAt = Date.now();
    await eventually(() => expect(roomy.deps.bus.pending() + small.deps.bus.pending()).toBe(0), 20_000, 100);
    figures.publishedAfterRestoreMs = Date.now() - restoredAt;
    // What the log alone holds, replayed from it (README, "Outages"): then every counter is exact.
    await republish(dropped.map((l) => logged.get(l.event_id as string)!));
    await expectAllCounted(everything, everything.length, 120_000);
    figures.replayedFromLog = dropped.length;
  }, 240_000);

  it('an instance stopped while Pub/Sub is unreachable gives up within its bound, logs each event it could not send, and a replay from the log counts them once', async () => {
    const gw = await startInstance(projectId, pubsubProxy!.host);
    instances.push(gw);
    const list = scenarios('run4', 20, ['small'], 23);
    for (const x of list) byScenario.set(x.id, x);
    everything.push(...list);
    pubsubProxy!.cut();
    await sendAll(gw, list, 4);
    const stopping = Date.now();
    await gw.close(); // what SIGTERM runs (serve.ts), after the requests in flight are done
    figures.shutdownDuringOutageMs = Date.now() - stopping;
    expect(figures.shutdownDuringOutageMs).toBeLessThan(10_000); // Cloud Run's grace period
    const unsent = gw.logs.filter((l) => String(l.message).startsWith('usage event not published before shutdown'));
    expect(unsent.length).toBe(list.length);
    pubsubProxy!.restore();
    // Replaying is safe whether or not Pub/Sub got an event after all: the worker counts each id once.
    const logged = new Map(loggedEvents(gw).map((e) => [e.event_id, e]));
    await republish(unsent.map((l) => logged.get(l.event_id as string)!));
    await expectAllCounted(everything, everything.length, 120_000);
  }, 180_000);
});
