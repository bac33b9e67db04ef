import type { Budget, BudgetStatus } from '../../../shared/src/budget/entity';
import type { Coverage } from '../../../shared/src/budget/match';
import { formatAmount, metricAmount } from '../../../shared/src/budget/status';
import { budgetWindow } from '../../../shared/src/budget/window';
import { GatewayError } from '../../../shared/src/errors';
import type { Logger } from '../../../shared/src/log';
import type { Store } from '../../../shared/src/store/port';
import type { UsageEvent } from '../../../shared/src/usage-event';
import { LiveMap } from '../mirrors/live-map';
import { ScopeIndex } from './scope-index';

/** A status as the request path reads it: times parsed once per change. */
interface MirroredStatus {
  status: BudgetStatus;
  windowStartMs: number;
  windowEndMs?: number;
}

/** What this instance spent on a budget since the last status it saw, and until when that counts. */
interface LocalSpend {
  amount: number;
  /** The status's window end when the spend was made; the spend stops counting after it. */
  untilMs?: number;
  /** The status the spend came after (`updated_at`); a newer status already includes it. */
  after?: string;
}

/**
 * Budget enforcement on the request path, with no store call per request: the budgets and
 * the worker's statuses are mirrored by listeners, and each instance adds what it has spent itself
 * since the last status it saw. A request covered by a budget whose usage has reached its limit gets
 * 402 billing_error. The limit is read from the budget, not the status, so a raised limit re-admits
 * as soon as the listener delivers it; a status whose window has ended counts as zero, so a new window
 * re-admits without waiting for the worker.
 */
export class BudgetGuard {
  private readonly budgets: LiveMap<Budget>;
  private readonly statuses: LiveMap<BudgetStatus, MirroredStatus>;
  private readonly local = new Map<string, LocalSpend>();
  private readonly index: ScopeIndex<Budget>;

  constructor(store: Store, log: Logger) {
    this.budgets = new LiveMap(
      store.budgets,
      (b) => b.id,
      (b) => b,
      log,
      'budget',
    );
    this.statuses = new LiveMap(
      store.budgetStatus,
      (s) => s.budget_id,
      (s) => ({ status: s, windowStartMs: Date.parse(s.window_start), windowEndMs: s.window_end ? Date.parse(s.window_end) : undefined }),
      log,
      'budget status',
    );
    this.index = new ScopeIndex(this.budgets);
  }

  /** Its store listeners, started, closed and reported on with the gateway's others (deps.listeners). */
  get listeners(): { budgets: LiveMap<Budget>; budget_status: LiveMap<BudgetStatus, MirroredStatus> } {
    return { budgets: this.budgets, budget_status: this.statuses };
  }

  /** Throws 402 billing_error when a budget covering the request is exhausted. */
  admit(c: Coverage, now: number): void {
    for (const b of this.covering(c)) {
      const usage = this.usage(b, now);
      if (usage >= b.limit) throw new GatewayError('billing_error', exhaustedMessage(b, usage, now));
    }
  }

  /** Adds a finished request's usage to this instance's spend on every budget covering it. */
  spent(event: UsageEvent, now: number): void {
    for (const b of this.covering(event)) {
      const amount = metricAmount(b.metric, event.cost_micros, event.usage);
      if (amount === 0) continue;
      const mirrored = this.current(b, now);
      const prev = this.local.get(b.id);
      const after = mirrored?.status.updated_at;
      const base = prev && prev.after === after && (prev.untilMs === undefined || now < prev.untilMs) ? prev.amount : 0;
      this.local.set(b.id, { amount: base + amount, untilMs: mirrored?.windowEndMs, after });
    }
  }

  /** The budget's usage as this instance knows it: the worker's status, plus its own spend since. */
  usage(b: Budget, now: number): number {
    const mirrored = this.current(b, now);
    const mine = this.local.get(b.id);
    const own = mine && mine.after === mirrored?.status.updated_at && (mine.untilMs === undefined || now < mine.untilMs) ? mine.amount : 0;
    return (mirrored?.status.usage ?? 0) + own;
  }

  /** The status when it describes the budget's current window, else undefined (usage starts at zero). */
  private current(b: Budget, now: number): MirroredStatus | undefined {
    const m = this.statuses.get(b.id);
    if (!m) return undefined;
    if (m.windowEndMs !== undefined && now >= m.windowEndMs) return undefined;
    // A status from before the period was changed belongs to a closed window.
    if (m.windowStartMs < Date.parse(b.period_since)) return undefined;
    return m;
  }

  private covering(c: Coverage): Budget[] {
    return this.index.covering(c);
  }
}

/** What Claude Code shows the user: which budget, how much of what, and when it resets. */
export function exhaustedMessage(b: Budget, usage: number, now: number): string {
  const end = budgetWindow(b, now)?.end;
  const resets = end === undefined ? 'It has no period: an administrator must raise its limit.' : `It resets at ${new Date(end).toISOString()}.`;
  return `Gatehouse budget "${b.name}" (${b.id}) is exhausted: ${formatAmount(b.metric, usage)} used of its ${formatAmount(b.metric, b.limit)} limit. ${resets}`;
}
