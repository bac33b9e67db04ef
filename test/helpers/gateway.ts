import { createMemoryBus } from '../../services/shared/src/bus/memory';
import { GatewayEnv, parseEnv } from '../../services/shared/src/env';
import { createMemoryStore } from '../../services/shared/src/store/memory';
import type { Store } from '../../services/shared/src/store/port';
import type { UsageEvent } from '../../services/shared/src/usage-event';
import { buildDeps, closeDeps, flushUsage } from '../../services/gateway/src/build-deps';
import type { GatewayDeps } from '../../services/gateway/src/deps';
import type { VerifierOptions } from '../../services/gateway/src/auth/id-token';
import { createApp } from '../../services/gateway/src/http/app';
import { applySeed, type Seed } from '../../services/gateway/src/seed';
import { hashKey } from '../../services/gateway/src/auth/keys';
import { listenOnLoopback } from './listen';
import { capturingLogger } from './log';
import { startTestPipeline } from './worker';
import type { UsagePipeline } from '../../services/worker/src/pipeline';

export interface TestGateway {
  url: string;
  deps: GatewayDeps;
  store: Store;
  /** The worker's usage pipeline applying this gateway's events: counters, budget statuses, alerts. */
  pipeline: UsagePipeline;
  /** Every usage event the gateway published, in order (the worker's view). */
  events: UsageEvent[];
  /** Every log line the gateway wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Resolves once `n` usage events have been published (the event is emitted after the response ends). */
  waitForEvents(n: number, timeoutMs?: number): Promise<UsageEvent[]>;
  /**
   * Forgets the events seen so far, after the gateway has sent those it still holds (usage/emit.ts
   * holds each for about a millisecond) and the worker has taken them: an earlier test's event can
   * not arrive in the next test.
   */
  clearEvents(): Promise<void>;
  /** Stops the gateway, then checks that no seeded key or credential reached its logs. */
  close(): Promise<void>;
}

/** Raw log text of every gateway started in this test process, for the no-secrets-in-logs checks. */
const allLogText: string[] = [];

/**
 * Every secret must be absent from every log line of this test file's gateways (and from any other
 * text given, such as the CLI's stderr) — in plain text and, for Gatehouse keys, as their hash.
 */
export function expectNoSecrets(secrets: Iterable<string>, extraText: string[] = []): void {
  const haystack = [...allLogText, ...extraText].join('\n');
  expect(haystack.length).toBeGreaterThan(0);
  const leaked = [...secrets].filter((s) => haystack.includes(s) || (s.startsWith('gth_') && haystack.includes(hashKey(s))));
  expect(leaked.map((s) => `${s.slice(0, 8)}…`)).toEqual([]);
}

export interface StartOptions {
  seed: Partial<Seed>;
  env?: Record<string, string>;
  processEnv?: NodeJS.ProcessEnv;
  store?: Store;
  secretManagerUrl?: string;
  googleTokenUrl?: string;
  /** Identity-token verification against fakes: Google's certs URL, the JWKS refetch cooldown. */
  verifier?: VerifierOptions;
  random?: () => number;
  /** Pins the date model retirements are checked against (tests about a retirement). */
  wallClock?: () => number;
}

/** The gateway as `npm start` builds it, mounted on 127.0.0.1:0, with the worker applying events to the store. */
export async function startGateway(opts: StartOptions): Promise<TestGateway> {
  const { log, lines: logs } = capturingLogger({ service: 'gateway', level: 'debug', onText: (text) => allLogText.push(text) });
  const env = parseEnv(GatewayEnv, { PORT: '0', HOST: '127.0.0.1', GATEHOUSE_STORE: 'memory', GATEHOUSE_BUS: 'memory', ...opts.env });
  const store = opts.store ?? createMemoryStore();
  await applySeed(store, { workspaces: [], providers: [], configs: [], api_keys: [], budgets: [], rate_limits: [], ...opts.seed } as Seed);
  const bus = createMemoryBus({ retryDelayMs: 50 });
  const events: UsageEvent[] = [];
  const waiters: (() => void)[] = [];
  const pipeline = await startTestPipeline(store, { log: log.child({ service: 'worker' }) });
  bus.subscribe(async (e) => {
    await pipeline.aggregator.apply(e);
    events.push(e);
    waiters.splice(0).forEach((w) => w());
  });
  const deps = await buildDeps({
    env,
    log,
    processEnv: opts.processEnv ?? {},
    store,
    bus,
    secretManagerUrl: opts.secretManagerUrl,
    googleTokenUrl: opts.googleTokenUrl,
    verifier: opts.verifier,
    random: opts.random,
    wallClock: opts.wallClock,
  });
  const server = await listenOnLoopback(createApp(deps));
  const url = server.url;
  return {
    url,
    deps,
    store,
    pipeline,
    events,
    logs,
    async waitForEvents(n, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (events.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} usage events, got ${events.length}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
      return events.slice(0, n);
    },
    async clearEvents() {
      await flushUsage(deps);
      events.length = 0;
    },
    async close() {
      await server.close();
      // The worker's listener goes before the store it listens on is closed.
      await flushUsage(deps);
      await pipeline.close();
      await closeDeps(deps);
      const seeded = (opts.seed.api_keys ?? []).map((k) => k.key).filter((k): k is string => Boolean(k));
      const credentials = Object.values(opts.processEnv ?? {}).filter((v): v is string => typeof v === 'string' && v.length >= 8);
      expectNoSecrets([...seeded, ...credentials]);
    },
  };
}

/** A seeded workspace key that may call models and nothing else. */
export function inferenceKey(key: string, name: string, workspace: string, over: Partial<Seed['api_keys'][number]> = {}): Seed['api_keys'][number] {
  return { key, name, type: 'workspace', kind: 'user', workspace_id: workspace, scopes: ['completions'], status: 'active', defaults: {}, ...over };
}

/** The fakes are scripted by model name (`error-429`, `slow-200`): names no catalog knows. */
export const SCRIPTED_NAMES = { allow_uncatalogued_models: true } as const;

export const DEV_KEY = 'gth_dev_0123456789abcdef0123456789abcdef';

/** The README's seed-file example with its provider URLs pointed at fakes. */
export function devSeed(urls: { vertex: string; anthropic?: string; bedrock?: string }, extra: Partial<Seed> = {}): Partial<Seed> {
  return {
    workspaces: [{ id: 'dev', name: 'Dev', status: 'active', defaults: {} }],
    providers: [
      { slug: 'vertex-prod', kind: 'vertex', project_id: 'my-project', region: 'global', credentials: { adc: true }, base_url: urls.vertex, ...SCRIPTED_NAMES },
      ...(urls.anthropic
        ? [{ slug: 'anthropic-prod', kind: 'anthropic' as const, credentials: { env: 'ANTHROPIC_API_KEY' }, base_url: urls.anthropic, ...SCRIPTED_NAMES }]
        : []),
      ...(extra.providers ?? []),
    ],
    configs: [{ id: 'default', config: { provider: '@vertex-prod' } }, ...(extra.configs ?? [])],
    api_keys: [
      {
        key: DEV_KEY,
        name: 'dev',
        type: 'workspace',
        kind: 'user',
        workspace_id: 'dev',
        scopes: ['completions'],
        status: 'active',
        defaults: { config_id: 'default', metadata: { team: 'dev' } },
      },
      ...(extra.api_keys ?? []),
    ],
  };
}
