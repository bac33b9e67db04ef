import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Jest globalSetup: no Google client may look for the real metadata server, and the Firestore and
 * Pub/Sub emulators run on loopback when their jars are installed (test/infra notes: start the jars
 * directly, poll `GET /` for `Ok`). Variables set here reach every worker; the PIDs reach
 * globalTeardown through `globalThis`.
 */
export const FIRESTORE_JAR = '/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar';
export const PUBSUB_JAR = '/usr/lib/google-cloud-sdk/platform/pubsub-emulator/lib/cloud-pubsub-emulator-0.8.20-all.jar';
const READY_TIMEOUT_MS = 30_000;
/** C1 only: the JVMs start about a third sooner, and the emulators' test workloads are small. */
const JVM_FLAGS = ['-XX:TieredStopAtLevel=1'];
/**
 * `sh -c WATCHDOG emulator <jest pid> java …`: runs java until it exits or jest is gone. The shell
 * always reaps the JVM itself (trap), because PID 1 on these machines does not reap orphans.
 */
const WATCHDOG =
  'parent=$1; shift; "$@" & jvm=$!; ' +
  'trap \'kill "$jvm" 2>/dev/null; wait "$jvm"; exit 0\' TERM INT HUP; ' +
  'while kill -0 "$parent" 2>/dev/null && kill -0 "$jvm" 2>/dev/null; do sleep 1; done; ' +
  'kill "$jvm" 2>/dev/null; wait "$jvm"';

export interface Emulator {
  name: string;
  envVar: 'FIRESTORE_EMULATOR_HOST' | 'PUBSUB_EMULATOR_HOST';
  jar: string;
  args: (port: number) => string[];
  suites: string;
}

export const EMULATORS: Emulator[] = [
  {
    name: 'Firestore',
    envVar: 'FIRESTORE_EMULATOR_HOST',
    jar: FIRESTORE_JAR,
    // The jar has no Main-Class: `java -jar` fails.
    args: (port) => [
      '-Duser.language=en',
      '-cp',
      FIRESTORE_JAR,
      'com.google.cloud.datastore.emulator.firestore.CloudFirestore',
      'start',
      '--host=127.0.0.1',
      `--port=${port}`,
    ],
    suites: 'Firestore contract suites',
  },
  {
    name: 'Pub/Sub',
    envVar: 'PUBSUB_EMULATOR_HOST',
    jar: PUBSUB_JAR,
    args: (port) => ['-jar', PUBSUB_JAR, '--host=127.0.0.1', `--port=${port}`],
    suites: 'Pub/Sub contract suites',
  },
];

export interface EmulatorGlobals {
  __GATEHOUSE_EMULATOR_PIDS__?: number[];
  __GATEHOUSE_EMULATOR_LOGS__?: string[];
}

export default async function globalSetup(): Promise<void> {
  process.env.METADATA_SERVER_DETECTION = 'none';
  const pids: number[] = [];
  const logs: string[] = [];
  Object.assign(globalThis, { __GATEHOUSE_EMULATOR_PIDS__: pids, __GATEHOUSE_EMULATOR_LOGS__: logs } satisfies EmulatorGlobals);
  // If jest dies before globalTeardown runs, still take the emulators down with it.
  process.once('exit', () => killGroups(pids, 'SIGKILL'));
  await Promise.all([...EMULATORS.map((e) => start(e, pids, logs)), buildDashboard()]);
}

/** The dashboard bundle the gateway serves (dist/dashboard), built when missing or stale: a few seconds. */
function buildDashboard(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, '..', '..', 'services', 'dashboard', 'ensure-built.mjs')], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`building the dashboard failed (exit ${code})`))));
  });
}

async function start(e: Emulator, pids: number[], logs: string[]): Promise<void> {
  if (process.env[e.envVar]) {
    console.log(`${e.name} emulator: using ${e.envVar}=${process.env[e.envVar]}`);
    return;
  }
  if (!existsSync(e.jar)) {
    console.log(`\n!!! ${e.name} emulator jar not found at ${e.jar}: ${e.suites} are SKIPPED\n`);
    return;
  }
  const started = await launchEmulator(e);
  if (started.pid) pids.push(started.pid);
  logs.push(started.logPath);
  if (started.ready) {
    process.env[e.envVar] = started.host;
    return;
  }
  if (started.pid) killGroups([started.pid], 'SIGKILL');
  logs.splice(logs.indexOf(started.logPath), 1); // kept for whoever reads the line below
  console.log(
    `\n!!! ${e.name} emulator did not answer on ${started.host} within ${READY_TIMEOUT_MS / 1000} s (log: ${started.logPath}): ${e.suites} are SKIPPED\n`,
  );
}

export interface LaunchedEmulator {
  host: string;
  /** The watchdog shell's pid, which is also its process group: signal `-pid` to reach the JVM too. */
  pid?: number;
  logPath: string;
  ready: boolean;
}

/**
 * Starts one emulator on a free loopback port, stopped by its watchdog within a second of this
 * process's exit; resolves once it answers (`ready`) or after READY_TIMEOUT_MS. Fault tests start
 * their own with it, so that pausing one disturbs no other test file. `jvmFlags`: the bench, which runs
 * for minutes, wants the JVM's full JIT rather than the quick start.
 */
export async function launchEmulator(e: Emulator, jvmFlags: string[] = JVM_FLAGS): Promise<LaunchedEmulator> {
  const port = await freePort();
  const logPath = join(tmpdir(), `gatehouse-${e.name.replace('/', '')}-emulator-${port}.log`);
  const out = openSync(logPath, 'w');
  // Its own process group, so teardown kills the JVM and its watchdog in one signal. The watchdog
  // stops the JVM within a second of jest dying without running globalTeardown (killed, timed out).
  const child = spawn('sh', ['-c', WATCHDOG, 'emulator', String(process.pid), 'java', ...jvmFlags, ...e.args(port)], {
    detached: true,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  child.unref();
  child.on('error', () => undefined); // reported by the readiness timeout below
  const host = `127.0.0.1:${port}`;
  return { host, pid: child.pid, logPath, ready: await ready(host, child) };
}

async function ready(host: string, child: ReturnType<typeof spawn>): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    try {
      const res = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1000) });
      if ((await res.text()).trim() === 'Ok') return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export function killGroups(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  }
}
