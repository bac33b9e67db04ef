import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './emulators';
import { freePort } from './listen';

export interface LocalGateway {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
}

/**
 * `npm start` as a user runs it: a real process (services/gateway/src/local.ts) on loopback, seeded
 * from a file written from `seed`, with `env` added to a minimal environment (no metadata server).
 * Resolves once it listens.
 */
export async function startLocalGateway(seed: unknown, env: Record<string, string | undefined>): Promise<LocalGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-seed-'));
  const seedFile = join(dir, 'seed.json');
  writeFileSync(seedFile, JSON.stringify(seed));
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'services/gateway/src/local.ts'], {
    env: { PATH: process.env.PATH, HOME: dir, PORT: String(port), HOST: '127.0.0.1', GATEHOUSE_SEED: seedFile, METADATA_SERVER_DETECTION: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  await eventually(() => output.includes('Gatehouse is listening'), 60_000, 100).catch((err: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n${output}`);
  });
  return { url: `http://127.0.0.1:${port}`, child, output: () => output };
}
