/**
 * `npm run bench` (after `npm run build`): the gateway's production build against a fake upstream
 * and a bare node:http + undici pass-through (the floor), each in its own process, under a
 * Claude-Code-shaped streaming request. Measures latency, TTFB, throughput, CPU and RSS at 200 req/s,
 * 1,000 req/s (open loop) and saturation (closed loop), then the routed (fallback) and cache-hit
 * cases, and the cost of the worst inline config a client may send. Prints a table and the targets
 * (docs/testing.md §6) with PASS/FAIL marks, writes
 * bench-results/bench-<date>.json. Exits 0 whatever the figures; 1 only when the bench itself broke.
 *
 * Knobs: BENCH_PHASE_SECONDS (default 10), BENCH_WARMUP_SECONDS (gateway warm-up, default 8), BENCH_BODY_KB (default 75), BENCH_CONNECTIONS (saturation,
 * default 50), BENCH_CPU_PROF=1 (gateway runs with --cpu-prof into bench-results/cpu-prof/; summarise with
 * profile-summary.ts), BENCH_GATEWAY_FLAGS (extra node flags for the gateway, e.g. --max-semi-space-size=64).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { CLAUDE_CODE_HEADERS, claudeCodeBody } from './claude-code-request';
import { answerStream } from './fake-upstream';
import { measureInlineConfig } from './inline-config';
import { closedLoop, openLoop, type RequestSpec, Target } from './load';
import { measure, type PhaseRecord, type Processes } from './phases';
import { type Child, forkChild, GATEWAY_NODE_FLAGS, procStats, startGatewayChild } from './processes';
import { comparisonTable, phaseTable, type Summary, summarise, targetTable } from './report';
import { requestStats, round } from './stats';

const ROOT = resolve(__dirname, '../..');
const GATEWAY_ENTRY = join(ROOT, 'dist/gateway/src/local.js');
const SECONDS = Number(process.env.BENCH_PHASE_SECONDS ?? 10);
const BODY_BYTES = Number(process.env.BENCH_BODY_KB ?? 75) * 1000;
const CACHE_BODY_BYTES = 50_000;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';
const GATEWAY_FLAGS = (process.env.BENCH_GATEWAY_FLAGS ?? '').split(/\s+/).filter(Boolean);
const UPSTREAM_KEY = 'sk-ant-bench-not-a-real-key';
/** The gateway's hot path needs a few thousand requests before V8 has optimised it (3 s left it ~40% slower). */
const WARMUP_SECONDS = { direct: 3, 'bare proxy': 3, gateway: Number(process.env.BENCH_WARMUP_SECONDS ?? 8) } as Record<string, number>;
const WARMUP_CONNECTIONS = 8;
/** Open loop: requests waiting at once before the generator drops (and counts) new ones. */
const MAX_IN_FLIGHT = 500;

const KEYS = {
  single: 'gth_bench_single_0123456789abcdef0123456789',
  fallback: 'gth_bench_fallbk_0123456789abcdef0123456789',
  cached: 'gth_bench_cached_0123456789abcdef0123456789',
};

/**
 * Two Anthropic-kind providers on the fake (no Google auth on the path), a config per case, a key per
 * config, two budgets and a rate limit covering every bench request (never reached: both run in full).
 */
