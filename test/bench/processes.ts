/**
 * The bench's child processes — fake upstream, bare proxy, gateway — each with its own event loop,
 * so the load generator never shares a loop with what it measures; and their RSS and CPU time, read
 * from /proc.
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { request } from 'undici';

export interface Child {
  name: string;
  pid: number;
  url: string;
  /** The last lines the child wrote to stderr, for error reports. */
  stderrTail(): string;
  stop(): Promise<void>;
}

function tailOf(proc: ChildProcess): () => string {
  let tail = '';
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (s: string) => (tail = (tail + s).slice(-4000)));
  return () => tail;
}

function stopper(proc: ChildProcess): () => Promise<void> {
  return async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 8_000);
    await exited;
    clearTimeout(timer);
  };
}

const running = new Set<ChildProcess>();
// Whatever way this process ends (an exception, process.exit, a closed stdout), no child outlives it.
process.once('exit', () => {
  for (const proc of running) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
});

function track(child: Child, proc: ChildProcess): Child {
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  return child;
}

/** A TypeScript child (compiled by @swc-node/register, inherited from this process) that sends `{ port }` over IPC. */
export function forkChild(name: string, file: string, args: string[] = []): Promise<Child> {
  const proc = fork(file, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, NODE_ENV: 'production' } });
  const stderrTail = tailOf(proc);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 20 s:\n${stderrTail()}`)), 20_000);
    proc.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening:\n${stderrTail()}`)));
    proc.once('message', (m: { port: number }) => {
      clearTimeout(timer);
      proc.removeAllListeners('exit');
      // The IPC channel stays open: the child exits when it closes, i.e. when this process dies.
      proc.channel?.unref();
      resolve(track({ name, pid: proc.pid!, url: `http://127.0.0.1:${m.port}`, stderrTail, stop: stopper(proc) }, proc));
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface GatewayChildOptions {
  /** The production entry, e.g. dist/gateway/src/local.js. */
  entry: string;
  seedPath: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
}

/**
 * Node flags the gateway runs with (`npm start` in package.json; the Cloud Run command will too). With
 * the old generation sized at 128 MB from the start, the gateway's p50 at 200 req/s measured 0.06–0.24
 * ms lower than with V8's default (two gateways interleaved request by request, 5 rounds). Left out:
 * `--min-semi-space-size`, which stops V8 from shrinking the young generation while the process idles.
 * It shortens the slow start of a burst after a pause (1,000 req/s after 25 s idle: requests waited up
 * to ~1 s for two seconds without it, under 0.5 s with 4 or 16 MB) but added ~0.1 ms to that p50.
 */
export const GATEWAY_NODE_FLAGS = ['--initial-old-space-size=128'];

/**
 * The gateway as `npm start` runs it, from the production build, in plain node (no TypeScript hook:
 * @swc-node/register would also recompile dist/*.js). Logs go to /dev/null: written, never read.
 */
export async function startGatewayChild(opts: GatewayChildOptions): Promise<Child> {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    GATEHOUSE_SEED: opts.seedPath,
    GATEHOUSE_STORE: 'memory',
    GATEHOUSE_BUS: 'memory',
    LOG_LEVEL: 'info',
    METADATA_SERVER_DETECTION: 'none',
    ANTHROPIC_API_KEY: 'sk-ant-bench-not-a-real-key',
  };
  const proc = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, ...(opts.nodeFlags ?? []), opts.entry], { stdio: ['ignore', 'ignore', 'pipe'], env });
  const stderrTail = tailOf(proc);
  const url = `http://127.0.0.1:${port}`;
  const child = track({ name: 'gateway', pid: proc.pid!, url, stderrTail, stop: stopper(proc) }, proc);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`gateway exited (${proc.exitCode}) during start-up:\n${stderrTail()}`);
    try {
      const res = await request(`${url}/healthz`);
      await res.body.text();
      if (res.statusCode === 200) return child;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await child.stop();
      throw new Error(`gateway did not answer /healthz within 30 s:\n${stderrTail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export interface ProcStats {
  rssKb: number;
  /** User + system CPU time since the process started. */
  cpuMs: number;
}

/** RSS and CPU time of a process from /proc (Linux). Undefined when unreadable (process gone, not Linux). */
export function procStats(pid: number): ProcStats | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond();
    return { rssKb, cpuMs };
  } catch {
    return undefined;
  }
}

/** CPU time (ms) the whole machine has spent busy since boot, all cores: /proc/stat's first line. */
export function machineBusyMs(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const [user, nice, system, _idle, _iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return ((user + nice + system + irq + softirq + (steal || 0)) * 1000) / ticksPerSecond();
  } catch {
    return undefined;
  }
}
