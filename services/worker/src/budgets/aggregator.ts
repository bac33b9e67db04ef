import { alertRecord, type BudgetAlert } from '../../../shared/src/budget/alert';
import type { Budget } from '../../../shared/src/budget/entity';
import type { Logger } from '../../../shared/src/log';
import { DEFAULT_LOG_RETENTION_DAYS, requestLogOf } from '../../../shared/src/request-log';
import type { Store } from '../../../shared/src/store/port';
import type { UsageEvent } from '../../../shared/src/usage-event';
import { type BudgetTouch, usageDeltas } from './deltas';
import { nextStatus } from './next-status';

export interface AggregatorOptions {
  store: Store;
  log: Logger;
  /** Delivers an alert (topic, webhook, log line); must not block. */
  alert: (a: BudgetAlert, budget: Budget) => void;
  /** A batch is committed when it holds this many events… Default 200. */
  maxEvents?: number;
  /** …or this long after its first event. Default 250 ms. */
  maxWaitMs?: number;
  /** How long after a status pass ends the next recomputes the budget statuses touched since. Default 1 s. */
  statusIntervalMs?: number;
  /** How long each event's request log, and each alert in the history, is kept. Default 30 days. */
  logRetentionDays?: number;
  now?: () => number;
}

export interface Aggregator {
  /** Resolves once the budgets are loaded; starts the status pass. */
  start(): Promise<void>;
  /**
   * Adds a usage event to the next group commit and resolves when that commit is durable: true when
   * this delivery applied it, false when it was applied before. Rejects when the commit failed (the
   * push is then nacked, and Pub/Sub redelivers).
   */
  apply(event: UsageEvent): Promise<boolean>;
  /** Commits what is pending and brings every touched budget's status up to date. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

interface Pending {
  event: UsageEvent;
  resolve: (applied: boolean) => void;
  reject: (err: unknown) => void;
}

/**
 * The worker's usage pipeline. Events are grouped and committed together (one atomic write holding
 * each event's dedup marker and every counter it moves; the request logs are written beside it), so a
 * hot budget or key is written once per commit rather than once per event, and several commits may be
 * in flight at once. A push is acked only after its commit: a worker
 * killed between commit and ack is redelivered the event, and its marker makes that a no-op. Budget
 * statuses (what gateways enforce) are recomputed at most once per status interval per budget.
 */
export function createAggregator(opts: AggregatorOptions): Aggregator {
  const { store, log } = opts;
  const maxEvents = opts.maxEvents ?? 200;
  const maxWaitMs = opts.maxWaitMs ?? 250;
  const statusIntervalMs = opts.statusIntervalMs ?? 1000;
  const now = opts.now ?? Date.now;
  const logRetentionMs = (opts.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS) * 86_400_000;
  let budgets = new Map<string, Budget>();
  let stopWatch: () => void = () => {};
  let pending: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  let statusTimer: NodeJS.Timeout | undefined;
  let closed = false;
  const commits = new Set<Promise<void>>();
  /** Per budget, the newest window touched since the last status pass. */
  let dirty = new Map<string, BudgetTouch>();
  /** The status pass in progress, so close() can wait for it. */
  let refreshing: Promise<void> = Promise.resolve();

  const markDirty = (t: BudgetTouch) => {
    const seen = dirty.get(t.budget.id);
    if (!seen || seen.windowStart <= t.windowStart) dirty.set(t.budget.id, t);
  };

  function commitPending(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return Promise.resolve();
    const current = [...budgets.values()];
    const planned = batch.map((p) => usageDeltas(p.event, current));
    const counted = planned.map((p, i) => ({ ...p.counted, log: requestLogOf(batch[i].event, logRetentionMs) }));
    const done = store.applyCounted(counted).then(
      (applied) => {
        batch.forEach((p, i) => {
          // A second copy of one event in the same batch is the redelivery: only the first applied it.
          const first = applied.delete(p.event.event_id);
          // Even when not applied here: a commit the client retried after it had landed reads as
          // applied before, and recomputing a status is harmless.
          planned[i].touched.forEach(markDirty);
          p.resolve(first);
        });
      },
      (err) => {
        log.error('usage commit failed; the events will be redelivered', { events: batch.length, err: String(err) });
        for (const p of batch) p.reject(err);
      },
    );
    commits.add(done);
    void done.finally(() => commits.delete(done));
    return done;
  }

  /**
   * The next status pass, one interval after the last one ended: a status document is written at
   * most once per pass, so passes never closer than the interval keep it under one write per interval.
   */
  function scheduleStatusPass(): void {
    if (closed) return;
    statusTimer = setTimeout(() => void refreshStatuses().then(scheduleStatusPass, scheduleStatusPass), statusIntervalMs);
    statusTimer.unref();
  }

  function refreshStatuses(): Promise<void> {
    refreshing = refreshing.then(refreshPass);
    return refreshing;
  }

  async function refreshPass(): Promise<void> {
    const touched = dirty;
    dirty = new Map();
    await Promise.all(
      [...touched.values()].map(async (t) => {
        // The budget as it is now, when it still has the same windows (a limit edit keeps them).
        const live = budgets.get(t.budget.id);
        const touch = live && live.period_since === t.budget.period_since ? { ...t, budget: live } : t;
        let alerts: BudgetAlert[] = [];
        try {
          await store.updateBudgetStatus(t.budget.id, t.counterId, (counter, prev) => {
            const next = nextStatus(touch, counter, prev, now());
            alerts = next.alerts; // the transaction may run more than once: the last run is what committed
            return next.status && { status: next.status, alerts: alerts.map((a) => alertRecord(a, touch.budget, logRetentionMs)) };
          });
        } catch (err) {
          log.error('budget status update failed; retrying on the next pass', { budgetId: t.budget.id, err: String(err) });
          markDirty(t);
          return;
        }
        for (const a of alerts) opts.alert(a, touch.budget);
      }),
    );
  }

  return {
    start() {
      return new Promise((resolve, reject) => {
        let started = false;
        stopWatch = store.budgets.watch(
          (docs) => {
            budgets = new Map(docs.map((b) => [b.id, b]));
            started = true;
            resolve();
          },
          (err) => {
            if (!started) reject(err);
            else log.error('budget listener failed; counting with the last budgets seen', { err: err.message });
          },
        );
        scheduleStatusPass();
      });
    },
    apply(event) {
      return new Promise((resolve, reject) => {
        pending.push({ event, resolve, reject });
        if (pending.length >= maxEvents) void commitPending();
        else if (!timer) timer = setTimeout(() => void commitPending(), maxWaitMs);
      });
    },
    async flush() {
      await commitPending();
      await Promise.allSettled([...commits]);
      await refreshStatuses();
    },
    async close() {
      closed = true;
      clearTimeout(statusTimer);
      await this.flush();
      stopWatch();
    },
  };
}
