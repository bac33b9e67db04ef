import type { BudgetAlert } from '../../shared/src/budget/alert';
import type { Logger } from '../../shared/src/log';
import type { Store } from '../../shared/src/store/port';
import { type AlertSink, createAlertSink } from './alerts/alert-sink';
import { type Aggregator, type AggregatorOptions, createAggregator } from './budgets/aggregator';

export interface UsagePipeline {
  aggregator: Aggregator;
  alerts: AlertSink;
  /** Commits what is pending, then waits for alert deliveries in progress. */
  close(): Promise<void>;
}

export interface PipelineOptions extends Partial<Pick<AggregatorOptions, 'maxEvents' | 'maxWaitMs' | 'statusIntervalMs' | 'logRetentionDays'>> {
  store: Store;
  log: Logger;
  publishAlert?: (alert: BudgetAlert, attributes: Record<string, string>) => Promise<void>;
  webhookRetryBaseMs?: number;
}

/** The worker's usage path, as the Cloud Run worker and the local all-in-one mode both run it. */
export async function startUsagePipeline(opts: PipelineOptions): Promise<UsagePipeline> {
  const alerts = createAlertSink({ log: opts.log, publish: opts.publishAlert, retryBaseMs: opts.webhookRetryBaseMs });
  const aggregator = createAggregator({ ...opts, alert: (a, b) => alerts.deliver(a, b) });
  await aggregator.start();
  return {
    aggregator,
    alerts,
    async close() {
      await aggregator.close();
      await alerts.idle();
    },
  };
}
