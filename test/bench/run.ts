/**
 * `npm run bench` (after `npm run build`): the gateway's production build against a fake upstream
 * and a bare node:http + undici pass-through (the floor), each in its own process, under a
 * Claude-Code-shaped streaming request. Two gateways: the headline rows run the production shape
 * (dist/gateway/src/main.js, as Cloud Run runs it, on the Firestore and Pub/Sub emulators, publishing
 * usage events through the real client to a worker in its own process); the second rows run local
 * mode (`npm start`). Each hop runs pinned to one CPU (as a one-vCPU Cloud Run instance) when taskset
 * is available, with the emulators and the worker (at nice 19) on the other CPUs meanwhile. Measures latency, TTFB, throughput, CPU, RSS and, from inside the gateways (probe.ts),
 * the longest event-loop stall and GC pause at 200 req/s, 1,000 req/s (open loop) and saturation
 * (closed loop); then the routed (fallback) and cache-hit cases in local mode, the cost of the worst
 * inline config a client may send, of an input guardrail with every built-in detector on a 100 KB
 * request, of an identity token next to a key, and the worker's committed events/s with the write rate of its
 * busiest Firestore document. Every gateway request is covered by two budgets and a rate limit (never
 * reached, evaluated in full). Prints a table and the targets (docs/testing.md §6) with PASS/FAIL
 * marks, writes bench-results/bench-<date>.json. Exits 0 whatever the figures; 1 only when the bench
 * itself broke.
 *
 * Knobs: BENCH_PHASE_SECONDS (default 10), BENCH_SLICES (stretches per phase, interleaved across the targets; default 5), BENCH_WARMUP_SECONDS (gateway warm-up, default 8), BENCH_BODY_KB (default 75), BENCH_CONNECTIONS (saturation,
 * default 50), BENCH_CPU (the CPU the hops are pinned to, default 0; empty: not pinned), BENCH_WORKER_CONCURRENCY (default 400),
 * BENCH_HEAP_SNAPSHOTS=1 (heap snapshots of the production gateway idle and under load into bench-results/heap/, summarised),
 * BENCH_CPU_PROF=1 (gateways run with --cpu-prof into bench-results/cpu-prof/; summarise with
 * profile-summary.ts), BENCH_GATEWAY_FLAGS (extra node flags for the gateways, e.g. --max-semi-space-size=64), BENCH_GATEWAY_ENV (NAME=value …).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { CLAUDE_CODE_HEADERS, claudeCodeBody } from './claude-code-request';
import { answerStream } from './fake-upstream';
import { summariseHeap } from './heap-summary';
import { measureGuardrailScan } from './guardrail-scan';
import { measureIdentityAuth } from './identity-auth';
import { measureInlineConfig } from './inline-config';
import { closedLoop, openLoop, type RequestSpec, type RunResult, Target } from './load';
import { combine, measure, type PhaseRecord, type Slice, slice } from './phases';
import { type Emulators, type ProductionOptions, startEmulators, startGateway, startProduction, stopPush } from './production';
import {
  type Child,
  compileProbe,
  forkChild,
  GATEWAY_CONTAINER_ENV,
  GATEWAY_NODE_FLAGS,
  pinToCpu,
  placeProcesses,
  procStats,
  startServiceChild,
} from './processes';
import { comparisonTable, phaseTable, type Summary, summariseGateway, targetChecks, targetTable } from './report';
import { KEYS, seed, WORKER_EVENT_SHAPE } from './seed';
import { requestStats, round } from './stats';
import { driveWorker } from './worker-load';

const ROOT = resolve(__dirname, '../..');
const GATEWAY_ENTRY = join(ROOT, 'dist/gateway/src/main.js');
const LOCAL_ENTRY = join(ROOT, 'dist/gateway/src/local.js');
const WORKER_ENTRY = join(ROOT, 'dist/worker/src/main.js');
const SECONDS = Number(process.env.BENCH_PHASE_SECONDS ?? 10);
/** Stretches each phase is cut into, interleaved across the targets (BENCH_SLICES). */
const SLICES = Math.max(1, Number(process.env.BENCH_SLICES ?? 5));
const BODY_BYTES = Number(process.env.BENCH_BODY_KB ?? 75) * 1000;
const CACHE_BODY_BYTES = 50_000;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';
const HEAP_SNAPSHOTS = process.env.BENCH_HEAP_SNAPSHOTS === '1';
const GATEWAY_FLAGS = (process.env.BENCH_GATEWAY_FLAGS ?? '').split(/\s+/).filter(Boolean);
/** The container's environment, plus BENCH_GATEWAY_ENV: extra environment for the gateways, `NAME=value` separated by spaces (e.g. MALLOC_ARENA_MAX=8). */
const GATEWAY_ENV = {
  ...GATEWAY_CONTAINER_ENV,
  ...Object.fromEntries(
    (process.env.BENCH_GATEWAY_ENV ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((kv) => kv.split('=', 2) as [string, string]),
  ),
};
const WORKER_CONCURRENCY = Number(process.env.BENCH_WORKER_CONCURRENCY ?? 400);
const UPSTREAM_KEY = 'sk-ant-bench-not-a-real-key';
/** The gateway's hot path needs a few thousand requests before V8 has optimised it (3 s left it ~40% slower). */
const GATEWAY_WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 8);
const WARMUP_CONNECTIONS = 8;
/** Open loop: requests waiting at once before the generator drops (and counts) new ones. */
const MAX_IN_FLIGHT = 500;
/**
 * RSS is read twice before any load: 3 s after the processes are ready, with what their boot left
 * (the listeners' first snapshots, the boot's garbage), and again once they have idled 20 s, which is
 * what an idle instance holds. V8's memory reducer collects and gives the freed pages back only on its
 * second look, 8 s after its first: in the production gateway that came 12–14 s after ready (RSS
 * ~102 MB before, 90–93 MB after; README, Performance), so a reading at 10 s saw the boot's pages.
 */
