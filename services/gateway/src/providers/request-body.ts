import { createHash } from 'node:crypto';
import { GatewayError } from '../../../shared/src/errors';
import { deepMerge } from '../routing/flatten';

/** One top-level member of a JSON object body, as byte offsets into the raw body. */
interface Member {
  key: string;
  /** Offset of the key's opening quote. */
  start: number;
  valueStart: number;
  end: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LITERAL = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)$/;

/**
 * A request body, kept as the bytes the client sent. Claude Code's bodies are 50–500 KB, mostly tool
 * schemas and history, and a provider changes only a few top-level members (`model`,
 * `anthropic_version`, `stream`). Parsing and re-serialising the whole body for that costs more CPU
 * than everything else on the request path, so the body is scanned once for its top-level members
 * and upstream bytes are spliced from the original; `json` parses it only for the few features that
 * read deeper (conditions on `params.*`, `override_params`, the cache key, Bedrock).
 */
export class RequestBody {
  private parsed?: Record<string, unknown>;

  private constructor(
    private readonly raw: Buffer | undefined,
    private readonly members: readonly Member[] | undefined,
    parsed?: Record<string, unknown>,
    /** Members were left out of `raw` (`without`), so `raw` as it stands is not this body. */
    private readonly trimmed = false,
  ) {
    this.parsed = parsed;
  }

  /** Scans a client body; a clear 400 when it is not a JSON object. */
  static parse(raw: Buffer): RequestBody {
    return new RequestBody(raw, scanObject(raw));
  }

  static of(obj: Record<string, unknown>): RequestBody {
    return new RequestBody(undefined, undefined, obj);
  }

  /** The whole body as an object, parsed on first use. */
  get json(): Record<string, unknown> {
    if (!this.parsed) {
      const obj: Record<string, unknown> = {};
      for (const m of this.members!) obj[m.key] = parseValue(this.raw!, m);
      this.parsed = obj;
    }
    return this.parsed;
  }

  /** One top-level member, without parsing the rest. */
  value(key: string): unknown {
    if (this.parsed || !this.members) return this.json[key];
    const m = this.members.find((x) => x.key === key);
    return m ? parseValue(this.raw!, m) : undefined;
  }

  without(keys: readonly string[]): RequestBody {
    if (this.members && !this.parsed)
      return new RequestBody(
        this.raw,
        this.members.filter((m) => !keys.includes(m.key)),
        undefined,
        true,
      );
    const obj = { ...this.json };
    for (const k of keys) delete obj[k];
    return RequestBody.of(obj);
  }

  /**
   * SHA-256 of the client's bytes without the `exclude` members, or undefined once the body is an
   * object (overrides, stripped thinking): identical requests have identical fingerprints.
   */
  fingerprint(exclude: readonly string[]): string | undefined {
    if (!this.members || this.parsed) return undefined;
    return createHash('sha256').update(this.bytes({}, exclude)).digest('hex');
  }

  /** `override_params`: deep-merged into the body (parent objects merge, anything else is replaced). */
  merge(overrides: Record<string, unknown>): RequestBody {
    return Object.keys(overrides).length ? RequestBody.of(deepMerge(this.json, overrides)) : this;
  }

  /**
   * The bytes to send: members in the client's order, those in `set` replaced in place (or, when
   * absent, added first), those in `drop` left out. Unchanged bodies are sent as they came.
   */
  bytes(set: Record<string, unknown> = {}, drop: readonly string[] = []): Buffer {
    if (!this.members || this.parsed) {
      const obj: Record<string, unknown> = { ...set, ...this.json };
      for (const [k, v] of Object.entries(set)) obj[k] = v;
      for (const k of drop) delete obj[k];
      return Buffer.from(JSON.stringify(obj));
    }
    const raw = this.raw!;
    const present = new Set(this.members.map((m) => m.key));
    const parts: Buffer[] = [];
    let changed = this.trimmed;
    for (const [k, v] of Object.entries(set)) if (!present.has(k)) parts.push(member(k, v));
    changed ||= parts.length > 0;
    for (const m of this.members) {
      if (drop.includes(m.key)) {
        changed = true;
        continue;
      }
      if (m.key in set) {
        const value = Buffer.from(JSON.stringify(set[m.key]));
        if (!value.equals(raw.subarray(m.valueStart, m.end))) {
          changed = true;
          parts.push(Buffer.concat([raw.subarray(m.start, m.valueStart), value]));
          continue;
        }
      }
      parts.push(raw.subarray(m.start, m.end));
    }
    if (!changed) return raw;
    const out: Buffer[] = [OPEN];
    parts.forEach((p, i) => out.push(...(i ? [COMMA, p] : [p])));
    out.push(CLOSE);
    return Buffer.concat(out);
  }
}