function seed(upstream: string): Record<string, unknown> {
  const provider = (slug: string) => ({ slug, kind: 'anthropic', credentials: { env: 'ANTHROPIC_API_KEY' }, base_url: upstream });
  const key = (name: keyof typeof KEYS) => ({
    key: KEYS[name],
    name: `bench-${name}`,
    type: 'workspace',
    workspace_id: 'bench',
    scopes: ['completions'],
    defaults: { config_id: name, metadata: { team: 'bench' } },
  });
  return {
    workspaces: [{ id: 'bench', name: 'Bench' }],
    providers: [provider('a'), provider('b')],
    configs: [
      { id: 'single', config: { provider: '@a' } },
      { id: 'fallback', config: { strategy: { mode: 'fallback' }, targets: [{ provider: '@a' }, { provider: '@b' }] } },
      { id: 'cached', config: { provider: '@a', cache: { mode: 'simple' } } },
    ],
    api_keys: [key('single'), key('fallback'), key('cached')],
    budgets: [
      {
        id: 'bench-monthly',
        name: 'Bench monthly',
        scope: { type: 'workspace', workspace_id: 'bench' },
        metric: 'cost',
        limit: 1e15,
        period: { kind: 'month', time_zone: 'Europe/Paris' },
      },
      {
        id: 'bench-tokens',
        name: 'Bench daily tokens',
        scope: { type: 'metadata', key: 'team', value: 'bench' },
        metric: 'tokens',
        limit: 1e15,
        period: { kind: 'day' },
      },
    ],
    // Never reached, so every bench request runs the limiter in full (leases renewed in the background).
    rate_limits: [
      { id: 'bench-rpm', name: 'Bench per minute', scope: { type: 'workspace', workspace_id: 'bench' }, unit: 'requests', per: 'minute', limit: 10_000_000 },
    ],
  };
}

