/**
 * Where the gateway's CPU time goes: summarises a V8 .cpuprofile (from `BENCH_CPU_PROF=1 npm run
 * bench`) by self time per function and per module (a package in node_modules, a gateway source
 * file, or node's internals), and by inclusive time for the gateway's own functions.
 *
 *   node -r @swc-node/register test/bench/profile-summary.ts bench-results/cpu-prof/<file>.cpuprofile [top]
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function moduleOf(url: string): string {
  if (!url) return '(native / idle / gc)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url;
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1).replace(/^file:\/\//, '');
  return url.replace(/^file:\/\//, '');
}

export function summarise(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self.entries()].filter(([id]) => ['(idle)', '(program)'].includes(byId.get(id)!.callFrame.functionName)).reduce((a, [, v]) => a + v, 0);
  const busy = total - idle;

  const fnSelf = new Map<string, number>();
  const modSelf = new Map<string, number>();
  const fnIncl = new Map<string, number>();
  for (const [id, t] of self) {
    const cf = byId.get(id)!.callFrame;
    if (['(idle)', '(program)'].includes(cf.functionName)) continue;
    const key = `${cf.functionName || '(anonymous)'} ${moduleOf(cf.url)}:${cf.lineNumber + 1}`;
    fnSelf.set(key, (fnSelf.get(key) ?? 0) + t);
    const mod = cf.functionName === '(garbage collector)' ? '(garbage collector)' : moduleOf(cf.url);
    modSelf.set(mod, (modSelf.get(mod) ?? 0) + t);
    // Inclusive time of the gateway's own functions: every distinct gateway frame on the stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      if (!f.url.includes('/dist/')) continue;
      const k = `${f.functionName || '(anonymous)'} ${moduleOf(f.url)}:${f.lineNumber + 1}`;
      if (seen.has(k)) continue;
      seen.add(k);
      fnIncl.set(k, (fnIncl.get(k) ?? 0) + t);
    }
  }
  const pct = (v: number) => `${((100 * v) / busy).toFixed(1).padStart(5)}%`;
  const list = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `  ${pct(v)}  ${(v / 1000).toFixed(0).padStart(7)} ms  ${k}`)
      .join('\n');
  return [
    `profile: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s wall, ${(busy / 1e3).toFixed(0)} ms busy (percentages of busy time)`,
    '',
    'self time by module:',
    list(modSelf, top),
    '',
    'self time by function:',
    list(fnSelf, top),
    '',
    'inclusive time of gateway functions (dist/):',
    list(fnIncl, top),
  ].join('\n');
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: profile-summary.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(`${summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(top ?? 25))}\n`);
}
