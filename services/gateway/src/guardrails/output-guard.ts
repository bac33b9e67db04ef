import { errorBody, GatewayError } from '../../../shared/src/errors';
import { parseJson } from '../../../shared/src/json';
import type { SseBatch, SseEvent } from '../streaming/sse';
import { type CompiledGuardrail, findAll } from './compile';
import type { Finding } from './detectors';
import type { ModelArmor } from './model-armor';
import { modelArmorGuard } from './model-armor-guard';
import { spliceStrings, type StringEdit } from './json-splice';
import { redactionEdits, redactText } from './redaction';
import { answerSites, formatLocation } from './text-sites';
import { dedupe, denial, type Verdict, verdict } from './verdict';

/**
 * Output guardrails (README, Guardrails): on a whole answer, and on a stream as it passes, holding
 * back the tail of each text or tool-input block so that a secret split across chunks is still seen
 * whole. Thinking blocks pass untouched (their signatures cover them).
 */

/** What a stream may hold back per block: longer than any secret the built-in detectors find, short of visible lag. */
export const HOLD_BACK = 256;
/** Released text kept as left context, so that boundaries and `NAME=` prefixes still match. */
const CONTEXT = 128;
/**
 * A token (a run without whitespace) still arriving is held whole up to this length: a long token
 * (a JWT, a key in a URL) may match only once its last part is in, and releasing its start before
 * then would leak it. Longer runs (a base64 blob) are released past HOLD_BACK as usual.
 */
export const MAX_TOKEN_HOLD = 4096;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Start of the whitespace-free run at the end of `s`, or -1 when it is longer than MAX_TOKEN_HOLD. */
function trailingTokenStart(s: string): number {
  let i = s.length;
  while (i > 0 && !isSpace(s.charCodeAt(i - 1))) if (s.length - --i > MAX_TOKEN_HOLD) return -1;
  return i;
}

export interface AnswerGuardResult {
  text: string;
  verdicts: Verdict[];
  denied?: ReturnType<typeof denial>;
}

/** A whole JSON answer: redacted in its own bytes, or denied. */
export function guardAnswer(guards: readonly CompiledGuardrail[], text: string, redactionKey: string | undefined): AnswerGuardResult {
  const verdicts: Verdict[] = [];
  const edits: StringEdit[] = [];
  for (const site of answerSites(parseJson(text))) {
    const redact: Finding[] = [];
    for (const g of guards) {
      const found = findAll(g, site.text);
      for (const f of found) verdicts.push(verdict(g, formatLocation(site.path), f.detector, 'output'));
      if (g.action === 'redact') redact.push(...found);
    }
    if (redact.length) edits.push(...redactionEdits(site, redact, redactionKey));
  }
  const unique = dedupe(verdicts);
  if (unique.some((v) => v.action === 'deny')) return { text, verdicts: unique, denied: denial('Output', unique) };
  return { text: edits.length ? spliceStrings(Buffer.from(text), edits).toString('utf8') : text, verdicts: unique };
}

type Field = 'text' | 'partial_json';

/** The parts of a `content_block_*` event the guard reads. */
interface BlockEvent {
  index?: number;
  content_block?: { type?: string };
  delta?: Record<string, unknown>;
}

interface Block {
  field: Field;
  location: string;
  /** Text received and not yet released. */
  held: string;
  /** The end of what was released, unredacted. */
  context: string;
}

/** What a stream's finding does: `flag` only records; the others redact or end the stream (`on_stream`). */
function effect(g: CompiledGuardrail): 'flag' | 'redact' | 'error' {
  return g.action === 'flag' ? 'flag' : g.onStream;
}

/** The SSE `error` event that ends a stream an output guardrail stopped. */
function stopEvent(err: GatewayError): SseEvent {
  const stopped = new GatewayError(err.type, err.message.replace('denied the answer', 'stopped the answer'), err.opts);
  return { event: 'error', data: JSON.stringify(errorBody(stopped)) };
}

/**
 * Guards a decoded stream (the adapters' `decodeStream` output). Each text or tool-input delta is
 * held until HOLD_BACK characters follow it (or its block ends), scanned with what came before, and
 * released redacted; a match that would have to be redacted with `on_stream: "error"` ends the
 * stream with an SSE `error` event instead. Verdicts are pushed to `verdicts` as they are found.
 * Model Armor checks (one round trip each, over the whole answer) run once every block has been
 * released, before the stream's `message_delta` / `message_stop`: a `deny` then ends the stream with
 * the `error` event in their place, so the client never gets a finished answer Model Armor refused.
 */
