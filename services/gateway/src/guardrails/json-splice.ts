import { GatewayError } from '../../../shared/src/errors';
import { skipString, skipValue, skipWs } from '../providers/request-body';
import type { JsonPath } from './text-sites';

/**
 * Redaction on the client's own bytes: each edit replaces a range of one string's decoded text, and
 * only the bytes of that range change. Re-serialising the body instead would rewrite every escape the
 * client chose (`\u00e9` vs `é`, `\/`) — in signed thinking blocks too, which the upstream then refuses
 * — and would cost a parse and a stringify of the whole body.
 */
export interface StringEdit {
  path: JsonPath;
  /** UTF-16 offsets into the decoded string, as the detectors report them. */
  start: number;
  end: number;
  /** Plain ASCII without quotes or backslashes (a placeholder), so it needs no escaping. */
  replacement: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function broken(path: JsonPath): GatewayError {
  return new GatewayError('api_error', `Guardrail redaction could not find ${JSON.stringify(path)} in the body.`);
}

/** Offset of the opening quote of the string at `path`. */
function locate(raw: Buffer, path: JsonPath): number {
  let i = skipWs(raw, 0);
  for (const seg of path) {
    if (typeof seg === 'number') {
      if (raw[i] !== 0x5b) throw broken(path);
      i = skipWs(raw, i + 1);
      for (let n = 0; n < seg; n++) i = skipWs(raw, skipWs(raw, skipValue(raw, i)) + 1); // value, then ","
      continue;
    }
    if (raw[i] !== 0x7b) throw broken(path);
    i = skipWs(raw, i + 1);
    for (;;) {
      if (raw[i] !== QUOTE) throw broken(path);
      const keyEnd = skipString(raw, i);
      const plain = raw.toString('utf8', i + 1, keyEnd - 1);
      const key = plain.includes('\\') ? JSON.parse(raw.toString('utf8', i, keyEnd)) : plain;
      const valueStart = skipWs(raw, skipWs(raw, keyEnd) + 1); // past ":"
      if (key === seg) {
        i = valueStart;
        break;
      }
      i = skipWs(raw, skipWs(raw, skipValue(raw, valueStart)) + 1); // past ","
    }
  }
  if (raw[i] !== QUOTE) throw broken(path);
  return i;
}

/** Raw byte offsets of the given decoded offsets (ascending) within the string literal at `quote`. */
function rawOffsets(raw: Buffer, quote: number, units: number[]): number[] {
  const out: number[] = [];
  let u = 0;
  let i = quote + 1;
  for (const target of units) {
    while (u < target) {
      const b = raw[i];
      if (b === QUOTE) break;
      if (b === BACKSLASH) {
        i += raw[i + 1] === 0x75 ? 6 : 2; // \uXXXX or a two-character escape: one UTF-16 unit
        u += 1;
      } else if (b < 0x80) (i += 1), (u += 1);
      else if ((b & 0xe0) === 0xc0) (i += 2), (u += 1);
      else if ((b & 0xf0) === 0xe0) (i += 3), (u += 1);
      else (i += 4), (u += 2); // outside the BMP: a surrogate pair
    }
    out.push(i);
  }
  return out;
}

/** The body with every edit applied; edits on one string must not overlap. */
export function spliceStrings(raw: Buffer, edits: readonly StringEdit[]): Buffer {
  const ranges: Array<{ from: number; to: number; text: string }> = [];
  const byPath = new Map<string, StringEdit[]>();
  for (const e of edits) {
    const k = JSON.stringify(e.path);
    byPath.set(k, [...(byPath.get(k) ?? []), e]);
  }
  for (const group of byPath.values()) {
    const quote = locate(raw, group[0].path);
    const sorted = [...group].sort((a, b) => a.start - b.start);
    const offsets = rawOffsets(
      raw,
      quote,
      sorted.flatMap((e) => [e.start, e.end]),
    );
    sorted.forEach((e, n) => ranges.push({ from: offsets[2 * n], to: offsets[2 * n + 1], text: e.replacement }));
  }
  ranges.sort((a, b) => a.from - b.from);
  const parts: Buffer[] = [];
  let at = 0;
  for (const r of ranges) {
    parts.push(raw.subarray(at, r.from), Buffer.from(r.text));
    at = r.to;
  }
  parts.push(raw.subarray(at));
  return Buffer.concat(parts);
}
