/**
 * A small argv parser: `--flag value`, `--flag=value`, boolean flags, repeated flags, positionals.
 * Each command declares the flags it takes, so a typo is a usage error that names it.
 */
export class UsageError extends Error {}

export interface FlagSpec {
  /** Flags that take no value. */
  booleans?: readonly string[];
  /** Flags that take a value. */
  values?: readonly string[];
}

export interface Args {
  positionals: string[];
  has(flag: string): boolean;
  /** The last value given for a flag. */
  get(flag: string): string | undefined;
  /** Every value given, comma-separated values split: `--scopes a,b --scopes c` → [a, b, c]. */
  list(flag: string): string[] | undefined;
}

/** Flags every command accepts. */
export const GLOBAL_FLAGS: Required<FlagSpec> = { booleans: ['json', 'help'], values: ['url', 'key'] };

export function parseArgs(argv: readonly string[], spec: FlagSpec): Args {
  const booleans = new Set([...GLOBAL_FLAGS.booleans, ...(spec.booleans ?? [])]);
  const values = new Set([...GLOBAL_FLAGS.values, ...(spec.values ?? [])]);
  const flags = new Map<string, string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const m = /^--?([^=]+)(?:=(.*))?$/s.exec(arg)!;
    const name = m[1] === 'h' ? 'help' : m[1] === 'f' ? 'file' : m[1];
    if (booleans.has(name)) {
      if (m[2] !== undefined) throw new UsageError(`--${name} takes no value.`);
      flags.set(name, ['true']);
    } else if (values.has(name)) {
      const value = m[2] ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value.`);
      flags.set(name, [...(flags.get(name) ?? []), value]);
    } else {
      const known = [...values, ...booleans].map((f) => `--${f}`).join(', ');
      throw new UsageError(`Unknown option --${name}. This command takes: ${known}.`);
    }
  }
  return {
    positionals,
    has: (f) => flags.has(f),
    get: (f) => flags.get(f)?.at(-1),
    list: (f) =>
      flags
        .get(f)
        ?.flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter(Boolean),
  };
}

/** `team=frontend` pairs → an object; a clear usage error otherwise. */
export function pairs(values: string[] | undefined, flag: string): Record<string, string> | undefined {
  if (!values) return undefined;
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i <= 0) throw new UsageError(`--${flag} takes key=value pairs, e.g. --${flag} team=frontend; got "${v}".`);
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}