const OPEN = Buffer.from('{');
const CLOSE = Buffer.from('}');
const COMMA = Buffer.from(',');

function member(key: string, value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
}

/** The scan checks structure only; what is inside a value is checked when it is first parsed. */
function parseValue(raw: Buffer, m: Member): unknown {
  try {
    return JSON.parse(raw.toString('utf8', m.valueStart, m.end));
  } catch (err) {
    throw invalid(`member "${m.key}": ${(err as Error).message}`);
  }
}

function invalid(why: string): GatewayError {
  return new GatewayError('invalid_request_error', `Request body is not valid JSON: ${why}.`);
}

export function skipWs(b: Buffer, i: number): number {
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  return i;
}

/** Offset just past the string starting at `i` (a quote). Escapes are skipped, not decoded. */
export function skipString(b: Buffer, i: number): number {
  let from = i + 1;
  for (;;) {
    const q = b.indexOf(QUOTE, from);
    if (q < 0) throw invalid(`unterminated string starting at byte ${i}`);
    let slashes = 0;
    for (let j = q - 1; b[j] === BACKSLASH; j--) slashes++;
    if (slashes % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** Offset just past the value starting at `i`; nested objects and arrays are matched, strings skipped. */
export function skipValue(b: Buffer, i: number): number {
  const c = b[i];
  if (c === QUOTE) return skipString(b, i);
  if (c === 0x7b || c === 0x5b) {
    const stack: number[] = [];
    for (let j = i; j < b.length; j++) {
      const d = b[j];
      if (d === QUOTE) j = skipString(b, j) - 1;
      else if (d === 0x7b || d === 0x5b)
        stack.push(d + 2); // the matching close: } is { + 2, ] is [ + 2
      else if (d === 0x7d || d === 0x5d) {
        if (stack.pop() !== d) throw invalid(`unexpected "${String.fromCharCode(d)}" at byte ${j}`);
        if (!stack.length) return j + 1;
      }
    }
    throw invalid('unexpected end of body');
  }
  let j = i;
  while (j < b.length && !(b[j] === 0x2c || b[j] === 0x7d || b[j] === 0x5d || b[j] === 0x20 || b[j] === 0x0a || b[j] === 0x0d || b[j] === 0x09)) j++;
  const token = b.toString('latin1', i, j);
  if (!LITERAL.test(token)) throw invalid(token ? `unexpected "${token.slice(0, 20)}" at byte ${i}` : `missing value at byte ${i}`);
  return j;
}

/** The top-level members of a JSON object, validating the structure the gateway relies on. */
function scanObject(b: Buffer): Member[] {
  let i = skipWs(b, 0);
  if (i >= b.length) throw new GatewayError('invalid_request_error', 'Request body is empty: send a JSON object with "model" and "messages".');
  if (b[i] !== 0x7b) throw new GatewayError('invalid_request_error', 'Request body must be a JSON object with "model" and "messages".');
  const members: Member[] = [];
  i = skipWs(b, i + 1);
  if (b[i] === 0x7d) return finish(b, i + 1, members);
  for (;;) {
    if (b[i] !== QUOTE) throw invalid(`expected a member name at byte ${i}`);
    const start = i;
    i = skipString(b, i);
    let key: string;
    try {
      key = JSON.parse(b.toString('utf8', start, i)) as string;
    } catch {
      throw invalid(`bad member name at byte ${start}`);
    }
    // Parsers disagree on which duplicate wins; the gateway and the upstream must read the same body.
    if (members.some((m) => m.key === key)) throw invalid(`member "${key}" appears twice`);
    i = skipWs(b, i);
    if (b[i] !== 0x3a) throw invalid(`expected ":" at byte ${i}`);
    const valueStart = skipWs(b, i + 1);
    if (valueStart >= b.length) throw invalid('unexpected end of body');
    const end = skipValue(b, valueStart);
    members.push({ key, start, valueStart, end });
    i = skipWs(b, end);
    if (b[i] === 0x2c) {
      i = skipWs(b, i + 1);
      continue;
    }
    if (b[i] === 0x7d) return finish(b, i + 1, members);
    throw invalid(i >= b.length ? 'unexpected end of body' : `expected "," or "}" at byte ${i}`);
  }
}

function finish(b: Buffer, i: number, members: Member[]): Member[] {
  if (skipWs(b, i) !== b.length) throw invalid(`unexpected data after the object at byte ${i}`);
  return members;
}
