import { BUILT_IN, type Finding } from '../../services/gateway/src/guardrails/detectors';
import { negatives, positives, traps } from '../helpers/secret-corpus';

/**
 * The built-in detectors against the corpus (test/helpers/secret-corpus.ts, generated at test time):
 * every positive found with its exact span (recall 100%), no near miss flagged by its detector, and
 * no detector at all firing on the false-positive traps. Precision and recall are printed per detector.
 */

function findAll(text: string, only?: string): Finding[] {
  const out: Finding[] = [];
  for (const [id, { detector }] of Object.entries(BUILT_IN)) if (!only || id === only) detector.find(text, out);
  return out;
}

const pos = positives();
const neg = negatives();
const trap = traps();

afterAll(() => {
  const rows = Object.keys(BUILT_IN).map((id) => {
    const mine = pos.filter((p) => p.detector === id);
    const hits = mine.filter((p) => findAll(p.text, id).some((f) => p.text.slice(f.start, f.end) === p.secret)).length;
    const falseHits = neg.filter((n) => n.detector === id && findAll(n.text, id).length).length + trap.filter((t) => findAll(t.text, id).length).length;
    const recall = mine.length ? hits / mine.length : 1;
    const precision = hits + falseHits ? hits / (hits + falseHits) : 1;
    return `${id.padEnd(22)} positives ${String(mine.length).padStart(2)}  recall ${(recall * 100).toFixed(0).padStart(3)}%  precision ${(precision * 100).toFixed(0).padStart(3)}%`;
  });
  console.log(`guardrail detectors on the corpus (${pos.length} positives, ${neg.length} near misses, ${trap.length} traps)\n${rows.join('\n')}`);
});

it('has positives for every built-in detector', () => {
  for (const id of Object.keys(BUILT_IN)) expect(pos.filter((p) => p.detector === id).length).toBeGreaterThan(0);
});

it.each(pos.map((p) => [p.detector, p.text.length, p] as const))('%s finds its secret exactly (text of %i chars)', (_id, _n, p) => {
  const spans = findAll(p.text, p.detector).map((f) => p.text.slice(f.start, f.end));
  expect(spans).toContain(p.secret);
});

it.each(neg.map((n) => [n.detector, n.text] as const))('%s stays quiet on a near miss: %s', (id, text) => {
  expect(findAll(text, id).map((f) => text.slice(f.start, f.end))).toEqual([]);
});

it.each(trap.map((t) => [t.name, t.text] as const))('no detector fires on %s', (_name, text) => {
  expect(findAll(text).map((f) => `${f.detector}: ${text.slice(f.start, f.end)}`)).toEqual([]);
});
