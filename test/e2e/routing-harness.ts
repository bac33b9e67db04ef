import type { Store } from '../../services/shared/src/store/port';
import type { UsageEvent } from '../../services/shared/src/usage-event';
import { BreakerRegistry } from '../../services/gateway/src/routing/breaker';
import { startFakeAnthropic } from '../fakes/fake-anthropic';
import { startFakeBedrock } from '../fakes/fake-bedrock';
import type { FakeMetadata } from '../fakes/fake-metadata';
import { startWorkloadIdentity } from '../helpers/workload-identity';
import { startFakeVertex } from '../fakes/fake-vertex';
import type { Fake } from '../fakes/script';
import { DEV_KEY, devSeed, SCRIPTED_NAMES, startGateway, type TestGateway } from '../helpers/gateway';
import type { Seed } from '../../services/gateway/src/seed';
import { closeAll } from '../helpers/listen';

/**
 * The routing rig: fake Vertex, Anthropic and Bedrock upstreams (plus the metadata server for
 * Vertex's workload identity) behind one gateway whose providers are the seed's
 * (`vertex-prod`, `anthropic-prod`, `bedrock-prod`, `vertex-us-central`, `vertex-us-east`) and whose
 * stored configs are the seven example configs of the README's "Routing configs", by the ids in `SEED_CONFIGS`.
 */

/** The README's example configs exactly as it writes them (docs/design.md §6.1). */
export const SEED_CONFIGS: Record<string, Record<string, unknown>> = {
  'vertex-direct': { provider: '@vertex-prod', forward_headers: ['anthropic-beta'] },
  'fallback-3': {
    strategy: { mode: 'fallback' },
    targets: [{ provider: '@vertex-prod' }, { provider: '@anthropic-prod' }, { provider: '@bedrock-prod' }],
    forward_headers: ['anthropic-beta'],
  },
  'lb-regions': {
    strategy: { mode: 'loadbalance' },
    targets: [
      { provider: '@vertex-us-central', weight: 0.5 },
      { provider: '@vertex-us-east', weight: 0.5 },
    ],
    forward_headers: ['anthropic-beta'],
  },
  cached: { provider: '@vertex-prod', cache: { mode: 'simple' }, forward_headers: ['anthropic-beta'] },
  retry: { provider: '@vertex-prod', retry: { attempts: 3, on_status_codes: [429, 500, 502, 503] }, forward_headers: ['anthropic-beta'] },
  'fallback-cached-retry': {
    strategy: { mode: 'fallback' },
    targets: [{ provider: '@vertex-prod' }, { provider: '@anthropic-prod' }],
    cache: { mode: 'simple' },
    retry: { attempts: 3, on_status_codes: [429, 500, 502, 503] },
    forward_headers: ['anthropic-beta'],
  },
  'lb-model-catalog': {
    strategy: { mode: 'load-balance' },
    targets: [{ override_params: { model: '@vertex-prod/claude-sonnet-4-6' } }, { override_params: { model: '@anthropic-prod/claude-sonnet-4-6' } }],
  },
};

export const ANTHROPIC_KEY = 'sk-ant-test-upstream';
export const AWS_ENV = { AWS_ACCESS_KEY_ID: 'AKIAFAKEROUTING00001', AWS_SECRET_ACCESS_KEY: 'fake-secret-key-routing' };

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json(): any;
}

export interface RoutingRig {
  gw: TestGateway;
  vertex: Fake;
  anthropic: Fake;
  bedrock: Fake;
  /** Replaceable per test; the gateway draws through it (load balancing, retry jitter). */
  random: () => number;
  /** Replaceable per test: the wall clock (ms) model retirements are checked against. */
  wallClock: () => number;
  /** POST /v1/messages with the dev key; `config` (object → inline JSON, string → id) goes in x-gatehouse-config. */
  send(body: Record<string, unknown>, opts?: { config?: Record<string, unknown> | string; headers?: Record<string, string> }): Promise<Answer>;
  /** Forget calls, queued behaviours, events, breaker states and cached answers. */
  reset(): Promise<void>;
  /** The one usage event of the last request (waits for it; fails if more than one arrived). */
  onlyEvent(): Promise<UsageEvent>;
  close(): Promise<void>;
}

export interface RigOptions {
  seed?: Partial<Seed>;
  store?: Store;
  env?: Record<string, string>;
}

export function message(model = 'claude-sonnet-4-6', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model, max_tokens: 64, messages: [{ role: 'user', content: 'Say hello' }], ...extra };
}

