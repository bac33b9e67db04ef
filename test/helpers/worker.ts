import type { Logger } from '../../services/shared/src/log';
import type { Store } from '../../services/shared/src/store/port';
import { type PipelineOptions, startUsagePipeline, type UsagePipeline } from '../../services/worker/src/pipeline';
import { silentLogger } from './log';

/** The worker's usage pipeline with short timers, so tests see commits and statuses within ~100 ms. */
export function startTestPipeline(store: Store, opts: Partial<PipelineOptions> & { log?: Logger } = {}): Promise<UsagePipeline> {
  return startUsagePipeline({ store, log: silentLogger('worker'), maxWaitMs: 5, statusIntervalMs: 100, webhookRetryBaseMs: 20, ...opts });
}
