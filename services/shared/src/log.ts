import type { Logging } from '@google-cloud/logging';
// LogSync's and Entry's own modules, not the package's index: the index loads the Logging API's gRPC
// client and a second google-gax (~15 MB of heap, ~40 MB of RSS at boot) that JSON lines on stdout never use.
import { Entry, type StructuredJson } from '@google-cloud/logging/build/src/entry';
import { LogSync } from '@google-cloud/logging/build/src/log-sync';
import { Writable } from 'node:stream';

/**
 * JSON lines in Cloud Logging's structured format, written to stdout through @google-cloud/logging's
 * LogSync (Cloud Run's recommended path: no API call on the request path). Never pass prompts,
 * responses, keys or credentials as fields.
 */
export type Fields = Record<string, unknown>;
export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

const SEVERITY = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' } as const;
const RANK: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface LoggerOptions {
  service: string;
  project?: string;
  level?: Level;
  /** Defaults to stdout; tests pass a stream to capture every line. */
  transport?: Writable;
}

/**
 * Stdout, with the lines written during one turn of the event loop joined into one write: node writes
 * stdout synchronously (files and pipes alike), a syscall per line, and a busy gateway logs a line per
 * request. What is pending is written before the process exits.
 */
function batchedStdout(): Writable {
  let pending: string[] = [];
  const flush = () => {
    if (!pending.length) return;
    const text = pending.join('');
    pending = [];
    process.stdout.write(text);
  };
  process.on('exit', flush);
  return new Writable({
    decodeStrings: false,
    write(line: string, _encoding, done) {
      if (!pending.length) setImmediate(flush);
      pending.push(line);
      done();
    },
  });
}

/**
 * An entry whose fields go into its line as they are. Entry's own toStructuredJSON deep-copies them
 * first (the `extend` package), which for a request's line (its whole usage event) was ~3 KB of
 * garbage and ~2% of the gateway's CPU per request; the fields here are built for one line and
 * nothing changes them before LogSync stringifies it.
 */
class LineEntry extends Entry {
  override toStructuredJSON(projectId?: string, useMessageField?: boolean): StructuredJson {
    const fields = this.data as Fields;
    this.data = undefined;
    return Object.assign(super.toStructuredJSON(projectId, useMessageField), fields);
  }
}

let stdout: Writable | undefined;

export function createLogger(opts: LoggerOptions): Logger {
  // LogSync reads only `projectId` and `detectedResource` (unset: Cloud Run's agent adds the resource) of the client.
  const client = { projectId: opts.project ?? 'local' } as Logging;
  const sink = new LogSync(client, opts.service, opts.transport ?? (stdout ??= batchedStdout()), { useMessageField: false });
  const min = RANK[opts.level ?? 'info'];
  const make = (base: Fields): Logger => {
    const write = (level: Level, message: string, fields?: Fields) => {
      if (RANK[level] < min) return;
      const data = { message, service: opts.service, ...base, ...fields };
      // `trace`, `spanId` and `traceSampled` become the entry's logging.googleapis.com/* fields (joins Cloud Trace).
      const { trace, spanId, traceSampled, ...rest } = data as Fields & { trace?: string; spanId?: string; traceSampled?: boolean };
      sink.write(
        new LineEntry(
          { severity: SEVERITY[level], ...(trace ? { trace } : {}), ...(spanId ? { spanId } : {}), ...(traceSampled ? { traceSampled } : {}) },
          rest,
        ),
      );
    };
    return {
      debug: (m, f) => write('debug', m, f),
      info: (m, f) => write('info', m, f),
      warn: (m, f) => write('warn', m, f),
      error: (m, f) => write('error', m, f),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make({});
}

/** `projects/P/traces/T`, the form Cloud Logging links to Cloud Trace. */
export function traceResource(project: string | undefined, traceId: string): string {
  return `projects/${project ?? 'local'}/traces/${traceId}`;
}

/** Error fields safe to log: name, message and type, never the request that caused them. */
export function errorFields(err: unknown): Fields {
  if (err instanceof Error) return { err: { name: err.name, message: err.message, stack: err.stack } };
  return { err: String(err) };
}