export async function* guardStream(
  source: AsyncIterator<SseBatch>,
  guards: readonly CompiledGuardrail[],
  redactionKey: string | undefined,
  verdicts: Verdict[],
  armor?: ModelArmor,
): AsyncGenerator<SseBatch> {
  const blocks = new Map<number, Block>();
  /** Model Armor, when a guardrail checks with it; `unchecked` until it has seen the whole answer. */
  const check = armor && guards.some((g) => g.modelArmor.length > 0) ? armor : undefined;
  let unchecked = check !== undefined;
  /** Released text per block, for Model Armor once the answer is whole. */
  const released = new Map<number, string>();
  /** The events as they stand, or, at the answer's end, with Model Armor's refusal in place of the end. */
  const armored = async (events: SseEvent[]): Promise<SseEvent[]> => {
    const end = unchecked ? events.findIndex((e) => e.event === 'message_delta' || e.event === 'message_stop') : -1;
    if (!check || end < 0) return events;
    unchecked = false;
    const texts = [...released.values()].map((text) => ({ path: ['content'], text }));
    try {
      const checked = await modelArmorGuard(guards, 'output', () => texts, check);
      verdicts.push(...checked.verdicts);
      return checked.denied ? [...events.slice(0, end), stopEvent(checked.denied)] : events;
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      return [...events.slice(0, end), { event: 'error', data: JSON.stringify(errorBody(err)) }];
    }
  };
  const seen = new Set<string>();
  const record = (g: CompiledGuardrail, location: string, detector: string) => {
    const v = verdict(g, location, detector, 'output');
    const k = `${v.id}\n${v.detector}\n${v.location}`;
    if (!seen.has(k)) seen.add(k), verdicts.push(v);
  };
  /** Releases a block's held text up to a safe cut (everything when `final`); an `error` event when one must end the stream. */
  const release = (index: number, b: Block, final: boolean): SseEvent | undefined => {
    const scan = b.context + b.held;
    const findings: Array<Finding & { g: CompiledGuardrail }> = [];
    for (const g of guards) for (const f of findAll(g, scan)) if (f.end > b.context.length) findings.push({ ...f, g });
    let cut = final ? scan.length : scan.length - HOLD_BACK;
    const token = final ? -1 : trailingTokenStart(scan);
    if (token >= 0 && token < cut) cut = token;
    // A match running past the cut may still grow: hold it whole.
    for (let moved = true; moved && !final; ) {
      moved = false;
      for (const f of findings)
        if (f.start < cut && f.end > cut) {
          cut = f.start;
          moved = true;
        }
    }
    cut = Math.max(cut, b.context.length);
    const done = findings.filter((f) => f.end <= cut);
    for (const f of done) record(f.g, b.location, f.detector);
    const stopper = done.find((f) => effect(f.g) === 'error');
    if (stopper) return stopEvent(denial('Output', [verdict(stopper.g, b.location, stopper.detector, 'output')]));
    const redact = done.filter((f) => effect(f.g) === 'redact').map((f) => ({ ...f, start: Math.max(f.start, b.context.length) }));
    const original = scan.slice(b.context.length, cut);
    const shifted = redact.map((f) => ({ detector: f.detector, start: f.start - b.context.length, end: f.end - b.context.length }));
    const out = shifted.length ? redactText(original, shifted, redactionKey) : original;
    b.held = scan.slice(cut);
    b.context = (b.context + original).slice(-CONTEXT);
    if (!out) return undefined;
    if (unchecked) released.set(index, (released.get(index) ?? '') + out);
    const delta = b.field === 'text' ? { type: 'text_delta', text: out } : { type: 'input_json_delta', partial_json: out };
    return { event: 'content_block_delta', data: JSON.stringify({ type: 'content_block_delta', index, delta }) };
  };
  try {
    for (;;) {
      const next = await source.next();
      if (next.done) return;
      const batch = next.value;
      if (!batch.events.some((e) => e.event.startsWith('content_block_'))) {
        const events = await armored(batch.events);
        yield events === batch.events ? batch : { events };
        if (events[events.length - 1]?.event === 'error') return;
        continue;
      }
      const events: SseEvent[] = [];
      let changed = false;
      for (const e of batch.events) {
        const data = e.event.startsWith('content_block_') ? (parseJson(e.data) as BlockEvent | undefined) : undefined;
        const index = typeof data?.index === 'number' ? data.index : -1;
        if (e.event === 'content_block_start') {
          const type = data?.content_block?.type;
          if (type === 'text' || type === 'tool_use')
            blocks.set(index, {
              field: type === 'text' ? 'text' : 'partial_json',
              location: `content[${index}].${type === 'text' ? 'text' : 'input'}`,
              held: '',
              context: '',
            });
          events.push(e);
          continue;
        }
        const b = blocks.get(index);
        if (!b) {
          events.push(e);
          continue;
        }
        changed = true;
        if (e.event === 'content_block_delta') {
          const piece = data?.delta?.[b.field];
          if (typeof piece !== 'string') {
            events.push(e);
            continue;
          }
          b.held += piece;
          const out = release(index, b, false);
          if (out) events.push(out);
          if (out?.event === 'error') break;
          continue;
        }
        if (e.event === 'content_block_stop') {
          const out = release(index, b, true);
          if (out) events.push(out);
          if (out?.event === 'error') break;
          blocks.delete(index);
        }
        events.push(e);
      }
      const out = await armored(events);
      yield changed || out !== events ? { events: out } : batch;
      if (out[out.length - 1]?.event === 'error') return;
    }
  } finally {
    await source.return?.(undefined).catch(() => undefined);
  }
}
