/**
 * The bench's child processes — fake upstream, bare proxy, gateway — each with its own event loop,
 * so the load generator never shares a loop with what it measures; and their RSS and CPU time, read
 * from /proc.
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformFileSync } from '@swc/core';
import { createServer } from 'node:net';
import { request } from 'undici';
import type { ProbeReading } from './probe';

export interface Child {
  name: string;
  pid: number;
  url: string;
  /** The last lines the child wrote to stderr, for error reports. */
  stderrTail(): string;
  stop(): Promise<void>;
  /** Children started with the probe preloaded (probe.ts): what they measure from inside. */
  probe?: Probe;
}

/** The parent's side of probe.ts. */
export interface Probe {
  /** Starts a new measurement window. */
  mark(): void;
  read(): Promise<ProbeReading>;
  /** Writes a heap snapshot to `file` (blocking the child meanwhile); resolves with its path. */
  heapSnapshot(file: string): Promise<string>;
}

function probeOf(proc: ChildProcess): Probe {
  const ask = <T>(msg: object, kind: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${kind} answer from the probe of pid ${proc.pid}`)), 120_000);
      const onMessage = (m: { probe?: string }) => {
        if (m.probe !== kind) return;
        clearTimeout(timer);
        proc.off('message', onMessage);
        resolve(m as T);
      };
      proc.on('message', onMessage);
      proc.send(msg);
    });
  return {
    mark: () => void proc.send({ probe: 'mark' }),
    read: () => ask<ProbeReading>({ probe: 'read' }, 'read'),
    heapSnapshot: async (file) => (await ask<{ file: string }>({ probe: 'heap', file }, 'heap')).file,
  };
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

/**
 * A TypeScript child (compiled by @swc-node/register, inherited from this process) that sends `{ port }`
 * over IPC. A hop compared with the gateways (the bare proxy) runs as they do: their probe, node flags
 * and environment, so that a ratio compares code, not runtime settings or the probe's cost.
 */
export function forkChild(
  name: string,
  file: string,
  args: string[] = [],
  { probe, nodeFlags = [], env = {} }: Partial<Pick<GatewayChildOptions, 'probe' | 'nodeFlags' | 'env'>> = {},
): Promise<Child> {
  const proc = fork(file, args, {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, ...env, NODE_ENV: 'production' },
    execArgv: [...nodeFlags, ...process.execArgv, ...(probe ? ['-r', probe] : [])],
  });
  const stderrTail = tailOf(proc);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 20 s:\n${stderrTail()}`)), 20_000);
    proc.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening:\n${stderrTail()}`)));
    proc.once('message', (m: { port: number }) => {
      clearTimeout(timer);
      proc.removeAllListeners('exit');
      // The IPC channel stays open: the child exits when it closes, i.e. when this process dies.
      proc.channel?.unref();
      resolve(
        track({ name, pid: proc.pid!, url: `http://127.0.0.1:${m.port}`, stderrTail, stop: stopper(proc), probe: probe ? probeOf(proc) : undefined }, proc),
      );
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
  name: string;
  /** The production entry: dist/gateway/src/local.js (local mode) or main.js (Cloud Run's). */
  entry: string;
  /** Added to (or replacing) the local mode's environment. */
  env: Record<string, string>;
  /** Node flags: GATEWAY_NODE_FLAGS for the gateway, plus e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** probe.ts compiled to JavaScript, preloaded with -r. */
  probe?: string;
  /** Pins every thread of the process to this CPU (taskset), as a one-vCPU Cloud Run instance. */
  cpu?: string;
  /** Path answering 200 once the process can serve. Default /healthz. */
  readyPath?: string;
}

/**
 * Node flags the gateway runs with (`npm start` in package.json and the container's command; README,
 * Performance). A young generation of at most 2 × 4 MB (V8's default grows it to 2 × 16 MB during
 * boot and keeps it): the production gateway's idle RSS 96–97 MB instead of 124, its peak under load
 * ~190 MB instead of ~220, for a scavenge every ~20 requests instead of every ~100. Dropped:
 * `--initial-old-space-size=128` (measured 0.06–0.24 ms lower p50 at 200 req/s in local mode with
 * the default young generation), which leaves the boot's garbage (~10 MB) in the heap and V8's memory
 * reducer unarmed. Left out: `--min-semi-space-size`, which stops V8 from shrinking the young
 * generation while the process idles; it shortened the slow start of a burst after a pause but added
 * ~0.1 ms to that p50.
 */
