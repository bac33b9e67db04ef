import type { BudgetAlert } from '../../../shared/src/budget/alert';
import type { Budget } from '../../../shared/src/budget/entity';
import { formatAmount } from '../../../shared/src/budget/status';
import type { Logger } from '../../../shared/src/log';

export interface AlertSinkOptions {
  log: Logger;
  /** The alerts topic; absent in local mode without Pub/Sub. */
  publish?: (alert: BudgetAlert, attributes: Record<string, string>) => Promise<void>;
  /** Per webhook attempt. Default 5 s. */
  webhookTimeoutMs?: number;
  /** Default 3. */
  webhookAttempts?: number;
  /** First retry delay, doubled per attempt. Default 1 s. */
  retryBaseMs?: number;
}

export interface AlertSink {
  /** Logs the alert at once, then publishes it and calls the budget's webhook in the background. */
  deliver(alert: BudgetAlert, budget: Budget): void;
  /** Resolves when every delivery started so far has finished (tests, shutdown). */
  idle(): Promise<void>;
}

/** The WARNING line's `message`: infra/monitoring.tf's log-based metric matches it (test/infra checks). */
export const BUDGET_ALERT_LOG = 'budget threshold reached';

/**
 * Where a budget alert goes: a WARNING log line whose `message` (BUDGET_ALERT_LOG) and fields stay
 * stable, so a Cloud Monitoring log-based alert can match it; a
 * message on the alerts topic; and the budget's webhook, if it has one, with Slack-compatible JSON
 * (`text`, plus the alert itself under `gatehouse_alert`). None of it blocks the usage pipeline.
 */
export function createAlertSink(opts: AlertSinkOptions): AlertSink {
  const { log } = opts;
  const timeoutMs = opts.webhookTimeoutMs ?? 5000;
  const attempts = opts.webhookAttempts ?? 3;
  const retryBaseMs = opts.retryBaseMs ?? 1000;
  const inFlight = new Set<Promise<void>>();

  const track = (p: Promise<void>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  async function publish(alert: BudgetAlert): Promise<void> {
    try {
      await opts.publish!(alert, { budget_id: alert.budget_id, threshold: String(alert.threshold), version: String(alert.version) });
    } catch (err) {
      log.error('budget alert publish failed', { alertId: alert.alert_id, err: String(err) });
    }
  }

  async function callWebhook(url: string, alert: BudgetAlert): Promise<void> {
    const body = JSON.stringify({ text: alertText(alert), gatehouse_alert: alert });
    for (let attempt = 1; ; attempt++) {
      let failure: string;
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(timeoutMs) });
        await res.arrayBuffer();
        if (res.ok) return;
        failure = `HTTP ${res.status}`;
        // A 4xx other than 408/429 will not get better by asking again.
        if (res.status < 500 && res.status !== 408 && res.status !== 429) attempt = attempts;
      } catch (err) {
        failure = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : String(err);
      }
      if (attempt >= attempts) {
        log.error('budget alert webhook failed', { alertId: alert.alert_id, budgetId: alert.budget_id, attempts: attempt, failure });
        return;
      }
      await new Promise((r) => setTimeout(r, retryBaseMs * 2 ** (attempt - 1)));
    }
  }

  return {
    deliver(alert, budget) {
      log.warn(BUDGET_ALERT_LOG, {
        alertId: alert.alert_id,
        budgetId: alert.budget_id,
        budgetName: alert.budget_name,
        threshold: alert.threshold,
        usage: alert.usage,
        limit: alert.limit,
        metric: alert.metric,
        state: alert.state,
        windowStart: alert.window_start,
        windowEnd: alert.window_end,
        scope: alert.scope,
      });
      if (opts.publish) track(publish(alert));
      if (budget.webhook_url) track(callWebhook(budget.webhook_url, alert));
    },
    async idle() {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
  };
}

/** One line a person reads in Slack. */
export function alertText(a: BudgetAlert): string {
  const amount = (n: number) => formatAmount(a.metric, n);
  const resets = a.window_end ? `; resets ${a.window_end}` : '';
  return `Gatehouse budget "${a.budget_name}" reached ${a.threshold}% of its limit: ${amount(a.usage)} of ${amount(a.limit)}${resets}.`;
}
