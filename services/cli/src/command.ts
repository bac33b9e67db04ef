import type { Store } from '../../shared/src/store/port';
import type { Args, FlagSpec } from './args';
import { AdminClient, type Fetch } from './client';

/** What the CLI touches, injected so tests run it in-process against a gateway on loopback. */
export interface CliIo {
  fetch: Fetch;
  env: Record<string, string | undefined>;
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  /** `bootstrap`: the gateway's store. Default: Firestore, as the gateway's env describes it. */
  openStore?: (env: Record<string, string | undefined>) => Store;
  readFile?: (path: string) => string;
}

export interface Run {
  args: Args;
  io: CliIo;
  client(): AdminClient;
  /** `--json`: the JSON value; otherwise the text. */
  print(text: string | (() => string), json: unknown): void;
  /** Diagnostics (warnings, hints) go to stderr so `--json` output stays parseable. */
  note(text: string): void;
}

export interface Command {
  /** `keys create`, `usage`, … */
  name: string;
  synopsis: string;
  flags: FlagSpec;
  run(r: Run): Promise<void>;
}

export function makeRun(args: Args, io: CliIo): Run {
  return {
    args,
    io,
    client: () => AdminClient.from(args, io.env, io.fetch),
    print(text, json) {
      io.stdout.write(args.has('json') ? `${JSON.stringify(json, null, 2)}\n` : typeof text === 'function' ? text() : text);
    },
    note(text) {
      io.stderr.write(`${text}\n`);
    },
  };
}
