import { type Coverage, scopeCovers } from '../../../shared/src/budget/match';
import type { BudgetScope } from '../../../shared/src/budget/entity';

/**
 * Entities with a scope (budgets, rate limits), indexed for the request path: key and workspace
 * scopes are looked up by id (the common case), provider and metadata ones scanned. Rebuilt when the
 * listener's generation moves on, so once per change and not once per request.
 */
export class ScopeIndex<T extends { scope: BudgetScope }> {
  private generation = -1;
  private byId = new Map<string, T[]>();
  private others: T[] = [];

  constructor(private readonly source: { generation: number; values(): Iterable<T> }) {}

  covering(c: Coverage): T[] {
    if (this.generation !== this.source.generation) this.rebuild();
    const out: T[] = [];
    const add = (list: T[] | undefined) => {
      if (list) for (const item of list) if (scopeCovers(item.scope, c)) out.push(item);
    };
    if (c.key_id) add(this.byId.get(`key:${c.key_id}`));
    if (c.workspace_id) add(this.byId.get(`workspace:${c.workspace_id}`));
    add(this.others);
    return out;
  }

  private rebuild(): void {
    this.byId = new Map();
    this.others = [];
    for (const item of this.source.values()) {
      const s = item.scope;
      const k = s.type === 'key' ? `key:${s.key_id}` : s.type === 'workspace' ? `workspace:${s.workspace_id}` : undefined;
      if (k) this.byId.set(k, [...(this.byId.get(k) ?? []), item]);
      else this.others.push(item);
    }
    this.generation = this.source.generation;
  }
}
