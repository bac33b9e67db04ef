import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const LOG_MODULE = resolve(__dirname, '../../services/shared/src/log');

/**
 * Runs a script against the real stdout logger in a child process and returns the entries it printed
 * (without the one diagnostic entry @google-cloud/logging adds per process).
 */
function run(body: string): Record<string, unknown>[] {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-log-'));
  try {
    const script = join(dir, 'script.ts');
    writeFileSync(
      script,
      `import { createLogger } from ${JSON.stringify(LOG_MODULE)};\nconst log = createLogger({ service: 'gateway', project: 'p' });\n${body}\n`,
    );
    const out = execFileSync(process.execPath, ['-r', '@swc-node/register', script], {
      cwd: resolve(__dirname, '../..'),
      env: { ...process.env, METADATA_SERVER_DETECTION: 'none', NODE_OPTIONS: '' },
      encoding: 'utf8',
      timeout: 20_000, // a logger that kept the child alive must fail the test, not hang the run
    });
    return out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((e) => !('logging.googleapis.com/diagnostic' in e));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

it('writes one Cloud Logging JSON line per entry on stdout', () => {
  const lines = run(`log.info('hello', { requestId: 'r1', trace: 'projects/p/traces/t1' }); log.error('bad', { n: 2 });`);
  expect(lines).toEqual([
    expect.objectContaining({
      severity: 'INFO',
      message: 'hello',
      service: 'gateway',
      requestId: 'r1',
      'logging.googleapis.com/trace': 'projects/p/traces/t1',
    }),
    expect.objectContaining({ severity: 'ERROR', message: 'bad', n: 2 }),
  ]);
});

it('loses no line when the process exits in the same turn as it logged', () => {
  const lines = run(`for (let i = 0; i < 3; i++) log.warn('line ' + i);\nprocess.exit(0);`);
  expect(lines.map((e) => e.message)).toEqual(['line 0', 'line 1', 'line 2']);
});

it('keeps lines in order across turns of the event loop', () => {
  const lines = run(`log.info('a');\nsetImmediate(() => { log.info('b'); setTimeout(() => log.info('c'), 5); });\nlog.info('a2');`);
  expect(lines.map((e) => e.message)).toEqual(['a', 'a2', 'b', 'c']);
});
