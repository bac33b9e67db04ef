import type { Logger } from '../../shared/src/log';
import type { Aggregator } from './budgets/aggregator';

export interface WorkerDeps {
  log: Logger;
  /** Applies usage events to counters, budgets and rollups, exactly once each. */
  aggregator: Aggregator;
  /** Keeps a malformed message (dead-letter topic in production) and counts it. */
  deadLetter(data: string, reason: string): Promise<void>;
  /** Verifies the push's OIDC token; absent only where the emulator sends none. */
  verifyPush?: (authorization: string | undefined) => Promise<void>;
}
