/**
 * `npm run bench:worker`: the worker phase of the bench alone, in seconds rather than the whole
 * bench's minutes. Starts the emulators, seeds the bench's budgets, runs the worker from source (in
 * its own process, with the probe counting its Firestore writes) and drives its push endpoint as the
 * bench does (worker-load.ts). Prints the run as JSON with the load average around it.
 *
 * Knobs: BENCH_PHASE_SECONDS (default 10), BENCH_WORKER_CONCURRENCY (default 400), BENCH_WORKER_ENV
 * (extra environment for the worker, `NAME=value` separated by spaces, e.g. GATEHOUSE_COMMIT_WAIT_MS=100),
 * BENCH_CPU_PROF=1 (the worker runs with --cpu-prof into bench-results/cpu-prof/).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { applySeed, Seed } from '../../services/gateway/src/seed';
import { createFirestoreStore } from '../../services/shared/src/store/firestore';
import { startEmulators } from './production';
import { compileProbe, procStats, startServiceChild } from './processes';
import { seed, WORKER_EVENT_SHAPE } from './seed';
import { driveWorker } from './worker-load';

const ROOT = resolve(__dirname, '../..');
const SECONDS = Number(process.env.BENCH_PHASE_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_WORKER_CONCURRENCY ?? 400);
const WORKER_ENV = Object.fromEntries(
  (process.env.BENCH_WORKER_ENV ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((kv) => kv.split('=', 2) as [string, string]),
);
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';

async function main(): Promise<void> {
  process.env.METADATA_SERVER_DETECTION = 'none';
  const emulators = await startEmulators();
  if (!('stop' in emulators)) throw new Error(emulators.skipped);
  const work = mkdtempSync(join(tmpdir(), 'gatehouse-worker-bench-'));
  try {
    const project = `bench-${Date.now()}`;
    const env = { GOOGLE_CLOUD_PROJECT: project, FIRESTORE_EMULATOR_HOST: emulators.firestore, PUBSUB_EMULATOR_HOST: emulators.pubsub };
    Object.assign(process.env, env);
    const store = createFirestoreStore({ projectId: project });
    await applySeed(store, Seed.parse(seed('http://127.0.0.1:9')));
    await store.close();
    const profDir = join(ROOT, 'bench-results', 'cpu-prof');
    if (CPU_PROF) mkdirSync(profDir, { recursive: true });
    const worker = await startServiceChild({
      name: 'worker',
      entry: join(ROOT, 'services/worker/src/main.ts'),
      env: { ...env, PUSH_AUTH_DISABLED: 'true', BENCH_PROBE_FIRESTORE: '1', ...WORKER_ENV },
      nodeFlags: ['-r', '@swc-node/register', ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])],
      probe: compileProbe(work),
    });
    try {
      const load = loadavg()[0];
      const emulator = emulatorPid(emulators.firestore);
      const emulatorCpu = () => (emulator === undefined ? NaN : (procStats(emulator)?.cpuMs ?? NaN));
      const before = emulatorCpu();
      const run = await driveWorker(worker, WORKER_EVENT_SHAPE, CONCURRENCY, SECONDS);
      const emulatorUs = Math.round(((emulatorCpu() - before) * 1000) / Math.max(1, run.events_ok));
      const out = {
        load_average: [load, loadavg()[0]].map((l) => Math.round(l * 10) / 10),
        worker_env: WORKER_ENV,
        ...run,
        emulator_cpu_us_per_event: emulatorUs,
      };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } finally {
      await worker.stop();
    }
  } finally {
    emulators.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** The Firestore emulator's JVM: the java process listening on its port (its watchdog shell is the parent). */
function emulatorPid(host: string): number | undefined {
  const port = `--port=${host.split(':')[1]}`;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv[0].endsWith('java') && argv.includes(port)) return Number(pid);
    } catch {
      // gone
    }
  }
  return undefined;
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`worker bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
