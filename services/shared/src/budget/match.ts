import type { Budget, BudgetScope } from './entity';

/** What of a request decides which budgets cover it (a usage event, or a request being admitted). */
export interface Coverage {
  key_id?: string;
  workspace_id?: string;
  provider?: string;
  metadata: Record<string, string>;
}

/** Provider slugs are written with or without the leading "@"; usage events carry it. */
function slug(p: string): string {
  return p.startsWith('@') ? p : `@${p}`;
}

export function scopeCovers(s: BudgetScope, c: Coverage): boolean {
  switch (s.type) {
    case 'key':
      return c.key_id === s.key_id;
    case 'workspace':
      return c.workspace_id === s.workspace_id;
    case 'provider':
      return c.provider !== undefined && slug(c.provider) === slug(s.provider);
    case 'metadata':
      return c.metadata[s.key] === s.value;
  }
}

export function coveringBudgets(budgets: Iterable<Budget>, c: Coverage): Budget[] {
  const out: Budget[] = [];
  for (const b of budgets) if (scopeCovers(b.scope, c)) out.push(b);
  return out;
}
