import { createHmac, randomBytes } from 'node:crypto';
import type { Finding } from './detectors';
import type { StringEdit } from './json-splice';
import type { TextSite } from './text-sites';

/**
 * Placeholders: `[REDACTED:<detector>:<8 hex>]`, the hex an HMAC of the matched text. The same secret
 * gets the same placeholder in every request of a session (each turn resends the history), so the
 * upstream's prompt cache keeps hitting; a keyed HMAC, not a bare hash, so that a placeholder cannot
 * be reversed by hashing every phone number. The key is GATEHOUSE_REDACTION_KEY, shared by every
 * instance; without it each process draws its own (placeholders then differ between instances).
 */
const PROCESS_KEY = randomBytes(32);

export function placeholder(detector: string, text: string, key: string | undefined): string {
  const mac = createHmac('sha256', key ?? PROCESS_KEY)
    .update(text)
    .digest('hex')
    .slice(0, 8);
  return `[REDACTED:${detector}:${mac}]`;
}

/** Findings sorted, overlaps merged into the earliest (and then longest) one. */
export function disjoint(findings: Finding[]): Finding[] {
  const sorted = [...findings].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Finding[] = [];
  for (const f of sorted) {
    const last = out[out.length - 1];
    if (last && f.start < last.end) {
      if (f.end > last.end) out[out.length - 1] = { ...last, end: f.end };
      continue;
    }
    out.push(f);
  }
  return out;
}

/** The edits that replace each finding of a site with its placeholder. */
export function redactionEdits(site: TextSite, findings: Finding[], key: string | undefined): StringEdit[] {
  return disjoint(findings).map((f) => ({
    path: site.path,
    start: f.start,
    end: f.end,
    replacement: placeholder(f.detector, site.text.slice(f.start, f.end), key),
  }));
}

/** A string with its findings replaced (the streamed answer's text, which is not spliced into bytes). */
export function redactText(text: string, findings: Finding[], key: string | undefined): string {
  let out = '';
  let at = 0;
  for (const f of disjoint(findings)) {
    out += text.slice(at, f.start) + placeholder(f.detector, text.slice(f.start, f.end), key);
    at = f.end;
  }
  return out + text.slice(at);
}
