/**
 * What holds the memory in a V8 heap snapshot (.heapsnapshot, as v8.writeHeapSnapshot writes it):
 * the self size of every node, summed by kind (code, strings, closures, arrays, …) and by
 * constructor, largest first. Self sizes only: a Map's entries count under the Map's backing
 * arrays, and Buffers' bytes live outside the heap (process.memoryUsage().arrayBuffers, which
 * probe.ts reports per phase). Used by run.ts (BENCH_HEAP_SNAPSHOTS=1), or on its own:
 * `node -r @swc-node/register test/bench/heap-summary.ts <file.heapsnapshot>`.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapSummary {
  total_mb: number;
  nodes: number;
  by_kind: { kind: string; mb: number; count: number }[];
  by_constructor: { name: string; mb: number; count: number }[];
  /** Both, as text. */
  table: string;
}

const mb = (b: number) => Math.round((b / 2 ** 20) * 100) / 100;

export function summariseHeap(file: string, top = 15): HeapSummary {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const kinds = new Map<string, { bytes: number; count: number }>();
  const ctors = new Map<string, { bytes: number; count: number }>();
  const add = (m: Map<string, { bytes: number; count: number }>, k: string, bytes: number) => {
    const e = m.get(k) ?? { bytes: 0, count: 0 };
    e.bytes += bytes;
    e.count++;
    m.set(k, e);
  };
  let total = 0;
  const n = snap.nodes.length / width;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const kind = types[snap.nodes[i + typeAt]];
    const bytes = snap.nodes[i + sizeAt];
    total += bytes;
    add(kinds, kind, bytes);
    // Objects by constructor; everything else (strings, code, arrays, hidden) by kind and V8's own name.
    const name =
      kind === 'object' || kind === 'closure'
        ? snap.strings[snap.nodes[i + nameAt]]
        : `(${kind}) ${kind === 'string' || kind === 'concatenated string' || kind === 'sliced string' ? '' : snap.strings[snap.nodes[i + nameAt]].slice(0, 40)}`;
    add(ctors, kind === 'closure' ? `(closure) ${name}`.slice(0, 60) : name, bytes);
  }
  const sorted = (m: Map<string, { bytes: number; count: number }>) => [...m].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top);
  const by_kind = sorted(kinds).map(([kind, e]) => ({ kind, mb: mb(e.bytes), count: e.count }));
  const by_constructor = sorted(ctors).map(([name, e]) => ({ name, mb: mb(e.bytes), count: e.count }));
  const table = [
    `  heap ${mb(total)} MB in ${n} nodes. By kind: ${by_kind.map((k) => `${k.kind} ${k.mb}`).join(', ')} (MB)`,
    '  largest by constructor / V8 name (self size):',
    ...by_constructor.map((c) => `    ${String(c.mb).padStart(7)} MB ${String(c.count).padStart(8)}×  ${c.name}`),
  ].join('\n');
  return { total_mb: mb(total), nodes: n, by_kind, by_constructor, table };
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: heap-summary.ts <file.heapsnapshot>');
  process.stdout.write(`${summariseHeap(file, 30).table}\n`);
}
