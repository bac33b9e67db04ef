import { Writable } from 'node:stream';
import { createLogger, type Level, type Logger } from '../../services/shared/src/log';

/** The real logger, writing nowhere: for tests that are not about what is logged. */
export function silentLogger(service = 'test'): Logger {
  return createLogger({ service, transport: new Writable({ write: (_chunk, _encoding, done) => done() }) });
}

/**
 * The real logger, keeping every line it writes, parsed, in `lines`; `onText` also gets each write as
 * it came (for the no-secrets-in-logs checks).
 */
export function capturingLogger(opts: { service?: string; level?: Level; onText?: (text: string) => void } = {}): {
  log: Logger;
  lines: Record<string, unknown>[];
} {
  const lines: Record<string, unknown>[] = [];
  const transport = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      const text = chunk.toString();
      opts.onText?.(text);
      for (const line of text.split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, log: createLogger({ service: opts.service ?? 'test', level: opts.level, transport }) };
}