export const GATEWAY_NODE_FLAGS = [
  '--single-threaded-gc',
  '--heap-growing-percent=50',
  '--no-allocation-site-pretenuring',
  '--max-semi-space-size=4',
  '--max-old-space-size=640',
];

/** The gateway container's environment (services/gateway/Dockerfile: ENV), which the bench's gateways run with. */
export const GATEWAY_CONTAINER_ENV = { MALLOC_ARENA_MAX: '2' };

/**
 * A service (the gateway as `npm start` or Cloud Run runs it, or the worker) from the production
 * build, in plain node (no TypeScript hook: @swc-node/register would also recompile dist/*.js). Logs
 * go to /dev/null: written, never read.
 */
export async function startServiceChild(opts: GatewayChildOptions): Promise<Child> {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    GATEHOUSE_STORE: 'memory',
    GATEHOUSE_BUS: 'memory',
    LOG_LEVEL: 'info',
    METADATA_SERVER_DETECTION: 'none',
    ANTHROPIC_API_KEY: 'sk-ant-bench-not-a-real-key',
    ...opts.env,
  };
  const args = [...(opts.nodeFlags ?? []), ...(opts.probe ? ['-r', opts.probe] : []), opts.entry];
  const [cmd, argv] = opts.cpu ? ['taskset', ['-c', opts.cpu, process.execPath, ...args]] : [process.execPath, args];
  const proc = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe', ...(opts.probe ? (['ipc'] as const) : [])], env });
  const stderrTail = tailOf(proc);
  const url = `http://127.0.0.1:${port}`;
  const child = track({ name: opts.name, pid: proc.pid!, url, stderrTail, stop: stopper(proc), probe: opts.probe ? probeOf(proc) : undefined }, proc);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${opts.name} exited (${proc.exitCode}) during start-up:\n${stderrTail()}`);
    try {
      const res = await request(`${url}${opts.readyPath ?? '/healthz'}`);
      await res.body.text();
      if (res.statusCode === 200) return child;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await child.stop();
      throw new Error(`${opts.name} did not answer ${opts.readyPath ?? '/healthz'} within 60 s:\n${stderrTail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Pins every thread of a running process to `cpu` (one CPU, or a comma-separated list). */
export function pinToCpu(pid: number, cpu: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpu, String(pid)], { stdio: 'ignore' });
}

/** The processes in each process group (/proc: a stat's fifth field is the group), with `pids` themselves. */
function withGroupMembers(pids: number[]): number[] {
  const found = new Set(pids);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pids.includes(pgrp)) found.add(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return [...found];
}

/**
 * Moves every thread of these processes, and of the process groups they lead, to `cpus` at
 * niceness `nice`. Both are per thread on Linux, and a thread started later inherits them from the
 * thread that starts it. The bench keeps the emulators and the worker off the hop's CPU and behind
 * its own processes this way while the gateways are measured: on Cloud Run they run elsewhere, and
 * sharing the one core (a worker taking ~0.5 ms per event at 1,000 events/s) made the gateway's
 * tail the worker's. Best effort: a process that is gone is skipped.
 */
export function placeProcesses(pids: number[], cpus: string, nice: number): void {
  for (const pid of withGroupMembers(pids)) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    try {
      pinToCpu(pid, cpus);
      execFileSync('renice', ['-n', String(nice), '-p', ...tids], { stdio: 'ignore' });
    } catch {
      // exited meanwhile
    }
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

/** probe.ts as JavaScript, for `node -r` in the production build's processes (no TypeScript hook there). */
export function compileProbe(dir: string): string {
  const out = join(dir, 'probe.js');
  const { code } = transformFileSync(join(__dirname, 'probe.ts'), {
    jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
    module: { type: 'commonjs' },
  });
  writeFileSync(out, code);
  return out;
}
