import { type CliIo, runCli } from '../../services/cli/src/run';

/** What one in-process `gatehouse` run printed; `json` is its output parsed, when the output is JSON. */
export interface Ran {
  code: number;
  out: string;
  err: string;
  json: any;
}

/** `gatehouse` run in-process (runCli) with this environment, its output captured. */
export async function runGatehouse(argv: string[], env: Record<string, string | undefined>, extra: Partial<CliIo> = {}): Promise<Ran> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    fetch,
    env,
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    ...extra,
  });
  let json: unknown;
  try {
    json = JSON.parse(out);
  } catch {
    json = undefined;
  }
  return { code, out, err, json };
}
