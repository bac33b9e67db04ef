import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../services/shared/src/log';

/** The real logger, writing nowhere: for tests that are not about what is logged. */
export function silentLogger(service = 'test'): Logger {
  return createLogger({ service, transport: new Writable({ write: (_chunk, _encoding, done) => done() }) });
}