const BOOTED_READ_MS = 3000;
const IDLE_READ_MS = 20_000;

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

/** The CPU the hops run on: BENCH_CPU (default 0) when taskset exists and the machine has a second CPU for the rest. */
function pinnedCpu(): string | undefined {
  const cpu = process.env.BENCH_CPU ?? '0';
  if (!cpu || cpus().length < 2) return undefined;
  try {
    execFileSync('taskset', ['-c', cpu, 'true'], { stdio: 'ignore' });
    return cpu;
  } catch {
    return undefined;
  }
}

const allCpus = () =>
  cpus()
    .map((_, i) => i)
    .join(',');
/** Every CPU but the hops' (BENCH_CPU: one index or a comma-separated list). */
const otherCpus = (cpu: string) => {
  const hops = cpu.split(',');
  return cpus()
    .map((_, i) => String(i))
    .filter((i) => !hops.includes(i))
    .join(',');
};

const rssMb = (c: Child) => round((procStats(c.pid)?.rssKb ?? NaN) / 1024, 1);

async function main(): Promise<void> {
  // Google's clients here (seeding, topics) and in every child must never look for the metadata server.
  process.env.METADATA_SERVER_DETECTION = 'none';
  for (const entry of [GATEWAY_ENTRY, LOCAL_ENTRY, WORKER_ENTRY])
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first (npm run bench does).`);
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const children: Child[] = [];
  const targets: Target[] = [];
  let emulators: Emulators | undefined;
  const cleanup = async () => {
    await Promise.all(targets.map((t) => t.close().catch(() => undefined)));
    await Promise.all(children.map((c) => c.stop()));
    emulators?.stop();
    rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

  try {
    const body = Buffer.from(JSON.stringify(claudeCodeBody(BODY_BYTES)));
    const cacheBody = Buffer.from(JSON.stringify(claudeCodeBody(CACHE_BODY_BYTES, 2)));
    const answerBytes = Buffer.byteLength(answerStream('msg_01Bench00000000000000000000'));
    const loadAtStart = loadavg()[0];
    const cpu = pinnedCpu();
    if (loadAtStart > cpus().length / 2)
      log(
        `note: load average ${loadAtStart.toFixed(1)} on ${cpus().length} CPUs before the bench started; other work on this machine will show in the figures.`,
      );
    log(
      `Gatehouse bench: ${(body.length / 1000).toFixed(1)} KB Claude-Code-shaped streaming request, ${(answerBytes / 1000).toFixed(1)} KB SSE answer, ${SECONDS} s per phase, ${cpus().length} CPUs, Node ${process.version}, hops ${cpu === undefined ? 'not pinned' : `pinned to CPU ${cpu}`}`,
    );

    // Each in its own process: the generator (this process) shares an event loop with none of them.
    const [upstream, emulatorsOrSkip] = await Promise.all([forkChild('fake upstream', join(__dirname, 'fake-upstream.ts')), startEmulators()]);
    children.push(upstream);
    if ('stop' in emulatorsOrSkip) emulators = emulatorsOrSkip;
    else log(`!!! production rows SKIPPED: ${emulatorsOrSkip.skipped}`);
    const benchSeed = seed(upstream.url);
    const seedPath = join(work, 'seed.json');
    writeFileSync(seedPath, JSON.stringify(benchSeed));
    const probe = compileProbe(work);
    const profDir = join(ROOT, 'bench-results', 'cpu-prof');
    if (CPU_PROF) mkdirSync(profDir, { recursive: true });
    const gatewayFlags = [...GATEWAY_NODE_FLAGS, ...GATEWAY_FLAGS, ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])];
    const [proxy, local] = await Promise.all([
      forkChild('bare proxy', join(__dirname, 'bare-proxy.ts'), [upstream.url], { probe, nodeFlags: GATEWAY_NODE_FLAGS, env: GATEWAY_CONTAINER_ENV }),
      startServiceChild({ name: 'gateway local', entry: LOCAL_ENTRY, env: { ...GATEWAY_ENV, GATEHOUSE_SEED: seedPath }, nodeFlags: gatewayFlags, probe, cpu }),
    ]);
    children.push(proxy, local);
    if (cpu !== undefined) pinToCpu(proxy.pid, cpu);
    const project = `bench-${Date.now()}`;
    let production: { gateway: Child; worker: Child } | undefined;
    const productionOptions: ProductionOptions | undefined = emulators && {
      emulators,
      project,
      seed: benchSeed,
      gatewayEntry: GATEWAY_ENTRY,
      workerEntry: WORKER_ENTRY,
      gatewayFlags,
      gatewayEnv: GATEWAY_ENV,
      probe,
      cpu,
    };
    if (productionOptions) {
      production = await startProduction(productionOptions);
      children.push(production.worker, production.gateway);
    }
    const gateway = production?.gateway;
    // The emulators and the worker stand for services Cloud Run runs on other machines: off the hops'
    // CPU until the worker is measured itself. The worker also yields to the rest (nice 19): it is not
    // on the request path, where the emulators are (a rate-limit lease, a publish's acknowledgement).
    const others = cpu === undefined ? undefined : otherCpus(cpu);
    if (others && emulators && production) {
      placeProcesses(emulators.pids, others, 0);
      placeProcesses([production.worker.pid], others, 19);
    }
    const rssNow = () => ({ production: gateway ? rssMb(gateway) : NaN, local: rssMb(local), proxy: rssMb(proxy) });
    await sleep(BOOTED_READ_MS);
    const rssBooted = rssNow();
    await sleep(IDLE_READ_MS - BOOTED_READ_MS);
    const rssIdle = rssNow();

    const direct = new Target('direct', upstream.url);
    const bare = new Target('bare proxy', proxy.url);
    const lgw = new Target('gateway local', local.url);
    const pgw = gateway ? new Target('gateway', gateway.url) : undefined;
    targets.push(direct, bare, lgw, ...(pgw ? [pgw] : []));
    const path = '/v1/messages?beta=true';
    const upstreamSpec: RequestSpec = { label: 'direct', path, headers: { ...CLAUDE_CODE_HEADERS, 'x-api-key': UPSTREAM_KEY }, body };
    const gwSpec = (label: keyof typeof KEYS, b = body): RequestSpec => ({
      label,
      path,
      headers: { ...CLAUDE_CODE_HEADERS, authorization: `Bearer ${KEYS[label]}` },
      body: b,
    });
    const hopOf = new Map<Target, Child | undefined>([
      [direct, undefined],
      [bare, proxy],
      [lgw, local],
      ...(pgw && gateway ? [[pgw, gateway] as [Target, Child]] : []),
    ]);
    const plan: [Target, RequestSpec][] = [
      [direct, upstreamSpec],
      [bare, upstreamSpec],
      ...(pgw ? [[pgw, gwSpec('single')] as [Target, RequestSpec]] : []),
      [lgw, gwSpec('single')],
    ];
    const procsFor = (t: Target) => {
      const hop = hopOf.get(t);
      return { upstream, hop, rest: children.filter((c) => c !== upstream && c !== hop) };
    };

    // The bench is broken (exit 1) unless every path answers a complete stream. Each target's first
    // request after boot is timed: it pays for whatever the process builds lazily.
    const firstMs = new Map<string, number>();
    for (const [t, spec] of [...plan, [lgw, gwSpec('fallback')] as const]) {
      const o = await t.once(spec);
      if (!firstMs.has(t.name)) firstMs.set(t.name, round(o.latencyMs, 1));
      if (!o.ok) throw new Error(`${t.name} (${spec.label}) did not answer a complete stream: ${o.error}\n${hopOf.get(t)?.stderrTail() ?? ''}`);
      if (t.name.startsWith('gateway') && o.headers['x-gatehouse-provider'] !== '@a')
        throw new Error(`${t.name} answered from ${o.headers['x-gatehouse-provider']}, expected @a`);
    }

    // Closed loop, so a target slower than the warm-up rate cannot build a backlog that spills into the first phase.
    const warmup = (t: Target) => (t.name.startsWith('gateway') ? GATEWAY_WARMUP_SECONDS : 3);
    log(`warming up (${plan.map(([t]) => `${t.name} ${warmup(t)} s`).join(', ')}; ${WARMUP_CONNECTIONS} connections)…`);
    for (const [t, spec] of plan) await closedLoop(t, [spec], WARMUP_CONNECTIONS, warmup(t));

    const phases: PhaseRecord[] = [];
    const record = (p: PhaseRecord) => {
      phases.push(p);
      const s = p.stats;
      const inside = p.hop_inside ? `  stall ${p.hop_inside.stall_max_ms} ms  gc ${p.hop_inside.gc_max_ms} ms` : '';
      log(
        `  ${p.phase.padEnd(22)} ${p.target.padEnd(13)} ${s.throughput_rps.toFixed(0).padStart(6)} ok/s  p50 ${s.latency_ms.p50.toFixed(2)} ms  p99 ${s.latency_ms.p99.toFixed(2)} ms  errors ${s.errors}  dropped ${s.dropped}${inside}`,
      );
    };
    // Each load runs as SLICES stretches per target, the targets taken in turn (the order rotated each
    // round): a slow spell of the VM, which can last seconds and which no process here can see, then
    // falls on every target alike instead of on whichever phase it came in.
    const interleaved = async (
      phase: string,
      load: Pick<PhaseRecord, 'offered_rps' | 'connections'>,
      run: (t: Target, spec: RequestSpec, seconds: number) => Promise<RunResult>,
    ) => {
      const slices = new Map<Target, Slice[]>(plan.map(([t]) => [t, []]));
      for (let round = 0; round < SLICES; round++) {
        for (let i = 0; i < plan.length; i++) {
          const [t, spec] = plan[(i + round) % plan.length];
          const s = await slice(procsFor(t), () => run(t, spec, SECONDS / SLICES));
          slices.get(t)!.push(s);
          if (s.result.stuck || s.result.outcomes.some((o) => !o.ok)) await t.reset();
          await sleep(300);
        }
      }
      for (const [t] of plan) record(combine(procsFor(t), { phase, target: t.name, ...load, seconds: SECONDS }, slices.get(t)!));
    };
    for (const rate of [200, 1000])
      await interleaved(`${rate} req/s`, { offered_rps: rate }, (t, spec, seconds) => openLoop(t, [spec], rate, seconds, MAX_IN_FLIGHT));
    await interleaved(`saturation (${CONNECTIONS} conns)`, { connections: CONNECTIONS }, (t, spec, seconds) => closedLoop(t, [spec], CONNECTIONS, seconds));

    // Heap snapshots of a fresh production gateway (writing one leaves the process's RSS inflated),
    // idle and halfway through 4 s at 1,000 req/s (the snapshot stalls it).
    const heapFiles: Record<string, string> = {};
    if (HEAP_SNAPSHOTS && productionOptions) {
      const fresh = await startGateway(productionOptions);
      children.push(fresh);
      const heapDir = join(ROOT, 'bench-results', 'heap');
      mkdirSync(heapDir, { recursive: true });
      const snapshot = async (label: string) => {
        const file = join(heapDir, `gateway-${new Date(started).toISOString().replace(/[:.]/g, '-')}-${label}.heapsnapshot`);
        heapFiles[label] = await fresh.probe!.heapSnapshot(file);
      };
      await sleep(BOOTED_READ_MS);
      await snapshot('idle');
      const t = new Target('gateway (snapshots)', fresh.url);
      targets.push(t);
      await closedLoop(t, [gwSpec('single')], WARMUP_CONNECTIONS, GATEWAY_WARMUP_SECONDS);
      const loadRun = openLoop(t, [gwSpec('single')], 1000, 4, MAX_IN_FLIGHT);
      await sleep(2000);
      await snapshot('load');
      await loadRun;
      await fresh.stop();
    }

    // The routing target (docs/testing.md §6): a fallback config whose first target answers vs the
    // single-provider path, interleaved request by request at 200 req/s in total so that both see the
    // same machine at the same moment.
    const routed = await measure(
      procsFor(lgw),
      { phase: 'routed (200 req/s)', target: 'gateway local single+fallback', offered_rps: 200, seconds: SECONDS },
      () => openLoop(lgw, [gwSpec('single'), gwSpec('fallback')], 200, SECONDS, MAX_IN_FLIGHT),
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
    const prime = await lgw.once(cacheSpec);
    let probeHit = prime;
    for (let i = 0; i < 10 && probeHit.ok && probeHit.headers['x-gatehouse-cache-status'] !== 'HIT'; i++) {
      await sleep(100);
      probeHit = await lgw.once(cacheSpec);
    }
    if (probeHit.ok && probeHit.headers['x-gatehouse-cache-status'] === 'HIT') {
      const cacheSeconds = Math.max(2, Math.round(SECONDS / 2));
      const hit = await measure(
        procsFor(lgw),
        { phase: 'cache hit (200 req/s)', target: 'gateway local cached', offered_rps: 200, seconds: cacheSeconds },
        () => openLoop(lgw, [cacheSpec], 200, cacheSeconds, MAX_IN_FLIGHT),
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
      const status = probeHit.headers['x-gatehouse-cache-status'];
      cache = {
        skipped: probeHit.ok
          ? `config {"cache":{"mode":"simple"}} answered with x-gatehouse-cache-status ${status ? `"${status}"` : 'absent'} on a repeated request: no simple cache in this build`
          : `the cached config's request failed (${probeHit.error})`,
      };
    }
    const rssEnd = { production: gateway ? rssMb(gateway) : NaN, local: rssMb(local) };

    // The worker alone, driven at its push endpoint (worker-load.ts), once the gateway's events stop arriving.
    let worker: Summary['worker'];
    if (production) {
      await stopPush(project);
      if (others) placeProcesses([...(emulators?.pids ?? []), production.worker.pid], allCpus(), 0);
      log(`worker: ${WORKER_CONCURRENCY} concurrent pushes for ${SECONDS} s…`);
      worker = await driveWorker(production.worker, WORKER_EVENT_SHAPE, WORKER_CONCURRENCY, SECONDS);
      log(`  ${worker.events_per_s} events/s, ${worker.errors} errors, busiest document ${worker.busiest_doc?.per_s_avg ?? '?'} writes/s`);
    }

    // In this process, on the gateway's own functions, while the children idle.
    const inline = measureInlineConfig();
    const guardrails = measureGuardrailScan();
    const identity = await measureIdentityAuth();
    const summary: Summary = {
      production: gateway ? summariseGateway(phases, 'gateway', { booted: rssBooted.production, idle: rssIdle.production }) : undefined,
      production_skipped: gateway ? undefined : 'no Firestore / Pub/Sub emulator here',
      local: summariseGateway(phases, 'gateway local', { booted: rssBooted.local, idle: rssIdle.local }),
      routing,
      cache,
      inline_config: { p50_ms: round(inline.p50_ms, 3), p99_ms: round(inline.p99_ms, 3), bytes: inline.bytes },
      guardrail_scan: { p50_ms: round(guardrails.p50_ms, 3), p99_ms: round(guardrails.p99_ms, 3), bytes: guardrails.bytes },
      identity_auth: { key_us: round(identity.key_us, 2), token_us: round(identity.token_us, 2), token_first_ms: round(identity.token_first_ms, 2) },
      worker,
      targets: [],
    };
    summary.targets = targetChecks(summary);
    const heap = Object.fromEntries(Object.entries(heapFiles).map(([label, file]) => [label, { file, ...summariseHeap(file) }]));
    const out = {
      kind: 'gatehouse-bench',
      version: 2,
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
        hops_pinned_to_cpu: cpu ?? null,
        gateway:
          'dist/gateway/src/main.js (Cloud Run entry: Firestore emulator store, usage events to the Pub/Sub emulator, pushed to dist/worker/src/main.js in its own process), Anthropic-kind provider',
        gateway_local: 'dist/gateway/src/local.js (npm start: memory store, in-process bus and worker)',
        floor: 'node:http + undici Pool pass-through (test/bench/bare-proxy.ts)',
        generator: 'undici Pool.dispatch in the parent process; latency from dispatch to end of stream, ttfb to the first body chunk',
        gateway_node_flags: gatewayFlags,
        gateway_env: GATEWAY_ENV,
        cpu_profile: CPU_PROF ? profDir : undefined,
      },
      rss_mb: { booted: rssBooted, idle: rssIdle, end: rssEnd },
      first_request_ms: Object.fromEntries(firstMs),
      heap,
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
    print(
      `RSS 3 s after ready: production gateway ${rssBooted.production} MB, local ${rssBooted.local} MB, bare proxy ${rssBooted.proxy} MB; idle (20 s): production ${rssIdle.production} MB, local ${rssIdle.local} MB, bare proxy ${rssIdle.proxy} MB; at the end: production ${rssEnd.production} MB, local ${rssEnd.local} MB`,
    );
    print(`First request after boot (ms): ${[...firstMs].map(([name, ms]) => `${name} ${ms}`).join(', ')}`);
    for (const [label, h] of Object.entries(heap)) print(`heap snapshot (${label}): ${h.file}\n${h.table}`);
    print();
    print('Added by the gateway over calling the upstream directly:');
    print(comparisonTable(summary));
    print();
    print('Targets:');
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