export async function startRoutingRig(opts: RigOptions = {}): Promise<RoutingRig> {
  const metadata: FakeMetadata = await startWorkloadIdentity();
  const [vertex, anthropic, bedrock] = await Promise.all([startFakeVertex(), startFakeAnthropic({ apiKey: ANTHROPIC_KEY }), startFakeBedrock()]);
  const vertexRegion = (slug: string, region: string) => ({
    slug,
    kind: 'vertex' as const,
    project_id: 'my-project',
    region,
    credentials: { adc: true as const },
    base_url: vertex.url,
    ...SCRIPTED_NAMES,
  });
  const extra = opts.seed ?? {};
  const seed = devSeed(
    { vertex: vertex.url, anthropic: anthropic.url },
    {
      ...extra,
      providers: [
        {
          slug: 'bedrock-prod',
          kind: 'bedrock',
          region: 'us-east-1',
          profile_prefix: 'us',
          credentials: { access_key_id: { env: 'AWS_ACCESS_KEY_ID' }, secret_access_key: { env: 'AWS_SECRET_ACCESS_KEY' } },
          base_url: bedrock.url,
          ...SCRIPTED_NAMES,
        },
        vertexRegion('vertex-us-central', 'us-central1'),
        vertexRegion('vertex-us-east', 'us-east5'),
        ...(extra.providers ?? []),
      ],
      configs: [...Object.entries(SEED_CONFIGS).map(([id, config]) => ({ id, config })), ...(extra.configs ?? [])],
    },
  );
  // devSeed keeps only its own workspace; add the caller's others.
  const known = new Set((seed.workspaces ?? []).map((w) => w.id));
  seed.workspaces = [...(seed.workspaces ?? []), ...(extra.workspaces ?? []).filter((w) => !known.has(w.id))];
  const rig = {} as RoutingRig;
  rig.random = Math.random;
  rig.wallClock = Date.now;
  const gw = await startGateway({
    seed,
    store: opts.store,
    env: opts.env,
    processEnv: { ANTHROPIC_API_KEY: ANTHROPIC_KEY, ...AWS_ENV },
    random: () => rig.random(),
    wallClock: () => rig.wallClock(),
  });
  Object.assign(rig, {
    gw,
    vertex,
    anthropic,
    bedrock,
    async send(body: Record<string, unknown>, o: { config?: Record<string, unknown> | string; headers?: Record<string, string> } = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-api-key': DEV_KEY, ...o.headers };
      if (o.config !== undefined) headers['x-gatehouse-config'] = typeof o.config === 'string' ? o.config : JSON.stringify(o.config);
      const res = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
    },
    async reset() {
      vertex.reset();
      anthropic.reset();
      bedrock.reset();
      await gw.clearEvents();
      gw.deps.breakers = new BreakerRegistry();
      gw.deps.responseCache.clear();
      rig.random = Math.random;
      rig.wallClock = Date.now;
    },
    async onlyEvent() {
      const [event] = await gw.waitForEvents(1);
      await new Promise((r) => setTimeout(r, 30));
      if (gw.events.length !== 1) throw new Error(`expected one usage event, got ${gw.events.length}`);
      gw.events.length = 0;
      return event;
    },
    close: () => closeAll(gw, vertex, anthropic, bedrock, metadata),
  });
  return rig;
}

/** SSE text → `[event, parsed data]` pairs. */
export function sseEvents(text: string): { event: string; data: any }[] {
  return text
    .split('\n\n')
    .filter((b) => b.trim())
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = /^data: (.*)$/m.exec(block)?.[1] ?? '';
      let parsed: unknown = data;
      try {
        parsed = JSON.parse(data);
      } catch {
        /* keep text */
      }
      return { event, data: parsed };
    });
}

/** The text an SSE answer spells out through its text deltas. */
export function streamedText(text: string): string {
  return sseEvents(text)
    .filter((e) => e.event === 'content_block_delta' && e.data?.delta?.type === 'text_delta')
    .map((e) => e.data.delta.text)
    .join('');
}

/** `[target, provider, status, error_type?]` per attempt of a usage event. */
export function attempts(event: UsageEvent): unknown[][] {
  return event.attempts.map((a) => [a.target, a.provider, a.status, ...(a.error_type ? [a.error_type] : [])]);
}

/** An even sweep of [0, 1) over 40 draws: load balancing becomes exact. */
export function sweep40(): () => number {
  let n = 0;
  return () => ((n++ % 40) + 0.5) / 40;
}
