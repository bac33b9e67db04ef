import type { Logger } from '../../shared/src/log';
import type { Store } from '../../shared/src/store/port';

export interface WorkerDeps {
  store: Store;
  log: Logger;
  /** Keeps a malformed message (dead-letter topic in production) and counts it. */
  deadLetter(data: string, reason: string): Promise<void>;
  /** Verifies the push's OIDC token; absent only where the emulator sends none. */
  verifyPush?: (authorization: string | undefined) => Promise<void>;
}
