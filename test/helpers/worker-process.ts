import { type ChildProcess, spawn } from 'node:child_process';
import { eventually } from './emulators';
import { freePort } from './listen';

export interface WorkerProcess {
  /** `127.0.0.1:<port>` it listens on. */
  host: string;
  /** Everything it wrote (JSON log lines). */
  output(): string;
  /** SIGKILL: no drain, no flush; pushes in flight (some committed, none acked) are redelivered. */
  kill(): Promise<void>;
  /** SIGTERM, as Cloud Run stops an instance. */
  close(): Promise<void>;
}

/**
 * The Cloud Run worker (services/worker/src/main.ts) as a real process on a free loopback port,
 * against the emulators named in `env`, without push authentication (the emulator sends no token).
 * Resolves once it listens.
 */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(process.execPath, ['-r', '@swc-node/register', 'services/worker/src/main.ts'], {
    env: { PATH: process.env.PATH, METADATA_SERVER_DETECTION: 'none', PORT: String(port), HOST: '127.0.0.1', PUSH_AUTH_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  await eventually(() => output.includes('worker listening'), 60_000, 50).catch((err: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n${output}`);
  });
  const stop = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  };
  return { host: `127.0.0.1:${port}`, output: () => output, kill: () => stop('SIGKILL'), close: () => stop('SIGTERM') };
}