const log = (s = '') => process.stderr.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function gitRevision(): string | undefined {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${rev}+dirty` : rev;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  if (!existsSync(GATEWAY_ENTRY)) throw new Error(`${GATEWAY_ENTRY} is missing: run \`npm run build\` first (npm run bench does).`);
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const children: Child[] = [];
  const targets: Target[] = [];
  const cleanup = async () => {
    await Promise.all(targets.map((t) => t.close().catch(() => undefined)));
    await Promise.all(children.map((c) => c.stop()));
    rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

  try {
    const body = Buffer.from(JSON.stringify(claudeCodeBody(BODY_BYTES)));
    const cacheBody = Buffer.from(JSON.stringify(claudeCodeBody(CACHE_BODY_BYTES, 2)));
    const answerBytes = Buffer.byteLength(answerStream('msg_01Bench00000000000000000000'));
    const loadAtStart = loadavg()[0];
    if (loadAtStart > cpus().length / 2)
      log(
        `note: load average ${loadAtStart.toFixed(1)} on ${cpus().length} CPUs before the bench started; other work on this machine will show in the figures.`,
      );
    log(
      `Gatehouse bench: ${(body.length / 1000).toFixed(1)} KB Claude-Code-shaped streaming request, ${(answerBytes / 1000).toFixed(1)} KB SSE answer, ${SECONDS} s per phase, ${cpus().length} CPUs, Node ${process.version}`,
    );

    // Each in its own process: the generator (this process) shares an event loop with none of them.
    const upstream = await forkChild('fake upstream', join(__dirname, 'fake-upstream.ts'));
    children.push(upstream);
    const seedPath = join(work, 'seed.json');
    writeFileSync(seedPath, JSON.stringify(seed(upstream.url)));
    const profDir = join(ROOT, 'bench-results', 'cpu-prof');
    if (CPU_PROF) mkdirSync(profDir, { recursive: true });
    const [proxy, gateway] = await Promise.all([
      forkChild('bare proxy', join(__dirname, 'bare-proxy.ts'), [upstream.url]),
      startGatewayChild({ entry: GATEWAY_ENTRY, seedPath, nodeFlags: [...GATEWAY_FLAGS, ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])] }),
    ]);
    children.push(proxy, gateway);
    const procs: Processes = { upstream, proxy, gateway };
    const rssAtBoot = procStats(gateway.pid)?.rssKb ?? NaN;

    const direct = new Target('direct', upstream.url);
    const bare = new Target('bare proxy', proxy.url);
    const gw = new Target('gateway', gateway.url);
    targets.push(direct, bare, gw);
    const path = '/v1/messages?beta=true';
    const upstreamSpec: RequestSpec = { label: 'direct', path, headers: { ...CLAUDE_CODE_HEADERS, 'x-api-key': UPSTREAM_KEY }, body };
    const gwSpec = (label: keyof typeof KEYS, b = body): RequestSpec => ({
      label,
      path,
      headers: { ...CLAUDE_CODE_HEADERS, authorization: `Bearer ${KEYS[label]}` },
      body: b,
    });
    const plan: [Target, RequestSpec][] = [
      [direct, upstreamSpec],
      [bare, upstreamSpec],
      [gw, gwSpec('single')],
    ];

    // The bench is broken (exit 1) unless every path answers a complete stream.
    for (const [t, spec] of [...plan, [gw, gwSpec('fallback')] as const]) {
      const o = await t.once(spec);
      if (!o.ok) throw new Error(`${t.name} (${spec.label}) did not answer a complete stream: ${o.error}\n${gateway.stderrTail()}`);
      if (t === gw && o.headers['x-gatehouse-provider'] !== '@a') throw new Error(`gateway answered from ${o.headers['x-gatehouse-provider']}, expected @a`);
    }

    // Closed loop, so a target slower than the warm-up rate cannot build a backlog that spills into the first phase.
    log(`warming up (${plan.map(([t]) => `${t.name} ${WARMUP_SECONDS[t.name]} s`).join(', ')}; ${WARMUP_CONNECTIONS} connections)…`);
    for (const [t, spec] of plan) await closedLoop(t, [spec], WARMUP_CONNECTIONS, WARMUP_SECONDS[t.name]);
    const rssAfterWarmup = procStats(gateway.pid)?.rssKb ?? NaN;

    const phases: PhaseRecord[] = [];
    const record = (p: PhaseRecord) => {
      phases.push(p);
      const s = p.stats;
      log(
        `  ${p.phase.padEnd(22)} ${p.target.padEnd(11)} ${s.throughput_rps.toFixed(0).padStart(6)} ok/s  p50 ${s.latency_ms.p50.toFixed(2)} ms  p99 ${s.latency_ms.p99.toFixed(2)} ms  errors ${s.errors}  dropped ${s.dropped}`,
      );
    };
    for (const rate of [200, 1000]) {
      for (const [t, spec] of plan) {
        record(
          await measure(procs, { phase: `${rate} req/s`, target: t.name, offered_rps: rate, seconds: SECONDS }, () =>
            openLoop(t, [spec], rate, SECONDS, MAX_IN_FLIGHT),
          ),
        );
        await sleep(300);
      }
    }
    for (const [t, spec] of plan) {
      const run = await measure(procs, { phase: `saturation (${CONNECTIONS} conns)`, target: t.name, connections: CONNECTIONS, seconds: SECONDS }, () =>
        closedLoop(t, [spec], CONNECTIONS, SECONDS),
      );
      record(run);
      if (run.stats.errors) await t.reset();
      await sleep(500);
    }

    // The routing target (docs/testing.md §6): a fallback config whose first target answers vs the
    // single-provider path, interleaved request by request at 200 req/s in total so that both see the
    // same machine at the same moment.
    const routed = await measure(
      procs,
      { phase: 'routed (200 req/s)', target: 'gateway single+fallback', offered_rps: 200, seconds: SECONDS },
      () => openLoop(gw, [gwSpec('single'), gwSpec('fallback')], 200, SECONDS, MAX_IN_FLIGHT),
      ['single', 'fallback'],
    );
    record(routed);
    const single = routed.by_label!.single;
    const fallback = routed.by_label!.fallback;
    const routing: Summary['routing'] = {
      single_p50_ms: round(single.latency_ms.p50),
      fallback_p50_ms: round(fallback.latency_ms.p50),
      overhead_p50_ms: round(fallback.latency_ms.p50 - single.latency_ms.p50),
      single_p99_ms: round(single.latency_ms.p99),
      fallback_p99_ms: round(fallback.latency_ms.p99),
    };

    // The cache-hit target (docs/testing.md §6), when the gateway has the simple cache (detected by its
    // response header).
    let cache: Summary['cache'];
    const cacheSpec = gwSpec('cached', cacheBody);
    const prime = await gw.once(cacheSpec);
    let probe = prime;
    for (let i = 0; i < 10 && probe.ok && probe.headers['x-gatehouse-cache-status'] !== 'HIT'; i++) {
      await sleep(100);
      probe = await gw.once(cacheSpec);
    }
    if (probe.ok && probe.headers['x-gatehouse-cache-status'] === 'HIT') {
      const cacheSeconds = Math.max(2, Math.round(SECONDS / 2));
      const hit = await measure(procs, { phase: 'cache hit (200 req/s)', target: 'gateway cached', offered_rps: 200, seconds: cacheSeconds }, () =>
        openLoop(gw, [cacheSpec], 200, cacheSeconds, MAX_IN_FLIGHT),
      );
      record(hit);
      const directSame = requestStats(await openLoop(direct, [{ ...upstreamSpec, body: cacheBody }], 200, 2));
      cache = {
        hit_p50_ms: round(hit.stats.latency_ms.p50),
        hit_p99_ms: round(hit.stats.latency_ms.p99),
        hit_ttfb_p50_ms: round(hit.stats.ttfb_ms.p50),
        direct_p50_ms: round(directSame.latency_ms.p50),
        body_bytes: cacheBody.length,
      };
    } else {
      const status = probe.headers['x-gatehouse-cache-status'];
      cache = {
        skipped: probe.ok
          ? `config {"cache":{"mode":"simple"}} answered with x-gatehouse-cache-status ${status ? `"${status}"` : 'absent'} on a repeated request: no simple cache in this build`
          : `the cached config's request failed (${probe.error})`,
      };
    }

    // In this process, on the gateway's own functions, while the children idle.
    const inline = measureInlineConfig();
    const summary = summarise(phases, routing, cache, { p50_ms: round(inline.p50_ms, 3), p99_ms: round(inline.p99_ms, 3), bytes: inline.bytes });
    const out = {
      kind: 'gatehouse-bench',
      version: 1,
      date: new Date(started).toISOString(),
      duration_s: round((Date.now() - started) / 1000, 1),
      revision: gitRevision(),
      load_average: { start: round(loadAtStart, 2), end: round(loadavg()[0], 2) },
      machine: {
        cpus: cpus().length,
        cpu_model: cpus()[0]?.model,
        memory_gb: round(totalmem() / 2 ** 30, 1),
        node: process.version,
        platform: process.platform,
      },
      setup: {
        request_bytes: body.length,
        cache_request_bytes: cacheBody.length,
        answer_bytes: answerBytes,
        phase_seconds: SECONDS,
        saturation_connections: CONNECTIONS,
        gateway: 'dist/gateway/src/local.js (npm start: memory store, in-process bus and worker, info logs to /dev/null), Anthropic-kind provider',
        floor: 'node:http + undici Pool pass-through (test/bench/bare-proxy.ts)',
        generator: 'undici Pool.dispatch in the parent process; latency from dispatch to end of stream, ttfb to the first body chunk',
        gateway_node_flags: [...GATEWAY_NODE_FLAGS, ...GATEWAY_FLAGS],
        cpu_profile: CPU_PROF ? profDir : undefined,
      },
      gateway_rss_mb: {
        boot: round(rssAtBoot / 1024, 1),
        after_warmup: round(rssAfterWarmup / 1024, 1),
        end: round((procStats(gateway.pid)?.rssKb ?? NaN) / 1024, 1),
      },
      phases,
      summary,
    };
    const dir = join(ROOT, 'bench-results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `bench-${out.date.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);

    const print = (s = '') => process.stdout.write(`${s}\n`);
    print();
    print(phaseTable(phases));
    print();
    print(`gateway RSS: ${out.gateway_rss_mb.boot} MB at boot, ${out.gateway_rss_mb.after_warmup} MB after warm-up, ${out.gateway_rss_mb.end} MB at the end`);
    print();
    print('Added by the gateway over calling the upstream directly:');
    print(comparisonTable(summary));
    print();
    print('Targets (informational):');
    print(targetTable(summary.targets));
    print();
    print(`wrote ${file} (${out.duration_s} s)`);
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    log(`bench failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  },
);
